"""The as-of engine in SQL: one statement per question, the same on SQLite and PostgreSQL,
whose cost follows the cells asked about (one index seek per cell and date)."""

import contextlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from app.actors.models import Actor, Membership
from app.claims.models import Claim, ClaimCondition
from app.initiatives.models import Initiative
from app.milestones.models import Milestone, MilestoneState
from app.positions.models import CommitmentCell, DataVersion, StanceCell
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


@dataclass(frozen=True)
class _Shape:
    """What decides a statement's SQL: the values themselves are bound at execution, so
    each shape is built and compiled once (building one costs more than running it on a
    small database)."""

    dialect: str
    dates: int
    known_as_of: bool
    kinds: tuple[str, ...]
    roles: bool
    initiatives: bool
    actors: bool
    group: bool


def _shape(
    dates: Sequence[date], known_as_of: date | None, cells: CellFilter, dialect: str
) -> tuple[_Shape, dict[str, Any]]:
    """The statement shape of a question, and the values to bind."""
    by_object = bool(cells.roles) or bool(cells.initiative_ids)
    kinds = tuple(
        kind
        for kind, asked in (
            ("commitment", bool(cells.roles) or not by_object),
            ("stance", bool(cells.initiative_ids) or not by_object),
        )
        if asked and cells.kind in (None, kind)
    )
    params: dict[str, Any] = {f"as_of_{n}": d for n, d in enumerate(dates)}
    if known_as_of is not None:
        params["known_as_of"] = known_as_of
    if cells.roles:
        params["roles"] = list(cells.roles)
    if cells.initiative_ids:
        params["initiative_ids"] = list(cells.initiative_ids)
    if cells.actor_ids:
        params["actor_ids"] = list(cells.actor_ids)
    if cells.group_id is not None:
        params["group_id"] = cells.group_id
    shape = _Shape(
        dialect=dialect,
        dates=len(dates),
        known_as_of=known_as_of is not None,
        kinds=kinds,
        roles=bool(cells.roles),
        initiatives=bool(cells.initiative_ids),
        actors=bool(cells.actor_ids),
        group=cells.group_id is not None,
    )
    return shape, params


def _dates_table(count: int) -> Any:
    # A derived table of the dates asked about; UNION ALL of one-row SELECTs works everywhere.
    rows = [select(bindparam(f"as_of_{n}", type_=Date).label("as_of")) for n in range(count)]
    table = rows[0] if len(rows) == 1 else union_all(*rows)
    return table.subquery("as_of_dates")


def counting(claim: Any, kind: str) -> ColumnElement[bool]:
    """The claim is of this kind and counts in positions: accepted and not retracted
    (codebook section 7).

    The literals are written into the SQL, not bound, so that the database can prove the
    partial indexes `ix_claims_counting_*` (which repeat this predicate) apply even to a
    prepared statement's generic plan (psycopg prepares a statement run five times). A
    claim with a role is a commitment (the `kind_shape` check), so the commitment index
    needs no kind, and a seek that named one would have to read each row to check it.
    """
    terms = [claim.review_state == literal_column("'accepted'"), claim.retracted_at.is_(None)]
    if kind == "stance":
        # A commitment may name an initiative: only the kind tells a stance.
        terms.append(claim.kind == literal_column("'stance'"))
    return and_(*terms)


def _is_member(actor_id: Any, as_of: Any) -> ColumnElement[bool]:
    return (
        select(Membership.id)
        .where(
            Membership.group_id == bindparam("group_id"),
            Membership.member_id == actor_id,
            or_(Membership.from_on.is_(None), Membership.from_on <= as_of),
            or_(Membership.until_on.is_(None), Membership.until_on >= as_of),
        )
        .exists()
    )


