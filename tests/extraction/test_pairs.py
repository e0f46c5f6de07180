"""The pair scorer: an actor and a role that no rule connects, named in one sentence (or
the actor in the sentence before), kept when the trained model gives the pair at least
its threshold; never where a rule decided that nobody, or somebody else, holds the role."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.extraction.evaluate import is_blind
from app.extraction.extractor import Extractor
from app.extraction.pairs import (
    IN_FORCE_NOTE,
    WEIGHTS_FILE,
    PairScorer,
    default_scorer,
    pair_features,
)
from tests.extraction.helpers import WEDNESDAY, claims, one, pairs

ROOT = Path(__file__).resolve().parents[2]
EVAL = ROOT / "bench" / "eval"
# A model that keeps every pair it is shown, and one that keeps none.
KEEP_ALL = PairScorer(weights={}, bias=10.0, threshold=0.5)
KEEP_NONE = PairScorer(weights={}, bias=-10.0, threshold=0.5)


def scoring(extractor: Extractor, scorer: PairScorer) -> Extractor:
    return Extractor(extractor.index, extractor.patterns, scorer)


def test_a_kept_pair_is_a_claim_noted_as_scored(extractor: Extractor) -> None:
    text = "Norway's contribution is confirmed: minehunters for the Black Sea."

    claim = one(scoring(extractor, KEEP_ALL), text, "NO", "naval_security")

    assert claim.status == "pledged"
    assert claim.note is not None
    assert claim.note.startswith("scored pair (p 1.00)")
    assert claim.evidence.text.startswith("Norway's contribution is confirmed")
    assert claims(scoring(extractor, KEEP_NONE), text) == []


def test_a_scored_claim_is_read_like_a_rules_claim(extractor: Extractor) -> None:
    text = (
        "Lithuania's offer stands: instructors for a training mission, once a ceasefire is agreed."
    )

    claim = one(scoring(extractor, KEEP_ALL), text, "LT", "training")

    assert (claim.status, claim.conditional) == ("willing", True)
    assert [c.type for c in claim.conditions] == ["ceasefire"]
    assert claim.stated_on == WEDNESDAY


def test_a_role_no_status_cue_qualifies_is_read_as_in_force(extractor: Extractor) -> None:
    claim = one(
        scoring(extractor, KEEP_ALL),
        "Poland is the logistics hub for aid to Ukraine.",
        "PL",
        "logistics",
    )

    assert claim.status == "active"
    assert claim.note is not None
    assert IN_FORCE_NOTE in claim.note


def test_the_last_sentences_actor_may_hold_a_role_named_without_one(
    extractor: Extractor,
) -> None:
    text = "Latvia's government met on Monday. Instructors for a training mission are confirmed."

    claim = one(scoring(extractor, KEEP_ALL), text, "LV", "training")

    assert claim.evidence.text.startswith("Latvia")
    assert claim.evidence.text.endswith("training mission are confirmed")


@pytest.mark.parametrize(
    "text",
    [
        "Berlin urged Rome to send air defence systems.",
        "Will Spain send troops to Ukraine?",
        "The Swedish foreign minister said most allies were ready to send troops.",
        "Britain has deployed more troops to Estonia.",
        "Belgium's capital hosted talks on Tuesday.",
        "| Country | Contribution | Status |\n| Latvia | troops | under review |",
        "Estonia's defence minister on training and air defence\n\nShe spoke to us on Monday.",
    ],
)
def test_where_a_rule_decided_no_pair_is_scored(extractor: Extractor, text: str) -> None:
    # A call on another, a question, an unnamed group after a speaker, troops sent
    # elsewhere, a possessor of something else, a table row read by its columns, a
    # title naming topics: a model that keeps every pair it is shown adds nothing.
    rules_only = pairs(scoring(extractor, KEEP_NONE), text)

    assert pairs(scoring(extractor, KEEP_ALL), text) == rules_only


def test_a_role_the_rules_read_for_one_member_is_not_given_to_the_others(
    extractor: Extractor,
) -> None:
    text = "France will send troops, Germany said on Tuesday."

    assert pairs(scoring(extractor, KEEP_ALL), text) == {("FR", "ground_forces")}


def test_the_stored_model_keeps_a_plain_pair_and_drops_a_recipient(
    extractor: Extractor,
) -> None:
    assert ("NL", "air_defense") in pairs(
        extractor, "The Netherlands was first, with Patriot missiles worth 500 million euros."
    )
    assert pairs(extractor, "Spain said the Patriot missiles would go to Ukraine soon.") == {
        ("ES", "air_defense")
    }


def test_the_stored_model_weighs_the_features_the_code_computes(extractor: Extractor) -> None:
    text = "Norway's contribution is confirmed: minehunters for the Black Sea."
    found, reader = extractor.read(text, WEDNESDAY)
    [(pair, features, p)] = reader.scored(found, default_scorer())

    stored = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert set(stored["weights"]) == set(features)
    assert features == pair_features(pair, 0, 0, 1)
    assert 0.0 < p < 1.0
    assert stored["trained_on"]
    assert not any(is_blind(EVAL / name) for name in stored["trained_on"])


def test_training_refuses_a_blind_set(tmp_path: Path) -> None:
    blind = tmp_path / "news-blind"
    blind.mkdir()
    (blind / "BLIND").write_text("", encoding="utf-8")

    result = subprocess.run(
        [sys.executable, "bench/train_pair_scorer.py", "--dry-run", "news-dev", str(blind)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )

    assert result.returncode == 2
    assert f"blind sets are never trained on: {blind}" in result.stderr
