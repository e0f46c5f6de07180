"""All SQL about contested cells: the counting claims of their deciding days."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, aliased

from app.actors.models import Actor
from app.claims.models import Claim
from app.initiatives.models import Initiative
from app.sources.models import Source
from app.vocabulary.models import BasisTerm

# A commitment cell's day: (actor id, role, stated_on); a stance cell's day:
# (actor id, initiative id, stated_on). Ids, so that each day is a seek on the claims'
# (actor, object, stated_on) indexes.
DayKey = tuple[int, str | int, date]


# Days per statement: each is one index seek (SQLite's multi-index OR, PostgreSQL's
# bitmap OR); a bounded statement keeps the plan and the parameters small.
DAYS_PER_STATEMENT = 200


def deciding_day_claims(
    session: Session,
    *,
    commitments: Sequence[DayKey],
    stances: Sequence[DayKey],
    known_as_of: date | None,
) -> Sequence[Any]:
    """The counting claims (accepted, not retracted; with `known_as_of`, from sources
    published by then) of these cells on these days: each cell's claims together, in the
    order the as-of rule ranks them (codebook section 7: basis priority, then the later
    publication, then the higher id), so a cell's winner comes first.

    Rows: actor, kind, role, initiative, claim_id, status, stance, conditional, basis,
    certainty, speaker, evidence, stated_on, version, source_id, source_title,
    source_outlet, source_url, published_on.
    """
    rows: list[Any] = []
    for kind, days in (("commitment", commitments), ("stance", stances)):
        for start in range(0, len(days), DAYS_PER_STATEMENT):
            batch = days[start : start + DAYS_PER_STATEMENT]
            rows.extend(session.execute(_day_claims(kind, batch, known_as_of)).all())
    return rows


def _day_claims(kind: str, days: Sequence[DayKey], known_as_of: date | None) -> Any:
    """One statement: a seek per (actor, object, day) on the claims' (actor, object,
    stated_on) index. `review_state || ''` keeps the planner off the review_state index,
    which, without statistics, SQLite would rather scan."""
    speaker = aliased(Actor, name="speaker")
    claim_object: Any = Claim.role if kind == "commitment" else Claim.initiative_id
    cells = or_(
        *(
            and_(Claim.actor_id == actor_id, claim_object == thing, Claim.stated_on == day)
            for actor_id, thing, day in days
        )
    )
    # The cell's object: a commitment names an initiative only in passing.
    cell_object = case((Claim.kind == "stance", Initiative.slug), else_=Claim.role)
    stmt = (
        select(
            Actor.code.label("actor"),
            Claim.kind,
            Claim.role,
            Initiative.slug.label("initiative"),
            Claim.id.label("claim_id"),
            Claim.status,
            Claim.stance,
            Claim.conditional,
            Claim.basis,
            Claim.certainty,
            speaker.code.label("speaker"),
            Claim.evidence_text.label("evidence"),
            Claim.stated_on,
            Claim.version,
            Source.id.label("source_id"),
            Source.title.label("source_title"),
            Source.outlet.label("source_outlet"),
            Source.url.label("source_url"),
            Source.published_on,
        )
        .join(Actor, Actor.id == Claim.actor_id)
        .join(Source, Source.id == Claim.source_id)
        .join(BasisTerm, BasisTerm.id == Claim.basis)
        .outerjoin(Initiative, Initiative.id == Claim.initiative_id)
        .outerjoin(speaker, speaker.id == Claim.speaker_id)
        .where(
            Claim.kind == kind,
            Claim.review_state.concat("") == "accepted",
            Claim.retracted_at.is_(None),
            cells,
        )
    )
    if known_as_of is not None:
        stmt = stmt.where(Source.published_on <= known_as_of)
    return stmt.order_by(
        Actor.code,
        cell_object,
        BasisTerm.priority.asc(),
        Source.published_on.desc(),
        Claim.id.desc(),
    )