def _asked_cells(stmt: Select[Any], cell: Any, kind: str, shape: _Shape, as_of: Any) -> Select[Any]:
    """Keep the cells the question asks about: its roles or initiatives, its actors, the
    group's members at each date (values bound at execution)."""
    if kind == "commitment" and shape.roles:
        stmt = stmt.where(CommitmentCell.role.in_(bindparam("roles", expanding=True)))
    if kind == "stance" and shape.initiatives:
        stmt = stmt.where(StanceCell.initiative_id.in_(bindparam("initiative_ids", expanding=True)))
    if shape.actors:
        stmt = stmt.where(cell.actor_id.in_(bindparam("actor_ids", expanding=True)))
    if shape.group:
        stmt = stmt.where(_is_member(cell.actor_id, as_of.c.as_of))
    return stmt


def _decided_branch(
    as_of: Any, kind: str, shape: _Shape, *, detailed: bool, contested: bool
) -> Select[Any]:
    """The deciding claim of every cell of one kind at every date (`detailed`: with what
    a matrix shows of the claim and its source; `contested`: whether the cell is).

    Per cell and date: one index seek finds the latest day with a counting claim on or
    before the date (with `known_as_of`, the seek walks back past claims from sources
    published later); two more on the same index read only that day's claims, one for
    the tie-break winner and one for whether they disagree across sources. Each is a
    correlated subquery of the cell, so the plan starts from the cells whatever the
    database's statistics say: without them, SQLite would rather start from every
    accepted claim.
    """
    cell: Any = CommitmentCell if kind == "commitment" else StanceCell
    claim_object = "role" if kind == "commitment" else "initiative_id"
    cell_object: Any = getattr(cell, claim_object)
    known_as_of = bindparam("known_as_of", type_=Date)

    latest = aliased(Claim, name="latest")
    day = select(latest.stated_on).where(
        latest.actor_id == cell.actor_id,
        getattr(latest, claim_object) == cell_object,
        counting(latest, kind),
        latest.stated_on <= as_of.c.as_of,
    )
    if shape.known_as_of:
        published = aliased(Source, name="latest_source")
        day = day.join(published, published.id == latest.source_id).where(
            published.published_on <= known_as_of
        )
    day_subquery = (
        day.order_by(latest.stated_on.desc()).limit(1).correlate(cell, as_of).scalar_subquery()
    )
    days = (
        select(
            as_of.c.as_of,
            cell.actor_id,
            cell_object.label("object"),
            day_subquery.label("day"),
        )
        .select_from(cell)
        .join(as_of, literal(True))
    )
    days = _asked_cells(days, cell, kind, shape, as_of)
    decisive = days.cte(f"{kind}_days").prefix_with("MATERIALIZED")

    def that_day(name: str, with_source: bool) -> tuple[Any, Any, Select[Any]]:
        # The counting claims of the cell's decisive day (with their sources when the
        # caller or known_as_of needs them).
        claim = aliased(Claim, name=name)
        source = aliased(Source, name=f"{name}_source")
        stmt = (
            select()
            .select_from(claim)
            .where(
                claim.actor_id == decisive.c.actor_id,
                getattr(claim, claim_object) == decisive.c.object,
                claim.stated_on == decisive.c.day,
                counting(claim, kind),
            )
        )
        if with_source or shape.known_as_of:
            stmt = stmt.join(source, source.id == claim.source_id)
        if shape.known_as_of:
            stmt = stmt.where(source.published_on <= known_as_of)
        return claim, source, stmt

    ranked, ranked_source, same_day = that_day("same_day", with_source=True)
    winner: Any = (
        same_day.add_columns(ranked.id)
        .join(BasisTerm, BasisTerm.id == ranked.basis)
        .order_by(BasisTerm.priority.asc(), ranked_source.published_on.desc(), ranked.id.desc())
        .limit(1)
        .correlate(decisive)
        .scalar_subquery()
    )
    rival, _, rivals = that_day("rival", with_source=False)
    rival_value = func.coalesce(rival.status, rival.stance)
    disagreement: Any = (
        rivals.add_columns(
            (func.min(rival_value) != func.max(rival_value))
            & (func.min(rival.source_id) != func.max(rival.source_id))
        )
        .correlate(decisive)
        .scalar_subquery()
        if contested
        else literal(None, Boolean)
    )
    if not shape.known_as_of:
        # Most decisive days hold one claim: counted in the index alone, it is the winner
        # (its id is in the index too) and nothing can disagree with it; only days of
        # several claims read their rows to rank them and compare them.
        _, _, that_day_alone = that_day("alone", with_source=False)
        claims_that_day = (
            that_day_alone.add_columns(func.count()).correlate(decisive).scalar_subquery()
        )
        single, _, that_day_single = that_day("single", with_source=False)
        only_claim = (
            that_day_single.add_columns(single.id).limit(1).correlate(decisive).scalar_subquery()
        )
        winner = case((claims_that_day == 1, only_claim), else_=winner)
        if contested:
            disagreement = case((claims_that_day > 1, disagreement), else_=literal(False))
    winners = (
        select(
            decisive.c.as_of,
            decisive.c.actor_id,
            decisive.c.object,
            winner.label("claim_id"),
            disagreement.label("contested"),
        )
        .where(decisive.c.day.is_not(None))
        # Materialized, so that the winner is a column the claims' primary key is probed
        # with: as an expression, PostgreSQL would rather hash every claim to join it.
        .cte(f"{kind}_winners")
        .prefix_with("MATERIALIZED")
    )

    claim = aliased(Claim, name="decided_claim")
    source = aliased(Source, name="decided_source")
    stmt = (
        select(
            winners.c.as_of,
            claim.id.label("claim_id"),
            claim.actor_id,
            literal(kind, String).label("kind"),
            (winners.c.object if kind == "commitment" else literal(None, String)).label("role"),
            (winners.c.object if kind == "stance" else literal(None, Integer)).label(
                "initiative_id"
            ),
            func.coalesce(claim.status, claim.stance).label("value"),
            claim.conditional,
            winners.c.contested,
        )
        .select_from(winners)
        .join(claim, claim.id == winners.c.claim_id)
    )
    if detailed:
        stmt = stmt.join(source, source.id == claim.source_id).add_columns(*_details(claim, source))
    return stmt


