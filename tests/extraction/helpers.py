"""What the extraction tests share: the proposed claims of a text, checked, and picks of them."""

from datetime import date
from typing import Any

from app.extraction.extractor import Extractor
from app.extraction.schemas import ProposedClaim

WEDNESDAY = date(2025, 8, 20)


def claims(extractor: Extractor, text: str, published_on: date = WEDNESDAY) -> list[ProposedClaim]:
    """The proposed claims, after checking every evidence span against the text."""
    out = extractor.extract(text, published_on)
    for claim in out:
        assert text[claim.evidence.start : claim.evidence.end] == claim.evidence.text
        assert claim.evidence.text
    return out


def one(extractor: Extractor, text: str, actor: str, role: str, **published: Any) -> ProposedClaim:
    """The one claim the text gives the actor for the role."""
    found = [
        c
        for c in claims(extractor, text, **published)
        if c.actor == actor and (c.role == role or c.initiative == role)
    ]
    assert len(found) == 1, [(c.actor, c.role, c.status) for c in claims(extractor, text)]
    return found[0]


def pairs(extractor: Extractor, text: str) -> set[tuple[str, str | None]]:
    """(actor, role) of every commitment the text yields."""
    return {(c.actor, c.role) for c in claims(extractor, text) if c.kind == "commitment"}
