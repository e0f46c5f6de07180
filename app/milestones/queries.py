"""All SQL about milestones."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from app.db import folded_contains, paginate
from app.listing import Paging, order_by_clauses
from app.milestones.models import Milestone
from app.sources.models import Source


def milestone_by_slug(session: Session, slug: str) -> Milestone | None:
    """The milestone with this slug, its states loaded."""
    stmt = select(Milestone).where(Milestone.slug == slug).options(selectinload(Milestone.states))
    return session.scalar(stmt)


def milestone_ids_by_slug(session: Session, slugs: Sequence[str]) -> dict[str, int]:
    """The ids of the milestones with these slugs (unknown slugs are left out)."""
    if not slugs:
        return {}
    stmt = select(Milestone.slug, Milestone.id).where(Milestone.slug.in_(list(slugs)))
    return dict(session.execute(stmt).all())


def milestone_choices(session: Session) -> Sequence[Any]:
    """(slug, name) of every milestone, by name."""
    return session.execute(
        select(Milestone.slug, Milestone.name).order_by(Milestone.name, Milestone.slug)
    ).all()


def all_milestones(session: Session) -> Sequence[Milestone]:
    """Every milestone, its states loaded (unordered: the export sorts them)."""
    return session.scalars(select(Milestone).options(selectinload(Milestone.states))).all()


# The fields a list of milestones sorts by (`sort=`).
SORTABLE = {
    "slug": Milestone.slug,
    "name": Milestone.name,
    "condition_type": Milestone.condition_type,
    "updated_at": Milestone.updated_at,
}


def milestone_list(
    *, q: str | None = None, condition_type: str | None = None
) -> "Select[Milestone]":
    """Milestones filtered by a name/slug/description substring or by condition type."""
    stmt = select(Milestone)
    if q:
        stmt = stmt.where(
            or_(
                folded_contains(Milestone.name, q),
                folded_contains(Milestone.slug, q),
                folded_contains(Milestone.description, q),
            )
        )
    if condition_type is not None:
        stmt = stmt.where(Milestone.condition_type == condition_type)
    return stmt


def milestone_page(
    session: Session,
    asked: Paging,
    *,
    q: str | None = None,
    condition_type: str | None = None,
    sort: str | None = None,
    by_name: bool = False,
) -> tuple[list[Milestone], int]:
    """A page of milestones (states loaded), sorted by `sort` then by slug (or, `by_name`,
    by name then slug), and the total."""
    default = [Milestone.name, Milestone.slug] if by_name else [Milestone.slug]
    stmt = milestone_list(q=q, condition_type=condition_type)
    stmt = stmt.order_by(*order_by_clauses(sort, SORTABLE, default))
    return paginate(
        session,
        stmt.options(selectinload(Milestone.states)),
        limit=asked.limit,
        offset=asked.offset,
    )


def source_titles(session: Session, source_ids: Sequence[int]) -> dict[int, str]:
    """The title of each of these sources that exists."""
    wanted = set(source_ids)
    if not wanted:
        return {}
    rows: Any = session.execute(select(Source.id, Source.title).where(Source.id.in_(wanted)))
    return dict(rows.all())
