"""The review queue as the API and the dashboard show it."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from app.audit import queries as audit_queries
from app.claims.models import Claim
from app.claims.service import claim_record
from app.errors import InvalidInput
from app.review import queries
from app.sources import queries as source_queries

# How much of the source the dashboard shows on each side of the evidence.
CONTEXT_CHARS = 320


def require_filter_source(session: Session, source_id: int | None) -> None:
    """Refuse a source filter that names no source (422, as the claim list does)."""
    if source_id is not None and source_queries.source_by_id(session, source_id) is None:
        raise InvalidInput.field("source", f"unknown source {source_id}")


def evidence_in_context(
    text: str | None, start: int | None, end: int | None, width: int = CONTEXT_CHARS
) -> tuple[str, str, str] | None:
    """The evidence with up to `width` characters of its source on each side, cut at a
    word and marked with an ellipsis where the text goes on: (before, quote, after)."""
    if text is None or start is None or end is None:
        return None
    left = max(0, start - width)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else left
    right = min(len(text), end + width)
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space >= 0 else right
    before = ("…" if left > 0 else "") + text[left:start]
    after = text[end:right] + ("…" if right < len(text) else "")
    return before, text[start:end], after


def proposal_views(session: Session, claims: Sequence[Claim]) -> list[dict[str, Any]]:
    """Each proposed claim with its evidence highlighted in its source's text."""
    texts = queries.source_texts(session, [c.source_id for c in claims])
    people = audit_queries.user_names(
        session, [c.created_by for c in claims if c.created_by is not None]
    )
    return [
        {
            "claim": claim_record(c),
            "context": evidence_in_context(
                texts.get(c.source_id), c.evidence_start, c.evidence_end
            ),
            "recorded_by": people.get(c.created_by) if c.created_by is not None else None,
        }
        for c in claims
    ]
