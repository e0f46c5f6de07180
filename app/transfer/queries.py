"""SQL for export and import."""

from collections.abc import Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, selectinload

from app.actors.models import Actor, Affiliation, Membership
from app.claims import queries as claim_queries
from app.claims.models import Claim
from app.sources.models import Source


def all_actors(session: Session) -> Sequence[Actor]:
    """Every actor with its aliases, by code."""
    return session.scalars(
        select(Actor).options(selectinload(Actor.aliases)).order_by(Actor.code)
    ).all()


def all_sources(session: Session) -> Sequence[Source]:
    """Every source, by id."""
    return session.scalars(select(Source).order_by(Source.id)).all()


def all_claims(session: Session) -> Sequence[Claim]:
    """Every claim, retracted ones included, by id."""
    stmt = claim_queries.claim_list(include_retracted=True).order_by(Claim.id)
    claims: Sequence[Claim] = session.scalars(stmt).unique().all()
    return claims


def membership_exists(
    session: Session, group_id: int, member_id: int, from_on: object
) -> Membership | None:
    """The membership with this group, member and start, if any."""
    return session.scalar(
        select(Membership).where(
            Membership.group_id == group_id,
            Membership.member_id == member_id,
            Membership.from_on.is_(None) if from_on is None else Membership.from_on == from_on,
        )
    )


def affiliation_exists(
    session: Session, person_id: int, actor_id: int, office: str, from_on: object
) -> Affiliation | None:
    """The affiliation with this person, actor, office and start, if any."""
    return session.scalar(
        select(Affiliation).where(
            Affiliation.person_id == person_id,
            Affiliation.actor_id == actor_id,
            Affiliation.office == office,
            Affiliation.from_on.is_(None) if from_on is None else Affiliation.from_on == from_on,
        )
    )


def reset_id_sequences(session: Session) -> None:
    """After rows were written with explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("sources", "claims"):
        top = session.scalar(select(func.max(text("id"))).select_from(text(table)))
        if top:
            session.execute(
                text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                {"t": table, "v": top},
            )
