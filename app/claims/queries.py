"""All SQL about claims (the as-of rule lives in app/positions/queries.py)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.actors.models import Actor
from app.claims.models import Claim
from app.initiatives.models import Initiative
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
        selectinload(Claim.conditions),
    )


def claim_by_id(session: Session, claim_id: int) -> Claim | None:
    """The claim with its actor, speaker, initiative, source and conditions loaded."""
    claim: Claim | None = session.scalar(
        _with_references(select(Claim).where(Claim.id == claim_id))
    )
    return claim


def claim_list(
    *,
    actor_ids: Sequence[int] = (),
    roles: Sequence[str] = (),
    initiative_ids: Sequence[int] = (),
    kind: str | None = None,
    statuses: Sequence[str] = (),
    stances: Sequence[str] = (),
    basis: str | None = None,
    review_state: str | None = None,
    stated_from: date | None = None,
    stated_to: date | None = None,
    source_id: int | None = None,
    q: str | None = None,
    include_retracted: bool = False,
) -> Select[Any]:
    """Claims matching every filter given, with what ClaimRead shows loaded."""
    stmt = _with_references(select(Claim))
    if actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(actor_ids))
    if roles:
        stmt = stmt.where(Claim.role.in_(roles))
    if initiative_ids:
        stmt = stmt.where(Claim.initiative_id.in_(initiative_ids))
    if kind:
        stmt = stmt.where(Claim.kind == kind)
    if statuses:
        stmt = stmt.where(Claim.status.in_(statuses))
    if stances:
        stmt = stmt.where(Claim.stance.in_(stances))
    if basis:
        stmt = stmt.where(Claim.basis == basis)
    if review_state:
        stmt = stmt.where(Claim.review_state == review_state)
    if stated_from:
        stmt = stmt.where(Claim.stated_on >= stated_from)
    if stated_to:
        stmt = stmt.where(Claim.stated_on <= stated_to)
    if source_id is not None:
        stmt = stmt.where(Claim.source_id == source_id)
    if q:
        stmt = stmt.where(func.lower(Claim.evidence_text).like(f"%{q.lower()}%"))
    if not include_retracted:
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
