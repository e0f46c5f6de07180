"""The project's own hand-coded evaluation sets (bench/eval) are sound gold: every
evidence is a verbatim span of its text and every identifier is the codebook's."""

from pathlib import Path

import pytest

from app.extraction.evaluate import dev_gold
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
