"""The extractor's stages on their own: document, mentions, conditions, the sentence context
(sentences written for these tests)."""

import dataclasses
from decimal import Decimal

import pytest

from app.extraction.attach import govern_roles, owns
from app.extraction.document import quantity, split_sentences
from app.extraction.extractor import Extractor
from tests.extraction.helpers import WEDNESDAY


def test_a_line_break_ends_a_sentence_and_a_paragraph(extractor: Extractor) -> None:
    doc = extractor.nlp('Croatia will help. "We are ready," he said.\nMalta agreed.')

    sentences = split_sentences(doc, extractor.patterns.clauses.quotes)

    assert [(doc[s.start : s.end].text, s.para) for s in sentences] == [
        ("Croatia will help.", 0),
        ('"We are ready," he said.', 0),
        ("Malta agreed.", 1),
    ]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("some 5,000 troops", (Decimal(5000), "troops")),
        ("EUR 1.5 billion in aid", (Decimal("1.5e9"), "EUR")),
        ("$4.5 billion for shells", (Decimal("4.5e9"), "USD")),
        ("300 million euros", (Decimal("3e8"), "EUR")),
        ("within 20 years", None),
    ],
)
def test_a_quantity_needs_a_currency_or_a_unit(
    extractor: Extractor, text: str, found: tuple[Decimal, str] | None
) -> None:
    patterns = extractor.patterns

    assert quantity(text, patterns.units, patterns.currencies) == found


def test_a_list_that_opens_as_a_place_is_a_place_throughout(extractor: Extractor) -> None:
    ctx = next(iter(extractor.contexts("Romania hosts bases in Poland and Lithuania.", WEDNESDAY)))

    assert [(m.name.code, m.eligible) for m in ctx.mentions] == [
        ("RO", True),
        ("PL", False),
        ("LT", False),
    ]


def test_a_condition_after_a_plan_noun_is_kept_for_the_plans_roles(
    extractor: Extractor,
) -> None:
    text = "The plan, contingent on a ceasefire, would see Italy send troops."
    ctx = next(iter(extractor.contexts(text, WEDNESDAY)))

    assert [(c.type, c.text) for c in ctx.conditions] == [
        ("ceasefire", "contingent on a ceasefire")
    ]
    assert [c.trigger for c in ctx.memory.plan_conditions[ctx.sentence.para]] == [-1]


def test_a_condition_after_another_predicate_is_not_the_roles(extractor: Extractor) -> None:
    text = "Croatia will send two frigates, and Malta would send observers if a ceasefire holds."
    ctx = next(iter(extractor.contexts(text, WEDNESDAY)))
    governed = {role.value: (role, g) for role, g in govern_roles(ctx)}
    predicates = {g.predicate.start for _, g in governed.values()}
    (condition,) = ctx.conditions

    frigates, first = governed["naval_security"]
    observers, second = governed["border_monitoring"]
    assert not owns(condition, first.predicate, frigates, predicates)
    assert owns(condition, second.predicate, observers, predicates)


def test_the_sentence_context_is_frozen(extractor: Extractor) -> None:
    ctx = next(iter(extractor.contexts("Malta is ready to send observers.", WEDNESDAY)))

    with pytest.raises(dataclasses.FrozenInstanceError):
        ctx.day = WEDNESDAY  # type: ignore[misc]