def _details(claim: Any, source: Any) -> list[Any]:
    """What a matrix shows of the deciding claim and its source (DETAIL_COLUMNS)."""
    return [
        claim.status,
        claim.stance,
        claim.stated_on,
        claim.certainty,
        claim.basis,
        claim.speaker_id,
        claim.evidence_text.label("evidence"),
        source.id.label("source_id"),
        source.title.label("source_title"),
        source.outlet.label("source_outlet"),
        source.published_on,
    ]


# What a matrix shows of the deciding claim and its source, as the engine names them.
DETAIL_COLUMNS = (
    "status",
    "stance",
    "stated_on",
    "certainty",
    "basis",
    "speaker_id",
    "evidence",
    "source_id",
    "source_title",
    "source_outlet",
    "published_on",
)


def _decided_branch_lateral(
    as_of: Any, kind: str, shape: _Shape, *, detailed: bool, contested: bool
) -> Select[Any]:
    """`_decided_branch` for PostgreSQL, the same three seeks per cell and date as
    LATERAL subqueries: the winner's row comes out of its seek with everything a matrix
    shows, where a scalar subquery would make the claim be looked up again (and leaves
    the planner free to hash every claim for that)."""
    cell: Any = CommitmentCell if kind == "commitment" else StanceCell
    claim_object = "role" if kind == "commitment" else "initiative_id"
    cell_object: Any = getattr(cell, claim_object)
    known_as_of = bindparam("known_as_of", type_=Date)

    def of_cell(claim: Any) -> list[Any]:
        return [
            claim.actor_id == cell.actor_id,
            getattr(claim, claim_object) == cell_object,
            counting(claim, kind),
        ]

    def published_by_then(stmt: Select[Any], claim: Any, name: str) -> Select[Any]:
        if not shape.known_as_of:
            return stmt
        source = aliased(Source, name=name)
        return stmt.join(source, source.id == claim.source_id).where(
            source.published_on <= known_as_of
        )

    latest = aliased(Claim, name="latest")
    day = (
        published_by_then(
            select(latest.stated_on.label("day")).where(
                *of_cell(latest), latest.stated_on <= as_of.c.as_of
            ),
            latest,
            "latest_source",
        )
        .order_by(latest.stated_on.desc())
        .limit(1)
        .lateral(f"{kind}_day")
    )
    claim = aliased(Claim, name="same_day")
    source = aliased(Source, name="same_day_source")
    details = _details(claim, source)
    winner_query = (
        select(
            claim.id.label("claim_id"),
            func.coalesce(claim.status, claim.stance).label("value"),
            claim.conditional,
            *(details if detailed else []),
        )
        .join(source, source.id == claim.source_id)
        .join(BasisTerm, BasisTerm.id == claim.basis)
        .where(*of_cell(claim), claim.stated_on == day.c.day)
        .order_by(BasisTerm.priority.asc(), source.published_on.desc(), claim.id.desc())
        .limit(1)
    )
    if shape.known_as_of:
        winner_query = winner_query.where(source.published_on <= known_as_of)
    winner = winner_query.lateral(f"{kind}_winner")

    stmt = (
        select(
            as_of.c.as_of,
            winner.c.claim_id,
            cell.actor_id,
            literal(kind, String).label("kind"),
            (cell_object if kind == "commitment" else literal(None, String)).label("role"),
            (cell_object if kind == "stance" else literal(None, Integer)).label("initiative_id"),
            winner.c.value,
            winner.c.conditional,
        )
        .select_from(cell)
        .join(as_of, literal(True))
        .join(day, literal(True))
        .join(winner, literal(True))
    )
    if contested:
        rival = aliased(Claim, name="rival")
        rival_value = func.coalesce(rival.status, rival.stance)
        disagreement: Any = published_by_then(
            select(
                (func.min(rival_value) != func.max(rival_value))
                & (func.min(rival.source_id) != func.max(rival.source_id))
            ).where(*of_cell(rival), rival.stated_on == day.c.day),
            rival,
            "rival_source",
        ).scalar_subquery()
        if not shape.known_as_of:
            # Only a day of several claims can disagree; counting them reads the index only.
            other = aliased(Claim, name="other")
            claims_that_day = (
                select(func.count())
                .where(*of_cell(other), other.stated_on == day.c.day)
                .scalar_subquery()
            )
            disagreement = case((claims_that_day > 1, disagreement), else_=literal(False))
        stmt = stmt.add_columns(disagreement.label("contested"))
    else:
        stmt = stmt.add_columns(literal(None, Boolean).label("contested"))
    if detailed:
        stmt = stmt.add_columns(*(winner.c[name] for name in DETAIL_COLUMNS))
    return _asked_cells(stmt, cell, kind, shape, as_of)


