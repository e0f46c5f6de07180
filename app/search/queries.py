"""All SQL of the search box: substring matches over actors, initiatives, sources, evidence."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, load_only, selectinload

from app.actors.models import Actor, ActorAlias
from app.claims.models import Claim
from app.claims.queries import claim_list
from app.db import folded_contains, folded_equals
from app.initiatives.models import Initiative
from app.initiatives.queries import initiative_rows
from app.sources.models import Source


def actors_named(session: Session, text: str) -> Sequence[str]:
    """Codes of the actors whose code, name or an alias is the text, ignoring case and
    accents."""
    alias = exists().where(ActorAlias.actor_id == Actor.id, folded_equals(ActorAlias.alias, text))
    stmt = select(Actor.code).where(
        or_(folded_equals(Actor.code, text), folded_equals(Actor.name, text), alias)
    )
    return session.scalars(stmt.order_by(Actor.code)).all()


def actors_matching(session: Session, text: str, limit: int) -> Sequence[Actor]:
    """Actors whose code, name or an alias contains the text, by name."""
    alias = exists().where(ActorAlias.actor_id == Actor.id, folded_contains(ActorAlias.alias, text))
    stmt = (
        select(Actor)
        .options(selectinload(Actor.aliases))
        .where(or_(folded_contains(Actor.code, text), folded_contains(Actor.name, text), alias))
        .order_by(Actor.name, Actor.code)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def initiatives_matching(session: Session, text: str, limit: int) -> Sequence[Any]:
    """Initiative rows (initiative, proposer code, proposer name) whose slug, name or
    description contains the text, by name."""
    stmt = (
        initiative_rows()
        .where(
            or_(
                folded_contains(Initiative.slug, text),
                folded_contains(Initiative.name, text),
                folded_contains(Initiative.description, text),
            )
        )
        .order_by(Initiative.name, Initiative.slug)
        .limit(limit)
    )
    return session.execute(stmt).all()


def sources_matching(session: Session, text: str, limit: int) -> Sequence[Source]:
    """Sources whose title or outlet contains the text, newest first (texts not loaded)."""
    stmt = (
        select(Source)
        .options(load_only(Source.id, Source.title, Source.outlet, Source.published_on))
        .where(or_(folded_contains(Source.title, text), folded_contains(Source.outlet, text)))
        .order_by(Source.published_on.desc(), Source.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def claims_matching(session: Session, text: str, limit: int) -> Sequence[Claim]:
    """Claims (not retracted) whose evidence contains the text, newest first."""
    stmt = (
        claim_list()
        .where(folded_contains(Claim.evidence_text, text))
        .order_by(Claim.stated_on.desc(), Claim.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).unique().all()
