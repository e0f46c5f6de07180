"""Each status rule on its own, then in the pipeline (sentences written for these tests)."""

from dataclasses import replace

import pytest

from app.extraction.attach import govern_roles
from app.extraction.context import Condition
from app.extraction.extractor import Extractor
from app.extraction.status_rules import (
    CLAUSE_RULES,
    MEMBER_RULES,
    RoleEvidence,
    announced_would,
    conditional_will,
    declines_to_say,
    hedged_member,
    limited_refusal,
    mixed_signals,
)
from tests.extraction.helpers import WEDNESDAY, one

A_CONDITION = Condition(0, 1, "ceasefire", "if a ceasefire holds")


def evidence(extractor: Extractor, text: str, role: str) -> RoleEvidence:
    """The role as the status rules see it in the text's first sentence, before any rule,
    with no limits and no conditions (a test adds its own)."""
    ctx = next(iter(extractor.contexts(text, WEDNESDAY)))
    for hit, governed in govern_roles(ctx):
        if hit.value == role:
            return RoleEvidence(ctx, hit, governed.predicate, governed.holders, [], [])
    raise AssertionError(f"no governed {role} in {text!r}")


def test_the_rules_run_in_their_documented_order() -> None:
    assert [r.name for r in CLAUSE_RULES] == [
        "limited_refusal",
        "announced_would",
        "conditional_will",
        "mixed_signals",
        "declines_to_say",
    ]
    assert [r.name for r in MEMBER_RULES] == ["hedged_member"]


def test_a_refusal_with_a_limit_is_reluctant(extractor: Extractor) -> None:
    refusal = evidence(extractor, "Norway will not send troops.", "ground_forces")

    assert limited_refusal(refusal, "ruled_out") is None
    assert limited_refusal(replace(refusal, limits=["into combat zones"]), "ruled_out") == (
        "reluctant"
    )
    # A limit on a positive claim is kept as a limit and moves nothing.
    assert limited_refusal(replace(refusal, limits=["for now"]), "willing") is None


def test_an_announced_would_is_a_pledge(extractor: Extractor) -> None:
    announced = evidence(
        extractor, "Greece announced that it would provide artillery shells.", "arms_supply"
    )
    said = evidence(extractor, "Greece said it would provide artillery shells.", "arms_supply")

    assert announced_would(announced, "willing") == "pledged"
    assert announced_would(said, "willing") is None
    assert announced_would(announced, "considering") is None


def test_a_will_under_a_condition_is_willing(extractor: Extractor) -> None:
    pledge = evidence(extractor, "Croatia will send two frigates.", "naval_security")

    assert conditional_will(pledge, "pledged") is None
    assert conditional_will(replace(pledge, conditions=[A_CONDITION]), "pledged") == "willing"


def test_a_condition_on_a_predicate_that_is_no_modal_keeps_the_pledge(
    extractor: Extractor,
) -> None:
    pledge = evidence(extractor, "Croatia has committed two frigates.", "naval_security")

    assert conditional_will(replace(pledge, conditions=[A_CONDITION]), "pledged") is None


def test_hesitation_before_willingness_is_considering(extractor: Extractor) -> None:
    mixed = evidence(
        extractor,
        "Malta remains hesitant, although it is ready to send observers.",
        "border_monitoring",
    )
    plain = evidence(extractor, "Malta is ready to send observers.", "border_monitoring")

    assert mixed_signals(mixed, "willing") == "considering"
    assert mixed_signals(mixed, "pledged") == "considering"
    assert mixed_signals(mixed, "considering") is None
    assert mixed_signals(plain, "willing") is None


def test_declining_to_say_is_undisclosed_whatever_the_rung(extractor: Extractor) -> None:
    declined = evidence(
        extractor, "Ireland declined to say whether it would send troops.", "ground_forces"
    )
    plain = evidence(extractor, "Ireland would send troops.", "ground_forces")

    assert declines_to_say(declined, "willing") == "undisclosed"
    assert declines_to_say(declined, "considering") == "undisclosed"
    assert declines_to_say(plain, "willing") is None


@pytest.mark.parametrize(
    ("status", "lowered"),
    [
        ("active", "pledged"),
        ("pledged", "willing"),
        ("willing", "considering"),
        ("considering", None),
        ("ruled_out", None),
        ("undisclosed", None),
    ],
)
def test_a_hedged_list_member_is_one_rung_lower_from_willing_up(
    extractor: Extractor, status: str, lowered: str | None
) -> None:
    listed = evidence(
        extractor,
        "Denmark, Norway and possibly Estonia are prepared to deploy troops.",
        "ground_forces",
    )
    by_actor = {h.actor: h for h in listed.holders}

    assert by_actor["EE"].hedged
    assert hedged_member(listed, by_actor["EE"], status) == lowered
    assert hedged_member(listed, by_actor["DK"], status) is None


@pytest.mark.parametrize(
    ("text", "actor", "role", "status", "note"),
    [
        (
            "Norway will not send troops into combat zones.",
            "NO",
            "ground_forces",
            "reluctant",
            "a refusal limited in time or place is a limit, not ruled_out",
        ),
        (
            "Croatia will send two frigates if a ceasefire holds.",
            "HR",
            "naval_security",
            "willing",
            "a conditional 'will' is willing",
        ),
        (
            "Malta remains hesitant, although it is ready to send observers.",
            "MT",
            "border_monitoring",
            "considering",
            "mixed signals (cautious, but would ...) are considering",
        ),
        (
            "Ireland declined to say whether it would send troops.",
            "IE",
            "ground_forces",
            "undisclosed",
            "declines to say whether: undisclosed",
        ),
        (
            "Denmark, Norway and possibly Estonia are prepared to deploy troops.",
            "EE",
            "ground_forces",
            "considering",
            "a hedged list member is one rung lower",
        ),
    ],
)
def test_each_rule_names_itself_in_the_reviewers_note(
    extractor: Extractor, text: str, actor: str, role: str, status: str, note: str
) -> None:
    claim = one(extractor, text, actor, role)

    assert claim.status == status
    assert note in claim.note
