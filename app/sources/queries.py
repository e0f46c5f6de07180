"""All SQL about sources."""

from collections.abc import Sequence
from datetime import date
from typing import Any, TypedDict, Unpack

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.claims.queries import claim_list
from app.db import folded_contains, folded_equals, paginate
from app.listing import Paging, order_by_clauses
from app.sources.models import Source


def source_by_id(session: Session, source_id: int) -> Source | None:
    """The source with this id."""
    return session.get(Source, source_id)


def source_by_hash(session: Session, content_hash: str) -> Source | None:
    """The source whose text has this hash."""
    return session.scalar(select(Source).where(Source.content_hash == content_hash))


def source_by_url(session: Session, url: str) -> Source | None:
    """The source at this URL."""
    return session.scalar(select(Source).where(Source.url == url))


# The fields a list of sources sorts by (`sort=`).
SORTABLE = {
    "id": Source.id,
    "title": Source.title,
    "outlet": Source.outlet,
    "published_on": Source.published_on,
    "updated_at": Source.updated_at,
}


class SourceFilter(TypedDict, total=False):
    """What a list of sources filters on (every one given must hold)."""

    q: str | None  # text in the title or URL
    outlet: str | None
    published_from: date | None
    published_to: date | None


def source_page(
    session: Session, asked: Paging, sort: str | None = None, **filters: Unpack[SourceFilter]
) -> tuple[list[Source], int]:
    """A page of source_list, sorted by `sort` then newest first, and the total."""
    default = [Source.published_on.desc(), Source.id.desc()]
    stmt = source_list(**filters).order_by(*order_by_clauses(sort, SORTABLE, default))
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def source_list(**filters: Unpack[SourceFilter]) -> Select[Any]:
    """Sources filtered by title text, outlet and publication dates."""
    stmt = select(Source)
    q, outlet = filters.get("q"), filters.get("outlet")
    published_from, published_to = filters.get("published_from"), filters.get("published_to")
    if q:
        stmt = stmt.where(or_(folded_contains(Source.title, q), folded_contains(Source.url, q)))
    if outlet:
        stmt = stmt.where(folded_equals(Source.outlet, outlet))
    if published_from:
        stmt = stmt.where(Source.published_on >= published_from)
    if published_to:
        stmt = stmt.where(Source.published_on <= published_to)
    return stmt


def claims_of_source(session: Session, source_id: int) -> Sequence[Claim]:
    """Every claim that cites the source."""
    return session.scalars(
        select(Claim).where(Claim.source_id == source_id).order_by(Claim.id)
    ).all()


def latest_stated_on(session: Session, source_id: int) -> date | None:
    """The latest stated_on among the source's claims."""
    return session.scalar(select(func.max(Claim.stated_on)).where(Claim.source_id == source_id))


def claims_citing(session: Session, source_id: int) -> Sequence[Claim]:
    """Every claim that cites the source, retracted ones too, with its references loaded."""
    stmt = claim_list(source_id=source_id, include_retracted=True).order_by(Claim.id)
    return session.scalars(stmt).unique().all()
