"""The as-of rule in SQL: one statement per question, the same on SQLite and PostgreSQL."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    Date,
    Select,
    and_,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from app.actors.models import Actor, Membership
from app.claims.models import Claim
from app.initiatives.models import Initiative
from app.sources.models import Source
from app.vocabulary.models import BasisTerm, StatusTerm


@dataclass(frozen=True)
class CellFilter:
    """Which cells to compute: kinds, roles, initiatives, actors, a group's members."""

    kind: str | None = None
    roles: Sequence[str] = field(default_factory=tuple)
    initiative_ids: Sequence[int] = field(default_factory=tuple)
    actor_ids: Sequence[int] = field(default_factory=tuple)
    group_id: int | None = None


def _dates_table(dates: Sequence[date]) -> Any:
    # A derived table of the dates asked about; UNION ALL of one-row SELECTs works everywhere.
    rows = [select(literal(d, Date).label("as_of")) for d in dates]
    table = rows[0] if len(rows) == 1 else union_all(*rows)
    return table.subquery("as_of_dates")


def ranked_claims(dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter) -> Any:
    """Every counting claim per as-of date, ranked within its cell by the codebook's rule.

    A cell is (as_of, actor, object): the role for a commitment, the initiative for a
    stance. Rank 1 is the latest stated_on, then statement over report over plan, then
    the later publication (then the higher id, so ties never depend on the database).
    `contested` holds when claims of the winner's day in that cell disagree and come from
    more than one source: then some two of them disagree across sources.
    """
    as_of = _dates_table(dates)
    value = func.coalesce(Claim.status, Claim.stance)
    object_role = case((Claim.kind == "commitment", Claim.role), else_=None)
    object_initiative = case((Claim.kind == "stance", Claim.initiative_id), else_=None)
    cell = [as_of.c.as_of, Claim.actor_id, Claim.kind, object_role, object_initiative]
    same_day = [*cell, Claim.stated_on]
    stmt = (
        select(
            as_of.c.as_of,
            Claim.id.label("claim_id"),
            Claim.actor_id,
            Claim.kind,
            object_role.label("role"),
            object_initiative.label("initiative_id"),
            value.label("value"),
            func.row_number()
            .over(
                partition_by=cell,
                order_by=[
                    Claim.stated_on.desc(),
                    BasisTerm.priority.asc(),
                    Source.published_on.desc(),
                    Claim.id.desc(),
                ],
            )
            .label("rn"),
            (
                (
                    func.min(value).over(partition_by=same_day)
                    != func.max(value).over(partition_by=same_day)
                )
                & (
                    func.min(Claim.source_id).over(partition_by=same_day)
                    != func.max(Claim.source_id).over(partition_by=same_day)
                )
            ).label("contested"),
        )
        .join(Source, Source.id == Claim.source_id)
        .join(BasisTerm, BasisTerm.id == Claim.basis)
        .join(as_of, Claim.stated_on <= as_of.c.as_of)
        .where(Claim.review_state == "accepted", Claim.retracted_at.is_(None))
    )
    if known_as_of is not None:
        stmt = stmt.where(Source.published_on <= known_as_of)
    if cells.kind:
        stmt = stmt.where(Claim.kind == cells.kind)
    objects = []
    if cells.roles:
        objects.append(and_(Claim.kind == "commitment", Claim.role.in_(cells.roles)))
    if cells.initiative_ids:
        objects.append(and_(Claim.kind == "stance", Claim.initiative_id.in_(cells.initiative_ids)))
    if objects:
        stmt = stmt.where(or_(*objects))
    if cells.actor_ids:
        stmt = stmt.where(Claim.actor_id.in_(cells.actor_ids))
    if cells.group_id is not None:
        membership = (
            select(Membership.id)
            .where(
                Membership.group_id == cells.group_id,
                Membership.member_id == Claim.actor_id,
                or_(Membership.from_on.is_(None), Membership.from_on <= as_of.c.as_of),
                or_(Membership.until_on.is_(None), Membership.until_on >= as_of.c.as_of),
            )
            .exists()
        )
        stmt = stmt.where(membership)
    return stmt.subquery("ranked")


def position_cells(
    session: Session, dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter
) -> Sequence[Any]:
    """The deciding claim of every cell at every date, with what a matrix shows of it."""
    ranked = ranked_claims(dates, known_as_of=known_as_of, cells=cells)
    speaker = aliased(Actor)
    stmt: Select[Any] = (
        select(
            ranked.c.as_of,
            Actor.code.label("actor"),
            Actor.name.label("actor_name"),
            Actor.kind.label("actor_kind"),
            ranked.c.kind,
            ranked.c.role,
            Initiative.slug.label("initiative"),
            Initiative.name.label("initiative_name"),
            Claim.status,
            StatusTerm.rank.label("status_rank"),
            Claim.stance,
            ranked.c.claim_id,
            Claim.stated_on,
            Claim.conditional,
            Claim.certainty,
            Claim.basis,
            ranked.c.contested,
            speaker.code.label("speaker"),
            Claim.evidence_text.label("evidence"),
            Source.id.label("source_id"),
            Source.title.label("source_title"),
            Source.outlet.label("source_outlet"),
            Source.published_on,
        )
        .join(Claim, Claim.id == ranked.c.claim_id)
        .join(Actor, Actor.id == ranked.c.actor_id)
        .join(Source, Source.id == Claim.source_id)
        .outerjoin(Initiative, Initiative.id == ranked.c.initiative_id)
        .outerjoin(StatusTerm, StatusTerm.id == Claim.status)
        .outerjoin(speaker, speaker.id == Claim.speaker_id)
        .where(ranked.c.rn == 1)
        .order_by(ranked.c.as_of, Actor.code, ranked.c.kind, ranked.c.role, Initiative.slug)
    )
    return session.execute(stmt).all()


