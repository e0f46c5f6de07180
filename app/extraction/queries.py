"""All SQL the extractor needs: a snapshot of actors and initiatives, and its fingerprint."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.actors.models import Actor, ActorAlias, Affiliation
from app.initiatives.models import Initiative


def snapshot_fingerprint(session: Session) -> tuple[Any, ...]:
    """A cheap value that changes whenever actors, aliases, offices or initiatives change."""
    stmt = select(
        select(func.count(Actor.id)).scalar_subquery(),
        select(func.max(Actor.updated_at)).scalar_subquery(),
        select(func.count(ActorAlias.id)).scalar_subquery(),
        select(func.max(ActorAlias.id)).scalar_subquery(),
        select(func.count(Affiliation.id)).scalar_subquery(),
        select(func.max(Affiliation.id)).scalar_subquery(),
        select(func.count(Initiative.id)).scalar_subquery(),
        select(func.max(Initiative.updated_at)).scalar_subquery(),
    )
    row = session.execute(stmt).one()
    return tuple(str(v) for v in row)


def actor_rows(session: Session) -> Sequence[Any]:
    """(id, code, kind, name) of every actor."""
    return session.execute(select(Actor.id, Actor.code, Actor.kind, Actor.name)).all()


def alias_rows(session: Session) -> Sequence[Any]:
    """(actor id, alias, alias kind) of every alias."""
    return session.execute(select(ActorAlias.actor_id, ActorAlias.alias, ActorAlias.kind)).all()


def affiliation_rows(session: Session) -> Sequence[Any]:
    """(person id, actor id, from_on, until_on) of every office."""
    return session.execute(
        select(
            Affiliation.person_id, Affiliation.actor_id, Affiliation.from_on, Affiliation.until_on
        )
    ).all()


def initiative_rows(session: Session) -> Sequence[Any]:
    """(slug, name) of every initiative."""
    return session.execute(select(Initiative.slug, Initiative.name)).all()
