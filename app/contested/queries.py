"""All SQL about contested cells: the counting claims of their deciding days."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from app.actors.models import Actor
from app.claims.models import Claim
from app.initiatives.models import Initiative
from app.sources.models import Source
from app.vocabulary.models import BasisTerm

# A commitment cell's day: (actor code, role, stated_on); a stance cell's day:
# (actor code, initiative slug, stated_on).
DayKey = tuple[str, str, date]


def deciding_day_claims(
    session: Session,
    *,
    commitments: Sequence[DayKey],
    stances: Sequence[DayKey],
    known_as_of: date | None,
) -> Sequence[Any]:
    """The counting claims (accepted, not retracted; with `known_as_of`, from sources
    published by then) of these cells on these days, in one statement: each cell's claims
    together, in the order the as-of rule ranks them (codebook section 7: basis priority,
    then the later publication, then the higher id), so a cell's winner comes first.

    Rows: actor, kind, role, initiative, claim_id, status, stance, conditional, basis,
    certainty, speaker, evidence, stated_on, version, source_id, source_title,
    source_outlet, source_url, published_on.
    """
    if not commitments and not stances:
        return []
    speaker = aliased(Actor, name="speaker")
    cells = []
    if commitments:
        cells.append(
            and_(
                Claim.kind == "commitment",
                tuple_(Actor.code, Claim.role, Claim.stated_on).in_(list(commitments)),
            )
        )
    if stances:
        cells.append(
            and_(
                Claim.kind == "stance",
                tuple_(Actor.code, Initiative.slug, Claim.stated_on).in_(list(stances)),
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
            Claim.review_state == "accepted",
            Claim.retracted_at.is_(None),
            or_(*cells),
        )
    )
    if known_as_of is not None:
        stmt = stmt.where(Source.published_on <= known_as_of)
    stmt = stmt.order_by(
        Actor.code,
        Claim.kind,
        cell_object,
        BasisTerm.priority.asc(),
        Source.published_on.desc(),
        Claim.id.desc(),
    )
    return session.execute(stmt).all()
