"""All SQL about claims (the as-of rule lives in app/positions/queries.py)."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NamedTuple, TypedDict, Unpack, cast

from sqlalchemy import Select, select, text
from sqlalchemy.orm import Session, joinedload, selectinload

from app.actors.models import Actor
from app.claims.models import Claim, ClaimCondition
from app.db import folded_contains, paginate
from app.initiatives.models import Initiative
from app.listing import Paging, order_by_clauses
from app.sources.models import Source


def _with_references(stmt: Select[Any]) -> Select[Any]:
    # Everything ClaimRead shows, in the same round trips, never the source's full text.
    return stmt.options(
        joinedload(Claim.actor),
        joinedload(Claim.speaker),
        joinedload(Claim.initiative),
        joinedload(Claim.source).load_only(
            Source.id, Source.title, Source.outlet, Source.url, Source.published_on
        ),
        selectinload(Claim.conditions).options(
            joinedload(ClaimCondition.milestone), joinedload(ClaimCondition.requires_actor)
        ),
    )


def claim_by_id(session: Session, claim_id: int) -> Claim | None:
    """The claim with its actor, speaker, initiative, source and conditions loaded."""
    claim: Claim | None = session.scalar(
        _with_references(select(Claim).where(Claim.id == claim_id))
    )
    return claim


class ClaimColumnFilter(TypedDict, total=False):
    """The claim list's filters on the claim's own columns, given as the columns hold them
    (ClaimCriteria adds actors and initiatives by id, the claims service's ClaimFilter by
    code and slug)."""

    roles: Sequence[str]
    kind: str | None
    statuses: Sequence[str]
    stances: Sequence[str]
    basis: str | None
    review_state: str | None
    stated_from: date | None
    stated_to: date | None
    source_id: int | None
    q: str | None
    include_retracted: bool


class ClaimCriteria(ClaimColumnFilter, total=False):
    """What claim_list filters on (every one given must hold)."""

    actor_ids: Sequence[int]
    initiative_ids: Sequence[int]


# Criteria that are a list of values the column may take, and ones it must equal.
_ANY_OF: dict[str, Any] = {
    "actor_ids": Claim.actor_id,
    "roles": Claim.role,
    "initiative_ids": Claim.initiative_id,
    "statuses": Claim.status,
    "stances": Claim.stance,
}
_EQUALS: dict[str, Any] = {
    "kind": Claim.kind,
    "basis": Claim.basis,
    "review_state": Claim.review_state,
    "source_id": Claim.source_id,
}


def claim_list(**criteria: Unpack[ClaimCriteria]) -> Select[Any]:
    """Claims matching every criterion given, with what ClaimRead shows loaded (retracted
    ones only with `include_retracted`)."""
    given = cast(Mapping[str, Any], criteria)
    stmt = _with_references(select(Claim))
    for key, column in _ANY_OF.items():
        if given.get(key):
            stmt = stmt.where(column.in_(given[key]))
    for key, column in _EQUALS.items():
        if given.get(key) is not None:
            stmt = stmt.where(column == given[key])
    if criteria.get("stated_from"):
        stmt = stmt.where(Claim.stated_on >= criteria["stated_from"])
    if criteria.get("stated_to"):
        stmt = stmt.where(Claim.stated_on <= criteria["stated_to"])
    if q := criteria.get("q"):
        stmt = stmt.where(folded_contains(Claim.evidence_text, q))
    if not criteria.get("include_retracted", False):
        stmt = stmt.where(Claim.retracted_at.is_(None))
    return stmt


SORTABLE: dict[str, Any] = {
    "id": Claim.id,
    "stated_on": Claim.stated_on,
    "created_at": Claim.created_at,
    "updated_at": Claim.updated_at,
    "actor": select(Actor.code).where(Actor.id == Claim.actor_id).scalar_subquery(),
    "initiative": select(Initiative.slug)
    .where(Initiative.id == Claim.initiative_id)
    .scalar_subquery(),
    "role": Claim.role,
    "status": Claim.status,
    "published_on": select(Source.published_on)
    .where(Source.id == Claim.source_id)
    .scalar_subquery(),
}


def cell_history(session: Session, claim: Claim) -> Sequence[Claim]:
    """Every claim on the same actor and object (role or initiative), newest first."""
    stmt = claim_list(actor_ids=[claim.actor_id], kind=claim.kind, include_retracted=True)
    if claim.kind == "commitment":
        stmt = stmt.where(Claim.role == claim.role)
    else:
        stmt = stmt.where(Claim.initiative_id == claim.initiative_id)
    stmt = stmt.order_by(Claim.stated_on.desc(), Claim.id.desc())
    history: Sequence[Claim] = session.scalars(stmt).unique().all()
    return history


def claims_by_ids(session: Session, claim_ids: Sequence[int]) -> dict[int, Claim]:
    """The claims with these ids (retracted ones too), references loaded, by id."""
    if not claim_ids:
        return {}
    stmt = claim_list(include_retracted=True).where(Claim.id.in_(claim_ids))
    return {c.id: c for c in session.scalars(stmt).unique()}


def sorted_claims(sort: str | None, **criteria: Unpack[ClaimCriteria]) -> Select[Any]:
    """claim_list sorted by `sort` (newest first unless it says otherwise)."""
    default = [Claim.stated_on.desc(), Claim.id.desc()]
    return claim_list(**criteria).order_by(*order_by_clauses(sort, SORTABLE, default))


def claim_page(
    session: Session, asked: Paging, sort: str | None, **criteria: Unpack[ClaimCriteria]
) -> tuple[list[Claim], int]:
    """A page of sorted_claims, and the total."""
    stmt = sorted_claims(sort, **criteria)
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def all_claims(
    session: Session, sort: str | None, **criteria: Unpack[ClaimCriteria]
) -> list[Claim]:
    """Every claim of sorted_claims (a CSV export)."""
    return list(session.scalars(sorted_claims(sort, **criteria)).unique())


class SpanRow(NamedTuple):
    """What deciding whether a claim repeats another needs of it."""

    id: int
    source_id: int
    actor_id: int
    kind: str
    role: str | None
    initiative_id: int | None
    evidence_start: int | None
    evidence_end: int | None
    evidence_text: str
    retracted: bool
    duplicate_of_id: int | None


def span_rows(
    session: Session, source_ids: Sequence[int], actor_id: int | None = None
) -> list[SpanRow]:
    """The claims of these sources (of one actor only, if given), oldest first."""
    if not source_ids:
        return []
    stmt = select(
        Claim.id,
        Claim.source_id,
        Claim.actor_id,
        Claim.kind,
        Claim.role,
        Claim.initiative_id,
        Claim.evidence_start,
        Claim.evidence_end,
        Claim.evidence_text,
        Claim.retracted_at.is_not(None),
        Claim.duplicate_of_id,
    ).where(Claim.source_id.in_(source_ids))
    if actor_id is not None:
        stmt = stmt.where(Claim.actor_id == actor_id)
    return [SpanRow(*row) for row in session.execute(stmt.order_by(Claim.id))]


def sources_of(session: Session, first_id: int, last_id: int) -> list[int]:
    """The sources of the claims with ids from `first_id` to `last_id`."""
    stmt = select(Claim.source_id).where(Claim.id.between(first_id, last_id)).distinct()
    return list(session.scalars(stmt))


def set_duplicate_flags(session: Session, flags: Mapping[int, int | None]) -> None:
    """Write `duplicate_of_id` of these claims, in one statement."""
    if not flags:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(
            text(
                "UPDATE claims SET duplicate_of_id = flag.repeated"
                " FROM unnest(CAST(:ids AS integer[]), CAST(:repeated AS integer[]))"
                " AS flag(claim_id, repeated) WHERE claims.id = flag.claim_id"
            ),
            {"ids": list(flags), "repeated": list(flags.values())},
        )
        return
    connection.execute(
        text("UPDATE claims SET duplicate_of_id = :repeated WHERE id = :claim_id"),
        [{"claim_id": c, "repeated": d} for c, d in flags.items()],
    )
