"""All SQL about actors."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, delete, exists, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.db import folded_contains, paginate
from app.listing import Paging, order_by_clauses


def actor_by_code(session: Session, code: str) -> Actor | None:
    """The actor with this code, aliases loaded."""
    return session.scalar(
        select(Actor).where(Actor.code == code).options(selectinload(Actor.aliases))
    )


def actor_ids_by_code(session: Session, codes: Iterable[str]) -> dict[str, int]:
    """Map each known code to its actor id; unknown codes are left out."""
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(select(Actor.code, Actor.id).where(Actor.code.in_(wanted)))
    return dict(rows.all())


def actor_kinds_by_code(session: Session, codes: Iterable[str]) -> dict[str, tuple[int, str]]:
    """Map each known code to (id, kind)."""
    wanted = set(codes)
    if not wanted:
        return {}
    rows = session.execute(select(Actor.code, Actor.id, Actor.kind).where(Actor.code.in_(wanted)))
    return {code: (actor_id, kind) for code, actor_id, kind in rows}


def existing_codes(session: Session) -> set[str]:
    """Every actor code in the database."""
    return set(session.scalars(select(Actor.code)))


def actor_list(
    *,
    kind: str | None = None,
    q: str | None = None,
    group_id: int | None = None,
    on: date | None = None,
) -> Select[Any]:
    """Actors filtered by kind, by a name/code/alias substring, or by group membership."""
    stmt = select(Actor).options(selectinload(Actor.aliases))
    if kind:
        stmt = stmt.where(Actor.kind == kind)
    if q:
        alias_match = exists().where(
            ActorAlias.actor_id == Actor.id, folded_contains(ActorAlias.alias, q)
        )
        stmt = stmt.where(
            or_(folded_contains(Actor.name, q), folded_contains(Actor.code, q), alias_match)
        )
    if group_id is not None:
        stmt = stmt.where(member_of(group_id, Actor.id, on))
    return stmt


# The fields a list of actors sorts by (`sort=`).
SORTABLE = {
    "code": Actor.code,
    "name": Actor.name,
    "kind": Actor.kind,
    "updated_at": Actor.updated_at,
}


def actor_page(
    session: Session,
    asked: Paging,
    *,
    kind: str | None = None,
    q: str | None = None,
    group_id: int | None = None,
    on: date | None = None,
    sort: str | None = None,
) -> tuple[list[Actor], int]:
    """A page of actor_list, sorted by `sort` (then by code), and the total."""
    stmt = actor_list(kind=kind, q=q, group_id=group_id, on=on)
    stmt = stmt.order_by(*order_by_clauses(sort, SORTABLE, [Actor.code]))
    return paginate(session, stmt, limit=asked.limit, offset=asked.offset)


def member_of(group_id: int, actor_id_column: Any, on: Any) -> Any:
    """An EXISTS clause: the actor is a member of the group on the date (None: ever)."""
    clause = exists().where(
        Membership.group_id == group_id, Membership.member_id == actor_id_column
    )
    if on is not None:
        clause = clause.where(
            or_(Membership.from_on.is_(None), Membership.from_on <= on),
            or_(Membership.until_on.is_(None), Membership.until_on >= on),
        )
    return clause


def memberships(
    session: Session, *, member_id: int | None = None, group_id: int | None = None
) -> Sequence[Any]:
    """Membership rows with both sides' codes and names."""
    group = aliased(Actor)
    member = aliased(Actor)
    stmt = (
        select(
            group.code.label("group"),
            group.name.label("group_name"),
            member.code.label("member"),
            member.name.label("member_name"),
            Membership.from_on,
            Membership.until_on,
        )
        .join(group, group.id == Membership.group_id)
        .join(member, member.id == Membership.member_id)
        .order_by(group.code, member.code, Membership.from_on)
    )
    if member_id is not None:
        stmt = stmt.where(Membership.member_id == member_id)
    if group_id is not None:
        stmt = stmt.where(Membership.group_id == group_id)
    return session.execute(stmt).all()


def affiliations(
    session: Session, *, person_id: int | None = None, actor_id: int | None = None
) -> Sequence[Any]:
    """Affiliation rows with the person's and the actor's codes and names."""
    person = aliased(Actor)
    actor = aliased(Actor)
    stmt = (
        select(
            person.code.label("person"),
            person.name.label("person_name"),
            actor.code.label("actor"),
            actor.name.label("actor_name"),
            Affiliation.office,
            Affiliation.from_on,
            Affiliation.until_on,
        )
        .join(person, person.id == Affiliation.person_id)
        .join(actor, actor.id == Affiliation.actor_id)
        .order_by(Affiliation.from_on, person.code)
    )
    if person_id is not None:
        stmt = stmt.where(Affiliation.person_id == person_id)
    if actor_id is not None:
        stmt = stmt.where(Affiliation.actor_id == actor_id)
    return session.execute(stmt).all()


def speaks_for(session: Session, person_id: int, actor_id: int, on: date) -> bool:
    """Whether the person held an office with the actor on the date."""
    stmt = select(
        exists().where(
            Affiliation.person_id == person_id,
            Affiliation.actor_id == actor_id,
            or_(Affiliation.from_on.is_(None), Affiliation.from_on <= on),
            or_(Affiliation.until_on.is_(None), Affiliation.until_on >= on),
        )
    )
    return bool(session.scalar(stmt))


def replace_memberships(session: Session, member_id: int, rows: Sequence[Membership]) -> None:
    """Replace all of an actor's memberships."""
    session.execute(delete(Membership).where(Membership.member_id == member_id))
    session.add_all(rows)


def replace_affiliations(session: Session, person_id: int, rows: Sequence[Affiliation]) -> None:
    """Replace all of a person's affiliations."""
    session.execute(delete(Affiliation).where(Affiliation.person_id == person_id))
    session.add_all(rows)


def groups_with_members(session: Session) -> Sequence[Any]:
    """Organisations and groups that have at least one member, by code."""
    stmt = (
        select(Actor.code, Actor.name)
        .where(exists().where(Membership.group_id == Actor.id))
        .order_by(Actor.code)
    )
    return session.execute(stmt).all()
