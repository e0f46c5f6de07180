"""All SQL of the review queue."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.claims.queries import claim_list
from app.db import paginate
from app.listing import Paging
from app.sources.models import Source
from app.vocab import ReviewState


def proposals(*, source_id: int | None = None) -> Select[Any]:
    """Proposed claims that are not retracted, oldest first, references loaded."""
    stmt = claim_list(review_state=ReviewState.PROPOSED.value, source_id=source_id)
    return stmt.order_by(Claim.created_at, Claim.id)


def proposal_page(
    session: Session, asked: Paging, source_id: int | None = None
) -> tuple[list[Claim], int]:
    """A page of proposals (of one source, or of all), oldest first, and the total."""
    return paginate(session, proposals(source_id=source_id), limit=asked.limit, offset=asked.offset)


def proposal_versions(session: Session, source_id: int) -> list[tuple[int, int]]:
    """(id, version) of every proposed claim of a source, oldest first."""
    stmt = (
        select(Claim.id, Claim.version)
        .where(
            Claim.source_id == source_id,
            Claim.review_state == ReviewState.PROPOSED.value,
            Claim.retracted_at.is_(None),
        )
        .order_by(Claim.created_at, Claim.id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def sources_with_proposals(session: Session) -> Sequence[Any]:
    """Sources that have proposed claims: id, title, published_on and how many, newest first."""
    count = func.count(Claim.id).label("count")
    stmt = (
        select(Source.id, Source.title, Source.published_on, count)
        .join(Claim, Claim.source_id == Source.id)
        .where(Claim.review_state == ReviewState.PROPOSED.value, Claim.retracted_at.is_(None))
        .group_by(Source.id, Source.title, Source.published_on)
        .order_by(Source.published_on.desc(), Source.id.desc())
    )
    return session.execute(stmt).all()


def source_texts(session: Session, source_ids: Sequence[int]) -> dict[int, str | None]:
    """The stored texts of these sources, by id."""
    if not source_ids:
        return {}
    stmt = select(Source.id, Source.text).where(Source.id.in_(set(source_ids)))
    return {row[0]: row[1] for row in session.execute(stmt)}
