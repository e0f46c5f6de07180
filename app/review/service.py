"""The review queue as the API and the dashboard show it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.audit import queries as audit_queries
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.views import claim_record
from app.errors import InvalidInput
from app.listing import Paging
from app.review import queries
from app.review.schemas import ReviewDecisions, ReviewOutcome
from app.sources import queries as source_queries
from app.vocab import ReviewState

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


@dataclass(frozen=True)
class ProposalView:
    """A proposed claim in the review queue: its record, its evidence in context (before,
    quote, after; None when the source's text is not stored), and who recorded it."""

    claim: dict[str, Any]
    context: tuple[str, str, str] | None
    recorded_by: str | None


def proposal_views(session: Session, claims: Sequence[Claim]) -> list[ProposalView]:
    """Each proposed claim with its evidence highlighted in its source's text."""
    texts = queries.source_texts(session, [c.source_id for c in claims])
    people = audit_queries.user_names(
        session, [c.created_by for c in claims if c.created_by is not None]
    )
    return [
        ProposalView(
            claim=claim_record(c),
            context=evidence_in_context(texts.get(c.source_id), c.evidence_start, c.evidence_end),
            recorded_by=people.get(c.created_by) if c.created_by is not None else None,
        )
        for c in claims
    ]


def proposal_page(
    session: Session, asked: Paging, source_id: int | None = None
) -> tuple[list[Claim], int]:
    """A page of the proposed claims waiting for a reviewer (of one source: 422 when it does
    not exist), oldest first, and the total."""
    require_filter_source(session, source_id)
    return queries.proposal_page(session, asked, source_id)


@dataclass(frozen=True)
class ReviewQueue:
    """The review page: a page of proposals, the sources that have some, and the versions
    of the chosen source's proposals (what "accept all" accepts)."""

    proposals: list[ProposalView]
    total: int
    sources: Sequence[Any]
    versions: list[tuple[int, int]]


def review_queue(session: Session, asked: Paging, source_id: int | None) -> ReviewQueue:
    """What the review page shows of the queue (of one source, or of all)."""
    rows, total = proposal_page(session, asked, source_id)
    return ReviewQueue(
        proposals=proposal_views(session, rows),
        total=total,
        sources=queries.sources_with_proposals(session),
        versions=queries.proposal_versions(session, source_id) if source_id else [],
    )


def decide(session: Session, data: ReviewDecisions, *, allow_self_review: bool) -> ReviewOutcome:
    """Apply a reviewer's decisions on many proposed claims, all or none."""
    decisions = [
        claim_service.Decision(d.claim, d.version, d.decision == "accept", d.reason)
        for d in data.decisions
    ]
    claims = claim_service.decide_claims(session, decisions, allow_self_review=allow_self_review)
    accepted = sum(c.review_state == ReviewState.ACCEPTED for c in claims)
    return ReviewOutcome(
        accepted=accepted,
        rejected=len(claims) - accepted,
        claims=[claim_service.claim_read(c) for c in claims],
    )
