"""The codebook's rules about actors: codes, kinds, aliases, memberships, affiliations."""

import re
from collections.abc import Sequence
from datetime import date
from typing import Any

import pycountry
from sqlalchemy.orm import Session

from app.actors import queries
from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.actors.schemas import (
    ActorCreate,
    ActorDetail,
    ActorRead,
    ActorUpdate,
    AffiliationIn,
    AffiliationRead,
    AliasIn,
    MembershipIn,
    MembershipRead,
)
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.listing import Paging
from app.versioning import check_version
from app.vocab import ActorKind

ORGANIZATION_CODE = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
PERSON_CODE = re.compile(r"^[a-z][a-z0-9-]{1,63}$")


def country(code: str) -> Any | None:
    """The pycountry record of an ISO 3166-1 alpha-2 code, or None."""
    if len(code) != 2 or not code.isupper():
        return None
    return pycountry.countries.get(alpha_2=code)


def state_name(record: Any) -> str:
    """The everyday name of a country record ("Russian Federation" -> its common name)."""
    return str(getattr(record, "common_name", None) or record.name)


def check_code(code: str, kind: ActorKind) -> None:
    """Enforce the codebook's identifier form for each kind of actor."""
    if kind is ActorKind.STATE:
        if country(code) is None:
            raise InvalidInput.field("code", f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    elif kind is ActorKind.PERSON:
        if not PERSON_CODE.match(code):
            raise InvalidInput.field(
                "code", "a person's code is a lowercase slug such as 'sergei-lavrov'"
            )
    else:
        if not ORGANIZATION_CODE.match(code):
            raise InvalidInput.field(
                "code", f"an {kind.value}'s code is upper case, such as 'NATO' or 'EU'"
            )
        if country(code) is not None:
            raise InvalidInput.field("code", f"'{code}' is a country code; use kind 'state'")


def require_actor(session: Session, code: str) -> Actor:
    """The actor with this code, or 404."""
    actor = queries.actor_by_code(session, code)
    if actor is None:
        raise NotFound(f"No actor has the code '{code}'.")
    return actor


def actor_page(
    session: Session,
    asked: Paging,
    *,
    kind: ActorKind | None = None,
    q: str | None = None,
    group: str | None = None,
    on: date | None = None,
    sort: str | None = None,
) -> tuple[list[Actor], int]:
    """A page of actors by kind, text or membership of `group` on `on`, and the total;
    422 naming `group` when it names no actor."""
    group_id = filter_actor_id(session, group, "group") if group else None
    return queries.actor_page(
        session,
        asked,
        kind=kind.value if kind else None,
        q=q,
        group_id=group_id,
        on=on,
        sort=sort,
    )


def filter_actor_id(session: Session, code: str, field: str) -> int:
    """The id of the actor a list filter names, or 422 naming the filter."""
    found = queries.actor_ids_by_code(session, [code])
    if code not in found:
        raise InvalidInput.field(field, f"unknown actor '{code}'")
    return found[code]


def _aliases(items: Sequence[AliasIn]) -> list[ActorAlias]:
    seen: set[str] = set()
    out: list[ActorAlias] = []
    for item in items:
        if item.alias in seen:
            continue
        seen.add(item.alias)
        out.append(ActorAlias(alias=item.alias, kind=item.kind.value))
    return out


def _memberships(session: Session, actor: Actor, items: Sequence[MembershipIn]) -> list[Membership]:
    found = queries.actor_kinds_by_code(session, (m.group for m in items))
    errors: list[FieldError] = []
    rows: list[Membership] = []
    seen: dict[tuple[str, object], int] = {}
    for n, item in enumerate(items):
        group = found.get(item.group)
        # (group, member, from_on) is unique: a repeated entry would fail the insert.
        first = seen.setdefault((item.group, item.from_on), n)
        if first != n:
            errors.append(
                FieldError(
                    f"memberships.{n}", f"repeats memberships.{first} (same group and from_on)"
                )
            )
        elif group is None:
            errors.append(FieldError(f"memberships.{n}.group", f"unknown actor '{item.group}'"))
        elif group[1] not in (ActorKind.ORGANIZATION, ActorKind.GROUP):
            errors.append(
                FieldError(f"memberships.{n}.group", f"'{item.group}' is a {group[1]}, not a group")
            )
        else:
            rows.append(
                Membership(
                    group_id=group[0],
                    member_id=actor.id,
                    from_on=item.from_on,
                    until_on=item.until_on,
                )
            )
    if errors:
        raise InvalidInput("Some memberships name no group.", errors=errors)
    return rows


def _affiliations(
    session: Session, actor: Actor, items: Sequence[AffiliationIn]
) -> list[Affiliation]:
    if items and actor.kind != ActorKind.PERSON:
        raise InvalidInput.field("affiliations", "only a person has affiliations")
    found = queries.actor_kinds_by_code(session, (a.actor for a in items))
    errors: list[FieldError] = []
    rows: list[Affiliation] = []
    for n, item in enumerate(items):
        target = found.get(item.actor)
        if target is None:
            errors.append(FieldError(f"affiliations.{n}.actor", f"unknown actor '{item.actor}'"))
        elif target[1] == ActorKind.PERSON:
            errors.append(
                FieldError(
                    f"affiliations.{n}.actor",
                    "a person speaks for a state, an organisation or a group, not another person",
                )
            )
        else:
            rows.append(
                Affiliation(
                    person_id=actor.id,
                    actor_id=target[0],
                    office=item.office,
                    from_on=item.from_on,
                    until_on=item.until_on,
                )
            )
    if errors:
        raise InvalidInput("Some affiliations name no actor.", errors=errors)
    return rows


def create_actor(session: Session, data: ActorCreate) -> Actor:
    """Record a new actor with its aliases, memberships and affiliations."""
    check_code(data.code, data.kind)
    if queries.actor_by_code(session, data.code) is not None:
        raise Conflict(
            f"An actor with the code '{data.code}' already exists.",
            errors=[FieldError("code", "already taken")],
            extra={"existing_id": data.code},
        )
    name = data.name
    if name is None:
        if data.kind is not ActorKind.STATE:
            raise InvalidInput.field("name", "required for this kind of actor")
        name = state_name(country(data.code))
    actor = Actor(
        code=data.code,
        kind=data.kind.value,
        name=name,
        description=data.description,
        aliases=_aliases(data.aliases),
    )
    session.add(actor)
    session.flush()
    session.add_all(_memberships(session, actor, data.memberships))
    session.add_all(_affiliations(session, actor, data.affiliations))
    session.flush()
    return actor


def update_actor(
    session: Session, code: str, data: ActorUpdate, *, expected_version: int | None = None
) -> Actor:
    """Change an actor's fields; lists given replace the actor's lists.

    With `expected_version`, an actor changed since that version is refused (412).
    """
    check_version(session, Actor.version, Actor.code == code, expected_version, f"Actor {code}")
    actor = require_actor(session, code)
    fields = data.model_fields_set
    if "name" in fields:
        if data.name is None:
            raise InvalidInput.field("name", "cannot be empty")
        actor.name = data.name
    if "description" in fields:
        actor.description = data.description
    if data.aliases is not None:
        # Flush the removals first: the unit of work inserts before it deletes,
        # which would trip the unique (actor, alias) constraint on a kept alias.
        actor.aliases = []
        session.flush()
        actor.aliases = _aliases(data.aliases)
    if data.memberships is not None:
        queries.replace_memberships(
            session, actor.id, _memberships(session, actor, data.memberships)
        )
    if data.affiliations is not None:
        queries.replace_affiliations(
            session, actor.id, _affiliations(session, actor, data.affiliations)
        )
    actor.version += 1
    actor.updated_at = utcnow()
    session.flush()
    return actor


def actor_detail(session: Session, actor: Actor) -> ActorDetail:
    """The actor with its memberships, members and affiliations."""
    base = ActorRead.model_validate(actor).model_dump()
    return ActorDetail(
        **base,
        memberships=[
            MembershipRead.model_validate(r._mapping)
            for r in queries.memberships(session, member_id=actor.id)
        ],
        members=[
            MembershipRead.model_validate(r._mapping)
            for r in queries.memberships(session, group_id=actor.id)
        ],
        affiliations=[
            AffiliationRead.model_validate(r._mapping)
            for r in (
                queries.affiliations(session, person_id=actor.id)
                if actor.kind == ActorKind.PERSON
                else queries.affiliations(session, actor_id=actor.id)
            )
        ],
    )


def seed_states(session: Session) -> int:
    """Add every ISO 3166-1 country missing from the actors table; returns how many."""
    known = queries.existing_codes(session)
    added = 0
    for record in pycountry.countries:
        code = record.alpha_2
        if code in known:
            continue
        name = state_name(record)
        names = {record.name, getattr(record, "official_name", record.name)} - {name}
        actor = Actor(
            code=code,
            kind=ActorKind.STATE.value,
            name=name,
            aliases=[ActorAlias(alias=n, kind="name") for n in sorted(names)],
        )
        session.add(actor)
        added += 1
    session.flush()
    return added