def decided_claims(shape: _Shape, *, detailed: bool = False, contested: bool = True) -> Any:
    """The deciding claim of every cell at every date (codebook section 7), as a subquery
    of the shape (values bound at execution; see `_shape`).

    Rows: as_of, claim_id, actor_id, kind, role, initiative_id, value, conditional,
    contested. A cell is (as_of, actor, object): the role for a commitment, the initiative
    for a stance. The winner is the latest stated_on, then statement over report over
    plan, then the later publication (then the higher id, so ties never depend on the
    database). `contested` holds when claims of the winner's day in that cell disagree and
    come from more than one source: then some two of them disagree across sources.
    """
    as_of = _dates_table(shape.dates)
    branch = _decided_branch_lateral if shape.dialect == "postgresql" else _decided_branch
    branches = [
        branch(as_of, kind, shape, detailed=detailed, contested=contested) for kind in shape.kinds
    ]
    return (branches[0] if len(branches) == 1 else union_all(*branches)).subquery("decided")


def decided_query(
    dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter, dialect: str
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement deciding every cell asked about, and its values (for EXPLAIN)."""
    shape, params = _shape(dates, known_as_of, cells, dialect)
    return select(decided_claims(shape)), params


def position_cells(
    session: Session, dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter
) -> Sequence[Any]:
    """The deciding claim of every cell at every date, with what a matrix shows of it:
    as_of first, then PositionCell's fields in its order."""
    shape, params = _shape(dates, known_as_of, cells, session.get_bind().dialect.name)
    if not shape.kinds:
        return []
    # Core, not ORM, execution: the rows are plain tuples either way, read a third faster.
    return session.connection().execute(_position_cells_statement(shape), params).all()


@lru_cache(maxsize=256)
def _position_cells_statement(shape: _Shape) -> Select[Any]:
    decided = decided_claims(shape, detailed=True)
    speaker = aliased(Actor)
    return (
        select(
            decided.c.as_of,
            Actor.code.label("actor"),
            Actor.name.label("actor_name"),
            Actor.kind.label("actor_kind"),
            decided.c.kind,
            decided.c.role,
            Initiative.slug.label("initiative"),
            Initiative.name.label("initiative_name"),
            decided.c.status,
            StatusTerm.rank.label("status_rank"),
            decided.c.stance,
            decided.c.claim_id,
            decided.c.stated_on,
            decided.c.conditional,
            decided.c.certainty,
            decided.c.basis,
            decided.c.contested,
            speaker.code.label("speaker"),
            decided.c.evidence,
            decided.c.source_id,
            decided.c.source_title,
            decided.c.source_outlet,
            decided.c.published_on,
        )
        .join(Actor, Actor.id == decided.c.actor_id)
        .outerjoin(Initiative, Initiative.id == decided.c.initiative_id)
        .outerjoin(StatusTerm, StatusTerm.id == decided.c.status)
        .outerjoin(speaker, speaker.id == decided.c.speaker_id)
        .order_by(decided.c.as_of, Actor.code, decided.c.kind, decided.c.role, Initiative.slug)
    )


def decided_values(
    session: Session, dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter
) -> Sequence[Any]:
    """The deciding claim of every cell at every date, without what a matrix shows of it
    and without whether it is contested: (as_of, claim_id, actor_id, actor, kind, role,
    initiative_id, initiative, value, conditional). What /changes diffs before it reads
    one page in full."""
    shape, params = _shape(dates, known_as_of, cells, session.get_bind().dialect.name)
    if not shape.kinds:
        return []
    return session.connection().execute(_decided_values_statement(shape), params).all()


@lru_cache(maxsize=256)
def _decided_values_statement(shape: _Shape) -> Select[Any]:
    decided = decided_claims(shape, contested=False)
    return (
        select(
            decided.c.as_of,
            decided.c.claim_id,
            decided.c.actor_id,
            Actor.code.label("actor"),
            decided.c.kind,
            decided.c.role,
            decided.c.initiative_id,
            Initiative.slug.label("initiative"),
            decided.c.value,
            decided.c.conditional,
        )
        .join(Actor, Actor.id == decided.c.actor_id)
        .outerjoin(Initiative, Initiative.id == decided.c.initiative_id)
    )


def position_counts(
    session: Session, dates: Sequence[date], *, known_as_of: date | None, cells: CellFilter
) -> Sequence[Any]:
    """How many cells hold each value at each date: (as_of, value, count)."""
    shape, params = _shape(dates, known_as_of, cells, session.get_bind().dialect.name)
    if not shape.kinds:
        return []
    return session.connection().execute(_position_counts_statement(shape), params).all()


@lru_cache(maxsize=256)
def _position_counts_statement(shape: _Shape) -> Select[Any]:
    decided = decided_claims(shape)
    return (
        select(decided.c.as_of, decided.c.value, func.count().label("n"))
        .group_by(decided.c.as_of, decided.c.value)
        .order_by(decided.c.as_of, decided.c.value)
    )


def actor_timeline(
    session: Session, actor_id: int, *, limit: int, offset: int, newest_first: bool
) -> tuple[Sequence[Any], int]:
    """One page of the actor's claims in date order, and how many claims it has in all;
    `changed` marks claims that moved a cell.

    Within a cell, counting claims are ordered so that the one the as-of rule would pick
    on a day comes last; a claim changed the position when its value differs from the
    counting claim before it (or nothing came before). The marks need the actor's whole
    history (one index range); only the page's rows leave the database.
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
    marks = (
        select(
            Claim.id.label("claim_id"),
            counts.label("counts"),
            previous.label("previous_value"),
            value.label("value"),
            func.row_number().over(order_by=order).label("position"),
        )
        .join(Source, Source.id == Claim.source_id)
        .join(BasisTerm, BasisTerm.id == Claim.basis)
        .where(Claim.actor_id == actor_id)
        .subquery("marks")
    )
    position = marks.c.position.desc() if newest_first else marks.c.position.asc()
    stmt = (
        select(marks.c.claim_id, marks.c.counts, marks.c.previous_value, marks.c.value)
        .order_by(position)
        .limit(limit)
        .offset(offset)
    )
    total = session.scalar(select(func.count()).where(Claim.actor_id == actor_id)) or 0
    return session.execute(stmt).all(), total


def claim_date_span(session: Session) -> tuple[date | None, date | None]:
    """The first and last stated_on of the claims that count: a walk from each end of
    the stated_on index to the first claim that counts.

    `review_state || ''` keeps the review_state index out of it: without statistics,
    SQLite would take that index for a selective one and read every accepted claim.
    """
    counts = and_(Claim.review_state.concat("") == "accepted", Claim.retracted_at.is_(None))
    first = session.scalar(
        select(Claim.stated_on).where(counts).order_by(Claim.stated_on.asc()).limit(1)
    )
    last = session.scalar(
        select(Claim.stated_on).where(counts).order_by(Claim.stated_on.desc()).limit(1)
    )
    return _maybe_date(first), _maybe_date(last)


def _maybe_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _previous_value(claim: Any, kind: str) -> Any:
    """The value of the counting claim just before `claim` in its cell, in the order the
    as-of rule picks on a day (stated_on, then basis, publication and id): a seek for the
    cell's day before, then the few claims of that day and of the claim's own."""
    object_column = "role" if kind == "commitment" else "initiative_id"
    earlier = aliased(Claim, name="earlier")
    previous_day = (
        select(earlier.stated_on)
        .where(
            earlier.actor_id == claim.actor_id,
            getattr(earlier, object_column) == getattr(claim, object_column),
            counting(earlier, kind),
            earlier.stated_on < claim.stated_on,
        )
        .order_by(earlier.stated_on.desc())
        .limit(1)
        .correlate(claim)
        .scalar_subquery()
    )
    other = aliased(Claim, name="other")
    other_basis = aliased(BasisTerm, name="other_basis")
    other_source = aliased(Source, name="other_source")
    # Nested subqueries correlate only to the query just around them unless told.
    own_basis = (
        select(BasisTerm.priority)
        .where(BasisTerm.id == claim.basis)
        .correlate(claim)
        .scalar_subquery()
    )
    own_published = (
        select(Source.published_on)
        .where(Source.id == claim.source_id)
        .correlate(claim)
        .scalar_subquery()
    )
    ranks_before = or_(
        other.stated_on < claim.stated_on,
        other_basis.priority > own_basis,
        and_(
            other_basis.priority == own_basis,
            or_(
                other_source.published_on < own_published,
                and_(other_source.published_on == own_published, other.id < claim.id),
            ),
        ),
    )
    return (
        select(func.coalesce(other.status, other.stance))
        .join(other_basis, other_basis.id == other.basis)
        .join(other_source, other_source.id == other.source_id)
        .where(
            other.actor_id == claim.actor_id,
            getattr(other, object_column) == getattr(claim, object_column),
            counting(other, kind),
            other.id != claim.id,
            other.stated_on <= claim.stated_on,
            other.stated_on >= func.coalesce(previous_day, claim.stated_on),
            ranks_before,
        )
        .order_by(
            other.stated_on.desc(),
            other_basis.priority.asc(),
            other_source.published_on.desc(),
            other.id.desc(),
        )
        .limit(1)
        .correlate(claim)
        .scalar_subquery()
    )


def recent_claim_events(
    session: Session,
    *,
    cells: CellFilter,
    before: tuple[Any, int] | None,
    limit: int,
) -> Sequence[Any]:
    """The most recently updated claims that count or were retracted, newest first, each
    with the value of the counting claim before it in its cell (None: it came first).

    Rows: (claim_id, counts, retracted, value, previous_value, updated_at). `before`
    (updated_at, id) continues after the last row of a previous call. The feed walks
    these until it has enough claims that moved their cell; nothing reads a cell's whole
    history.
    """
    params: dict[str, Any] = {"limit": limit}
    if cells.actor_ids:
        params["actor_ids"] = list(cells.actor_ids)
    if cells.roles:
        params["roles"] = list(cells.roles)
    if before is not None:
        params["before_at"], params["before_id"] = before
    statement = _recent_claims_statement(
        bool(cells.actor_ids), bool(cells.roles), before is not None
    )
    return session.execute(statement, params).all()


@lru_cache(maxsize=16)
def _recent_claims_statement(actors: bool, roles: bool, before: bool) -> Select[Any]:
    claim = aliased(Claim, name="recent")
    value = func.coalesce(claim.status, claim.stance)
    counts = and_(claim.review_state == "accepted", claim.retracted_at.is_(None))
    previous = case(
        (claim.kind == "commitment", _previous_value(claim, "commitment")),
        else_=_previous_value(claim, "stance"),
    )
    stmt = select(
        claim.id.label("claim_id"),
        case((counts, 1), else_=0).label("counts"),
        case((claim.retracted_at.is_(None), 0), else_=1).label("retracted"),
        value.label("value"),
        case((counts, previous), else_=None).label("previous_value"),
        claim.updated_at,
    ).where(or_(counts, claim.retracted_at.is_not(None)))
    if actors:
        stmt = stmt.where(claim.actor_id.in_(bindparam("actor_ids", expanding=True)))
    if roles:
        stmt = stmt.where(
            claim.kind == "commitment", claim.role.in_(bindparam("roles", expanding=True))
        )
    if before:
        at = bindparam("before_at", type_=claim.updated_at.type)
        claim_id = bindparam("before_id", type_=Integer)
        stmt = stmt.where(
            or_(claim.updated_at < at, and_(claim.updated_at == at, claim.id < claim_id))
        )
    return stmt.order_by(claim.updated_at.desc(), claim.id.desc()).limit(bindparam("limit"))


class DataVersionReader:
    """Reads the data version on one connection of its own, kept open in autocommit mode
    and used by one thread at a time: one round trip per read, where a pooled
    connection would also ping, begin and roll back (the cache's fast path, which reads
    the version for every repeated request)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sql = str(
            select(DataVersion.version)
            .where(DataVersion.id == 1)
            .compile(engine, compile_kwargs={"literal_binds": True})
        )
        self._connection: Any = None
        self._lock = threading.Lock()

    def read(self) -> int:
        """The version now; on any error the connection is dropped and the error raised."""
        with self._lock:
            try:
                if self._connection is None:
                    raw = self.engine.raw_connection()
                    raw.detach()  # ours alone: never handed back to the pool
                    if self.engine.dialect.name == "postgresql":
                        raw.dbapi_connection.autocommit = True  # type: ignore[union-attr]
                    self._connection = raw
                cursor = self._connection.cursor()
                try:
                    cursor.execute(self._sql)
                    row = cursor.fetchone()
                finally:
                    cursor.close()
                return int(row[0]) if row else 0
            except Exception:
                self.close()
                raise

    def close(self) -> None:
        """Close the connection (a new one is opened by the next read)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()


def data_version(session: Session) -> int:
    """The number every write to what positions are computed from bumps (see models)."""
    version = session.scalar(select(DataVersion.version).where(DataVersion.id == 1))
    return int(version or 0)


# The conditions engine: what the deciding claims' conditions wait on, and where that stands.

ID_BATCH = 5000


def claim_conditions(session: Session, claim_ids: Sequence[int]) -> Sequence[Any]:
    """The conditions of these claims with what each waits on, in the claims' order:
    (claim_id, type, text, milestone_id, milestone, requires_actor_id, requires_actor,
    requires_role, requires_status). Read in batches, so any number of cells is fine."""
    required = aliased(Actor, name="required_actor")
    rows: list[Any] = []
    for start in range(0, len(claim_ids), ID_BATCH):
        batch = list(claim_ids[start : start + ID_BATCH])
        stmt = (
            select(
                ClaimCondition.claim_id,
                ClaimCondition.type,
                ClaimCondition.text,
                ClaimCondition.milestone_id,
                Milestone.slug.label("milestone"),
                ClaimCondition.requires_actor_id,
                required.code.label("requires_actor"),
                ClaimCondition.requires_role,
                ClaimCondition.requires_status,
            )
            .outerjoin(Milestone, Milestone.id == ClaimCondition.milestone_id)
            .outerjoin(required, required.id == ClaimCondition.requires_actor_id)
            .where(ClaimCondition.claim_id.in_(batch))
            .order_by(ClaimCondition.claim_id, ClaimCondition.id)
        )
        rows.extend(session.execute(stmt).all())
    return rows


def milestone_states(
    session: Session, milestone_ids: Sequence[int], *, known_as_of: date | None
) -> Sequence[Any]:
    """Every state of these milestones (with known_as_of, those whose source was published
    by then), by milestone and date: (milestone_id, from_on, state)."""
    if not milestone_ids:
        return []
    stmt = (
        select(MilestoneState.milestone_id, MilestoneState.from_on, MilestoneState.state)
        .where(MilestoneState.milestone_id.in_(list(milestone_ids)))
        .order_by(MilestoneState.milestone_id, MilestoneState.from_on)
    )
    if known_as_of is not None:
        stmt = stmt.join(Source, Source.id == MilestoneState.source_id).where(
            Source.published_on <= known_as_of
        )
    return session.execute(stmt).all()


def memberships_on(
    session: Session,
    day: date,
    *,
    member_ids: Sequence[int] = (),
    group_id: int | None = None,
) -> Sequence[Any]:
    """The memberships in force on a day (limited to these members, or to one group's
    members, when given): (group_id, group, member_id, member, member_name, member_kind)."""
    group = aliased(Actor, name="bloc")
    member = aliased(Actor, name="member")
    stmt = (
        select(
            Membership.group_id,
            group.code.label("group"),
            Membership.member_id,
            member.code.label("member"),
            member.name.label("member_name"),
            member.kind.label("member_kind"),
        )
        .join(group, group.id == Membership.group_id)
        .join(member, member.id == Membership.member_id)
        .where(
            or_(Membership.from_on.is_(None), Membership.from_on <= day),
            or_(Membership.until_on.is_(None), Membership.until_on >= day),
        )
        .order_by(member.code, group.code)
    )
    if member_ids:
        stmt = stmt.where(Membership.member_id.in_(list(member_ids)))
    if group_id is not None:
        members_of_group = aliased(Membership, name="of_group")
        stmt = stmt.where(
            select(members_of_group.id)
            .where(
                members_of_group.group_id == group_id,
                members_of_group.member_id == Membership.member_id,
                or_(members_of_group.from_on.is_(None), members_of_group.from_on <= day),
                or_(members_of_group.until_on.is_(None), members_of_group.until_on >= day),
            )
            .exists()
        )
    return session.execute(stmt).all()
