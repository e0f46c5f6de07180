"""All SQL of the search box: substring matches over actors, initiatives, sources, evidence."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session, load_only, selectinload

from app.actors.models import Actor, ActorAlias
from app.claims.models import Claim
from app.claims.queries import claim_list
from app.initiatives.models import Initiative
from app.initiatives.queries import initiative_rows
from app.sources.models import Source


def _contains(column: Any, text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; %, _ and \\ in the text match themselves."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def actors_named(session: Session, text: str) -> Sequence[str]:
    """Codes of the actors whose code, name or an alias is the text, ignoring case."""
    wanted = text.lower()
    alias = exists().where(ActorAlias.actor_id == Actor.id, func.lower(ActorAlias.alias) == wanted)
    stmt = select(Actor.code).where(
        or_(func.lower(Actor.code) == wanted, func.lower(Actor.name) == wanted, alias)
    )
    return session.scalars(stmt.order_by(Actor.code)).all()


def actors_matching(session: Session, text: str, limit: int) -> Sequence[Actor]:
    """Actors whose code, name or an alias contains the text, by name."""
    alias = exists().where(ActorAlias.actor_id == Actor.id, _contains(ActorAlias.alias, text))
    stmt = (
        select(Actor)
        .options(selectinload(Actor.aliases))
        .where(or_(_contains(Actor.code, text), _contains(Actor.name, text), alias))
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
                _contains(Initiative.slug, text),
                _contains(Initiative.name, text),
                _contains(Initiative.description, text),
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
        .where(or_(_contains(Source.title, text), _contains(Source.outlet, text)))
        .order_by(Source.published_on.desc(), Source.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).all()


def claims_matching(session: Session, text: str, limit: int) -> Sequence[Claim]:
    """Claims (not retracted) whose evidence contains the text, newest first."""
    stmt = (
        claim_list()
        .where(_contains(Claim.evidence_text, text))
        .order_by(Claim.stated_on.desc(), Claim.id.desc())
        .limit(limit)
    )
    return session.scalars(stmt).unique().all()
