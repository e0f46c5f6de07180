"""SQL the seed loader needs to stay idempotent."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.actors.models import Membership
from app.claims.models import Claim


def has_membership(session: Session, group_id: int, member_id: int, from_on: date | None) -> bool:
    """Whether this membership is recorded already."""
    stmt = select(Membership.id).where(
        Membership.group_id == group_id,
        Membership.member_id == member_id,
        Membership.from_on.is_(None) if from_on is None else Membership.from_on == from_on,
    )
    return session.scalar(stmt) is not None


def has_claim(
    session: Session,
    source_id: int,
    actor_id: int,
    kind: str,
    role: str | None,
    initiative_id: int | None,
) -> bool:
    """Whether the source already has a claim on this actor and object."""
    stmt = select(Claim.id).where(
        Claim.source_id == source_id, Claim.actor_id == actor_id, Claim.kind == kind
    )
    stmt = (
        stmt.where(Claim.role == role)
        if kind == "commitment"
        else stmt.where(Claim.initiative_id == initiative_id)
    )
    return session.scalar(stmt.limit(1)) is not None
