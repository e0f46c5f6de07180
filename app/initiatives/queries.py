"""All SQL about initiatives."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.actors.models import Actor
from app.claims.models import Claim
from app.claims.queries import claim_list
from app.db import folded_contains, paginate_rows
from app.initiatives.models import Initiative
from app.listing import Paging, order_by_clauses

proposer = aliased(Actor, name="proposer")


def all_initiative_rows(session: Session) -> list[Any]:
    """Every initiative with its proposer's code and name (unordered)."""
    return list(session.execute(initiative_rows()).all())


def initiative_rows() -> "Select[Initiative, str | None, str | None]":
    """Initiatives joined to their proposer's code and name, their needs loaded."""
    stmt = (
        select(
            Initiative,
            proposer.code.label("proposer_code"),
            proposer.name.label("proposer_name"),
        )
        .outerjoin(proposer, proposer.id == Initiative.proposer_id)
        .options(selectinload(Initiative.needs))
    )
    return stmt


def initiative_row(session: Session, slug: str) -> Any | None:
    """One initiative row (initiative, proposer code, proposer name) by slug."""
    return session.execute(initiative_rows().where(Initiative.slug == slug)).first()


def initiative_by_slug(
    session: Session, slug: str, *, with_needs: bool = False
) -> Initiative | None:
    """The initiative with this slug (`with_needs`: its needs loaded, to replace them)."""
    stmt = select(Initiative).where(Initiative.slug == slug)
    if with_needs:
        stmt = stmt.options(selectinload(Initiative.needs))
    return session.scalar(stmt)


def initiative_ids_by_slug(session: Session, slugs: Iterable[str]) -> dict[str, int]:
    """Map each known slug to its id."""
    wanted = set(slugs)
    if not wanted:
        return {}
    stmt = select(Initiative.slug, Initiative.id).where(Initiative.slug.in_(wanted))
    return dict(session.execute(stmt).all())


# The fields a list of initiatives sorts by (`sort=`).
SORTABLE = {
    "slug": Initiative.slug,
    "name": Initiative.name,
    "first_reported_on": Initiative.first_reported_on,
    "updated_at": Initiative.updated_at,
}


def initiative_page(
    session: Session,
    asked: Paging,
    *,
    q: str | None = None,
    proposer_id: int | None = None,
    sort: str | None = None,
    by_name: bool = False,
) -> tuple[list[Any], int]:
    """A page of initiative_list rows, sorted by `sort` then by slug (or, `by_name`, by
    name then slug), and the total."""
    default = [Initiative.name, Initiative.slug] if by_name else [Initiative.slug]
    stmt = initiative_list(q=q, proposer_id=proposer_id)
    stmt = stmt.order_by(*order_by_clauses(sort, SORTABLE, default))
    return paginate_rows(session, stmt, limit=asked.limit, offset=asked.offset)


def initiative_list(
    *, q: str | None = None, proposer_id: int | None = None
) -> "Select[Initiative, str | None, str | None]":
    """Initiatives filtered by a name/slug substring or by proposer."""
    stmt = initiative_rows()
    if q:
        stmt = stmt.where(
            or_(
                folded_contains(Initiative.name, q),
                folded_contains(Initiative.slug, q),
                folded_contains(Initiative.description, q),
            )
        )
    if proposer_id is not None:
        stmt = stmt.where(Initiative.proposer_id == proposer_id)
    return stmt


def initiative_names(session: Session) -> Sequence[Any]:
    """(slug, name) of every initiative, by name."""
    return session.execute(select(Initiative.slug, Initiative.name).order_by(Initiative.name)).all()


def role_claims(session: Session, initiative_id: int) -> Sequence[Claim]:
    """The counting commitment claims tied to the initiative, references loaded."""
    stmt = claim_list(
        initiative_ids=[initiative_id], kind="commitment", review_state="accepted"
    ).order_by(Claim.id)
    return session.scalars(stmt).unique().all()


def claim_objects(session: Session, claim_ids: Iterable[int]) -> dict[int, Any]:
    """For each claim id: (initiative_id, quantity_amount, quantity_unit) of the claim, read
    in batches of at most CLAIM_BATCH ids."""
    ids = sorted(set(claim_ids))
    out: dict[int, Any] = {}
    for start in range(0, len(ids), CLAIM_BATCH):
        stmt = select(
            Claim.id, Claim.initiative_id, Claim.quantity_amount, Claim.quantity_unit
        ).where(Claim.id.in_(ids[start : start + CLAIM_BATCH]))
        out.update((row.id, row) for row in session.execute(stmt))
    return out


# IN lists stay well below every backend's limit on bound parameters.
CLAIM_BATCH = 2000
