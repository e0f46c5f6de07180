"""The project's own hand-coded evaluation sets (bench/eval) are sound gold: every
evidence is a verbatim span of its text and every identifier is the codebook's."""

import importlib.util
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from app.extraction.evaluate import dev_gold, score_text
from app.vocab import Role, Status

SETS = sorted(p for p in (Path(__file__).parents[2] / "bench" / "eval").iterdir() if p.is_dir())


@pytest.mark.parametrize("folder", SETS, ids=lambda p: p.name)
def test_every_gold_claim_quotes_its_text_in_the_codebooks_terms(folder: Path) -> None:
    texts = dev_gold(folder)

    assert texts
    for gold in texts:
        pairs = [(c.actor, c.role) for c in gold.claims]
        assert len(pairs) == len(set(pairs)), f"{gold.name}: one claim per actor and role"
        for claim in gold.claims:
            assert claim.evidence in gold.text, (gold.name, claim.evidence)
            assert claim.role in set(Role), (gold.name, claim.role)
            assert claim.status in set(Status), (gold.name, claim.status)
            assert claim.stated_on <= gold.published_on, (gold.name, claim.actor)


def _agreement_module() -> ModuleType:
    path = Path(__file__).parents[2] / "bench" / "agreement.py"
    spec = importlib.util.spec_from_file_location("agreement", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_second_coding_is_sound_gold_of_the_same_texts() -> None:
    folder = Path(__file__).parents[2] / "bench" / "eval" / "news-heldout-4"
    second = _agreement_module().second_coding(folder, "second-coder.json")

    assert set(second) == {g.name for g in dev_gold(folder)}
    for gold in second.values():
        for claim in gold.claims:
            assert claim.evidence in gold.text, (gold.name, claim.evidence)
            assert claim.role in set(Role), gold.name
            assert claim.status in set(Status), gold.name


def test_agreement_is_scored_as_the_extractor_is() -> None:
    agreement = _agreement_module()
    gold = dev_gold(Path(__file__).parents[2] / "bench" / "eval" / "news-heldout-4")[0]
    itself = score_text(gold, agreement.as_proposed(gold))
    fewer = replace(gold, claims=gold.claims[1:])
    short = score_text(gold, agreement.as_proposed(fewer))

    assert itself.figures()["f1"] == 1.0
    assert itself.figures()["status_exact"] == 1.0
    assert short.matched == len(gold.claims) - 1
    assert short.figures()["recall"] < 1.0