def position_counts(
    session: Session, dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter
) -> Sequence[Any]:
    """How many cells hold each value at each date: (as_of, value, count)."""
    ranked = ranked_claims(dates, known_as_of=known_as_of, cells=cells)
    stmt = (
        select(ranked.c.as_of, ranked.c.value, func.count().label("n"))
        .where(ranked.c.rn == 1)
        .group_by(ranked.c.as_of, ranked.c.value)
        .order_by(ranked.c.as_of, ranked.c.value)
    )
    return session.execute(stmt).all()


def actor_timeline(session: Session, actor_id: int) -> Sequence[Any]:
    """Every claim of the actor in date order; `changed` marks claims that moved a cell.

    Within a cell, counting claims are ordered so that the one the as-of rule would pick
    on a day comes last; a claim changed the position when its value differs from the
    counting claim before it (or nothing came before).
    """
    counts = and_(Claim.review_state == "accepted", Claim.retracted_at.is_(None))
    value = func.coalesce(Claim.status, Claim.stance)
    object_role = case((Claim.kind == "commitment", Claim.role), else_=None)
    object_initiative = case((Claim.kind == "stance", Claim.initiative_id), else_=None)
    order: list[Any] = [
        Claim.stated_on.asc(),
        BasisTerm.priority.desc(),
        Source.published_on.asc(),
        Claim.id.asc(),
    ]
    previous = func.lag(value).over(
        partition_by=[Claim.kind, object_role, object_initiative, counts], order_by=order
    )
    stmt = (
        select(
            Claim.id.label("claim_id"),
            counts.label("counts"),
            previous.label("previous_value"),
            value.label("value"),
        )
        .join(Source, Source.id == Claim.source_id)
        .join(BasisTerm, BasisTerm.id == Claim.basis)
        .where(Claim.actor_id == actor_id)
        .order_by(*order)
    )
    return session.execute(stmt).all()


def claim_date_span(session: Session) -> tuple[date | None, date | None]:
    """The first and last stated_on of the claims that count."""
    row = session.execute(
        select(func.min(Claim.stated_on), func.max(Claim.stated_on)).where(
            Claim.review_state == "accepted", Claim.retracted_at.is_(None)
        )
    ).one()
    return _maybe_date(row[0]), _maybe_date(row[1])


def _maybe_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def changed_claims(session: Session, *, cells: CellFilter, limit: int) -> Sequence[Any]:
    """Claims that moved a cell, or were retracted, across all actors; newest update first.

    A counting claim moved its cell when its value differs from the counting claim before
    it in the same (actor, object) cell, or nothing came before, ordered as in
    `actor_timeline`. Rows: (claim_id, previous_value, retracted, updated_at). Only the
    filter's actors and roles are read.
    """
    counts = and_(Claim.review_state == "accepted", Claim.retracted_at.is_(None))
    value = func.coalesce(Claim.status, Claim.stance)
    object_role = case((Claim.kind == "commitment", Claim.role), else_=None)
    object_initiative = case((Claim.kind == "stance", Claim.initiative_id), else_=None)
    order: list[Any] = [
        Claim.stated_on.asc(),
        BasisTerm.priority.desc(),
        Source.published_on.asc(),
        Claim.id.asc(),
    ]
    previous = func.lag(value).over(
        partition_by=[Claim.actor_id, Claim.kind, object_role, object_initiative, counts],
        order_by=order,
    )
    marked = (
        select(
            Claim.id.label("claim_id"),
            case((counts, 1), else_=0).label("counts"),
            previous.label("previous_value"),
            value.label("value"),
            case((Claim.retracted_at.is_(None), 0), else_=1).label("retracted"),
            Claim.updated_at,
        )
        .join(Source, Source.id == Claim.source_id)
        .join(BasisTerm, BasisTerm.id == Claim.basis)
    )
    if cells.actor_ids:
        marked = marked.where(Claim.actor_id.in_(cells.actor_ids))
    if cells.roles:
        marked = marked.where(Claim.kind == "commitment", Claim.role.in_(cells.roles))
    sub = marked.subquery("marked")
    moved = and_(
        sub.c.counts == 1,
        or_(sub.c.previous_value.is_(None), sub.c.previous_value != sub.c.value),
    )
    stmt = (
        select(sub.c.claim_id, sub.c.previous_value, sub.c.retracted, sub.c.updated_at)
        .where(or_(sub.c.retracted == 1, moved))
        .order_by(sub.c.updated_at.desc(), sub.c.claim_id.desc())
        .limit(limit)
    )
    return session.execute(stmt).all()
