"""Answers to "where does everyone stand as of D, and what changed since?"."""

import base64
import calendar
import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any, TypedDict, Unpack

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors.service import require_actor
from app.claims import queries as claim_queries
from app.claims.service import claim_read, claim_record
from app.errors import InvalidInput
from app.initiatives import queries as initiative_queries
from app.positions import conditions, queries
from app.positions.queries import CellFilter
from app.positions.schemas import (
    ActorTimeline,
    ChangeKind,
    ComparedActor,
    Comparison,
    CountPoint,
    FeedEntry,
    PositionCell,
    PositionChange,
    PositionChanges,
    PositionCounts,
    PositionMatrix,
    Step,
    TimelineEntry,
)
from app.vocab import STATUS_RANK, ActorKind, ClaimKind, Role, Stance, Status

MAX_SERIES_POINTS = 520
FEED_SIZE = 50
TIMELINE_PAGE_SIZE = 500
FEED_BATCH = 100
FEED_SCAN_MAX = 5000
COMPARE_MIN, COMPARE_MAX = 2, 5
# A cell by actor code, kind, role and initiative slug: the order cells are listed in.
CellKey = tuple[str, str, str, str]


def cell_filter(
    session: Session,
    *,
    kind: ClaimKind | None = None,
    roles: Sequence[Role] = (),
    initiatives: Sequence[str] = (),
    actors: Sequence[str] = (),
    group: str | None = None,
) -> CellFilter:
    """Resolve codes and slugs to ids, naming the field of anything unknown."""
    actor_ids = actor_queries.actor_ids_by_code(session, actors)
    missing = [a for a in actors if a not in actor_ids]
    if missing:
        raise InvalidInput.field("actor", f"unknown actor {', '.join(map(repr, missing))}")
    initiative_ids = initiative_queries.initiative_ids_by_slug(session, initiatives)
    missing = [i for i in initiatives if i not in initiative_ids]
    if missing:
        raise InvalidInput.field(
            "initiative", f"unknown initiative {', '.join(map(repr, missing))}"
        )
    group_id = None
    if group is not None:
        found = actor_queries.actor_kinds_by_code(session, [group])
        if group not in found:
            raise InvalidInput.field("group", f"unknown actor '{group}'")
        if found[group][1] not in (ActorKind.ORGANIZATION, ActorKind.GROUP):
            raise InvalidInput.field("group", f"'{group}' is a {found[group][1]}, not a group")
        group_id = found[group][0]
    return CellFilter(
        kind=kind.value if kind else None,
        roles=tuple(r.value for r in roles),
        initiative_ids=tuple(initiative_ids[i] for i in initiatives),
        actor_ids=tuple(actor_ids[a] for a in actors),
        group_id=group_id,
    )


def position_matrix(
    session: Session,
    as_of: date,
    *,
    known_as_of: date | None,
    cells: CellFilter,
    assume: Sequence[str] = (),
    inherit: bool = False,
) -> dict[str, Any]:
    """The matrix as plain data in PositionMatrix's shape, ready for JSON: one cell per
    actor and object, decided by the codebook's as-of rule, each with its conditions'
    states (`assume`: milestone slugs taken as met) and, with `inherit`, members' cells
    taken from their blocs.

    The API writes this out directly: at 12,600 cells, building the models first would
    cost as much as the query."""
    assumed = conditions.assumed_milestones(session, assume)
    out = [cell for _, cell in _cell_dicts(session, [as_of], known_as_of, cells, assumed)]
    if inherit:
        out = _with_blocs(session, as_of, out, cells, known_as_of, assumed)
    return {
        "as_of": as_of,
        "known_as_of": known_as_of,
        "assume": list(dict.fromkeys(assume)),
        "inherit": inherit,
        "total": len(out),
        "cells": out,
    }


def _cell_dicts(
    session: Session,
    dates: Sequence[date],
    known_as_of: date | None,
    cells: CellFilter,
    assumed: frozenset[int] = frozenset(),
) -> list[tuple[date, dict[str, Any]]]:
    """(as_of, the cell as PositionCell's fields) for every cell at every date."""
    rows = queries.position_cells(session, dates, known_as_of=known_as_of, cells=cells)
    fields = [name for name in (rows[0]._fields if rows else ()) if name != "as_of"]
    out = []
    for row in rows:
        cell = dict(zip(fields, row[1:], strict=True))
        # SQLite gives booleans as 0 and 1.
        cell["contested"] = bool(cell["contested"])
        cell["conditional"] = bool(cell["conditional"])
        cell["inherited_from"] = None
        cell["opt_out"] = False
        out.append((_as_date(row.as_of), cell))
    conditions.attach_conditions(session, out, known_as_of=known_as_of, assumed=assumed)
    return out


def _cell_key(cell: dict[str, Any]) -> CellKey:
    return (cell["actor"], cell["kind"], cell["role"] or "", cell["initiative"] or "")


def _with_blocs(
    session: Session,
    day: date,
    cells: list[dict[str, Any]],
    asked: CellFilter,
    known_as_of: date | None,
    assumed: frozenset[int],
) -> list[dict[str, Any]]:
    """The cells, plus a cell for each member of an organisation or group (a member on
    `day`) that has no claim of its own on an object its bloc has a position on: the
    bloc's position, marked `inherited_from`. A member's own claim always wins; where its
    value differs from a bloc's, its cell is marked `opt_out`. A member of several blocs
    with positions on one object takes the latest stated (then the first bloc by code);
    blocs' own memberships are not followed."""
    memberships = queries.memberships_on(
        session, day, member_ids=asked.actor_ids, group_id=asked.group_id
    )
    if not memberships:
        return cells
    blocs = CellFilter(
        kind=asked.kind,
        roles=asked.roles,
        initiative_ids=asked.initiative_ids,
        actor_ids=tuple(sorted({m.group_id for m in memberships})),
    )
    of_bloc: dict[str, list[dict[str, Any]]] = {}
    for _, cell in _cell_dicts(session, [day], known_as_of, blocs, assumed):
        of_bloc.setdefault(cell["actor"], []).append(cell)
    own = {_cell_key(cell): cell for cell in cells}
    inherited: dict[CellKey, dict[str, Any]] = {}
    for member in memberships:
        for bloc_cell in of_bloc.get(member.group, ()):
            key = (member.member, *_cell_key(bloc_cell)[1:])
            mine = own.get(key)
            if mine is not None:
                if _value(mine) != _value(bloc_cell):
                    mine["opt_out"] = True
                continue
            current = inherited.get(key)
            # Memberships come by bloc code: a later bloc replaces only a later statement.
            if current is None or bloc_cell["stated_on"] > current["stated_on"]:
                inherited[key] = {
                    **bloc_cell,
                    "actor": member.member,
                    "actor_name": member.member_name,
                    "actor_kind": member.member_kind,
                    "inherited_from": member.group,
                    "opt_out": False,
                }
    if not inherited:
        return cells
    return sorted([*cells, *inherited.values()], key=_cell_key)


def _value(cell: dict[str, Any]) -> Any:
    return cell["status"] if cell["kind"] == "commitment" else cell["stance"]


def position_matrix_rows(
    session: Session, dates: Sequence[date], known_as_of: date | None, cells: CellFilter
) -> list[tuple[date, PositionCell]]:
    """Every cell at every date, as (as_of, cell)."""
    return [
        (day, PositionCell.model_validate(cell))
        for day, cell in _cell_dicts(session, dates, known_as_of, cells)
    ]


def positions_as_of(
    session: Session, as_of: date, *, known_as_of: date | None, cells: CellFilter
) -> PositionMatrix:
    """The matrix: one cell per actor and object, decided by the codebook's as-of rule."""
    return PositionMatrix.model_validate(
        position_matrix(session, as_of, known_as_of=known_as_of, cells=cells)
    )


def _add_month(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def series_dates(start: date, end: date, step: Step) -> list[date]:
    """The dates of a series from start to end (end always included)."""
    if end < start:
        raise InvalidInput.field("to", "is before from")
    dates: list[date] = []
    n = 0
    while True:
        day = start + timedelta(weeks=n) if step is Step.WEEK else _add_month(start, n)
        if day >= end:
            break
        dates.append(day)
        n += 1
        if len(dates) >= MAX_SERIES_POINTS:
            raise InvalidInput.field(
                "from",
                f"the series would have more than {MAX_SERIES_POINTS} points; "
                f"narrow the range or use a longer step",
            )
    dates.append(end)
    return dates


class CountOptions(TypedDict, total=False):
    """A counts series' options besides its subject and dates."""

    step: Step
    known_as_of: date | None
    group: str | None
    assume: Sequence[str]
    in_effect: bool


def position_counts(
    session: Session,
    *,
    role: Role | None,
    initiative: str | None,
    start: date,
    end: date,
    **options: Unpack[CountOptions],
) -> PositionCounts:
    """How many actors stand on each rung (or hold each stance) at each step; with
    `in_effect` (or assumptions), also how many of them hold it in effect."""
    if (role is None) == (initiative is None):
        raise InvalidInput.field("role", "give either a role or an initiative")
    step = options.get("step", Step.MONTH)
    known_as_of = options.get("known_as_of")
    assume = list(dict.fromkeys(options.get("assume", ())))
    dates = series_dates(start, end, step)
    cells = cell_filter(
        session,
        roles=[role] if role else [],
        initiatives=[initiative] if initiative else [],
        group=options.get("group"),
    )
    assumed = conditions.assumed_milestones(session, assume)
    values = [s.value for s in Status] if role else [s.value for s in Stance]
    by_date: dict[date, dict[str, int]] = {d: dict.fromkeys(values, 0) for d in dates}
    for as_of, value, n in queries.position_counts(
        session, dates, known_as_of=known_as_of, cells=cells
    ):
        by_date[_as_date(as_of)][value] = n
    in_effect: dict[date, dict[str, int]] | None = None
    if options.get("in_effect") or assume:
        in_effect = _in_effect_counts(session, dates, known_as_of, cells, assumed, values)
    return PositionCounts(
        role=role.value if role else None,
        initiative=initiative,
        step=step,
        known_as_of=known_as_of,
        assume=assume,
        values=values,
        series=[
            CountPoint(
                as_of=d,
                total=sum(c.values()),
                counts=c,
                in_effect=in_effect[d] if in_effect is not None else None,
            )
            for d, c in by_date.items()
        ],
    )


def _in_effect_counts(
    session: Session,
    dates: Sequence[date],
    known_as_of: date | None,
    cells: CellFilter,
    assumed: frozenset[int],
    values: Sequence[str],
) -> dict[date, dict[str, int]]:
    """How many cells hold each value in effect at each date."""
    decided = [
        (
            _as_date(row.as_of),
            {"claim_id": row.claim_id, "conditional": bool(row.conditional), "value": row.value},
        )
        for row in queries.decided_values(session, dates, known_as_of=known_as_of, cells=cells)
    ]
    conditions.attach_conditions(session, decided, known_as_of=known_as_of, assumed=assumed)
    counts: dict[date, dict[str, int]] = {d: dict.fromkeys(values, 0) for d in dates}
    for day, cell in decided:
        if cell["in_effect"]:
            counts[day][cell["value"]] += 1
    return counts


def _as_date(value: Any) -> date:
    # SQLite hands back a computed date column as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def actor_timeline(
    session: Session,
    code: str,
    *,
    limit: int = TIMELINE_PAGE_SIZE,
    offset: int = 0,
    newest_first: bool = False,
) -> ActorTimeline:
    """A page of the actor's claims in date order, marking those that changed a position."""
    actor = require_actor(session, code)
    marks, total = queries.actor_timeline(
        session, actor.id, limit=limit, offset=offset, newest_first=newest_first
    )
    claims = claim_queries.claims_by_ids(session, [row.claim_id for row in marks])
    entries = []
    for row in marks:
        counts = bool(row.counts)
        changed = counts and (row.previous_value is None or row.previous_value != row.value)
        entries.append(
            TimelineEntry.model_validate(
                {
                    **claim_record(claims[row.claim_id]),
                    "changed": changed,
                    "previous": row.previous_value if counts else None,
                }
            )
        )
    return ActorTimeline(
        actor=actor.code,
        actor_name=actor.name,
        total=total,
        limit=limit,
        offset=offset,
        claims=entries,
    )


def _key(row: Any) -> CellKey:
    # Actor code, kind, role, initiative slug: the order changes are listed in.
    return (row.actor, row.kind, row.role or "", row.initiative or "")


# Stances a reversal flips between: from backing to opposing, or back.
BACKING = frozenset({Stance.SUPPORTS.value, Stance.CONDITIONAL.value})
OPPOSING = frozenset({Stance.OPPOSES.value, Stance.REJECTS.value})
STEPPED_BACK = frozenset({Status.RULED_OUT.value, Status.WITHDRAWN.value})


def is_reversal(before: str | None, after: str | None) -> bool:
    """Whether a cell's move from one value to another reverses it: a commitment moving
    down the ladder (a lower rank, or to ruled_out or withdrawn), or a stance flipping
    from supports/conditional to opposes/rejects or back. A new or ended cell is not."""
    if before is None or after is None or before == after:
        return False
    if before in BACKING or before in OPPOSING:
        return (before in BACKING and after in OPPOSING) or (
            before in OPPOSING and after in BACKING
        )
    if after in STEPPED_BACK:
        return True
    ranks = {s.value: r for s, r in STATUS_RANK.items()}
    old_rank, new_rank = ranks.get(before), ranks.get(after)
    return old_rank is not None and new_rank is not None and new_rank < old_rank


def encode_cursor(key: CellKey) -> str:
    """An opaque cursor naming the last change of a page."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> CellKey:
    """The key a cursor names; a cursor this server did not make is refused."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(key, list) and len(key) == 4 and all(isinstance(k, str) for k in key):
            return (key[0], key[1], key[2], key[3])
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidInput.field("cursor", "is not a cursor this server gave out (next_cursor)")


def position_changes(
    session: Session,
    start: date,
    end: date,
    *,
    known_as_of: date | None,
    cells: CellFilter,
    limit: int | None = None,
    cursor: str | None = None,
    reversals: bool = False,
) -> PositionChanges:
    """The cells whose position (value or conditionality) differs between two dates,
    ordered by actor and object (`reversals`: only the changes that reverse a position);
    `limit` and `cursor` page them.

    The two matrices are computed without their details and diffed; only the page's
    cells are then read in full.
    """
    if end < start:
        raise InvalidInput.field("to", "is before from")
    after_key = decode_cursor(cursor) if cursor else None
    rows = queries.decided_values(
        session, sorted({start, end}), known_as_of=known_as_of, cells=cells
    )
    before: dict[CellKey, Any] = {}
    after: dict[CellKey, Any] = {}
    for row in rows:
        day = _as_date(row.as_of)
        if day == start:
            before[_key(row)] = row
        if day == end:
            after[_key(row)] = row
    changed: list[CellKey] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old and new and (old.value, bool(old.conditional)) == (new.value, bool(new.conditional)):
            continue
        if reversals and not (old and new and is_reversal(old.value, new.value)):
            continue
        changed.append(key)
    page = [k for k in changed if after_key is None or k > after_key]
    next_cursor = None
    if limit is not None and len(page) > limit:
        page = page[:limit]
        next_cursor = encode_cursor(page[-1])
    # The page's cells in full (contested too): the engine again, on the page's actors
    # and objects only.
    rows = [r for k in page for r in (before.get(k), after.get(k)) if r]
    full: dict[tuple[date, CellKey], PositionCell] = {}
    if rows:
        narrow = CellFilter(
            kind=cells.kind,
            roles=tuple(sorted({r.role for r in rows if r.kind == "commitment"})),
            initiative_ids=tuple(sorted({r.initiative_id for r in rows if r.kind == "stance"})),
            actor_ids=tuple(sorted({r.actor_id for r in rows})),
        )
        found = position_matrix_rows(session, sorted({start, end}), known_as_of, narrow)
        full = {(day, _key(cell)): cell for day, cell in found}
    changes: list[PositionChange] = []
    for key in page:
        old = full.get((start, key)) if key in before else None
        new = full.get((end, key)) if key in after else None
        ref = new or old
        assert ref is not None
        changes.append(
            PositionChange(
                actor=ref.actor,
                actor_name=ref.actor_name,
                kind=ref.kind,
                role=ref.role,
                initiative=ref.initiative,
                initiative_name=ref.initiative_name,
                change=ChangeKind.NEW
                if old is None
                else ChangeKind.ENDED
                if new is None
                else ChangeKind.CHANGED,
                reversal=is_reversal(_cell_value(old), _cell_value(new)),
                before=old,
                after=new,
            )
        )
    return PositionChanges(
        from_on=start,
        to_on=end,
        known_as_of=known_as_of,
        reversals=reversals,
        total=len(changed),
        next_cursor=next_cursor,
        changes=changes,
    )


def _cell_value(cell: PositionCell | None) -> str | None:
    if cell is None:
        return None
    return cell.status if cell.kind == ClaimKind.COMMITMENT else cell.stance


def date_span(session: Session) -> tuple[date | None, date | None]:
    """The first and last day on which a counting claim was stated."""
    return queries.claim_date_span(session)


def group_choices(session: Session) -> list[tuple[str, str]]:
    """Organisations and groups that have members, for a group filter: (code, name)."""
    return [(row.code, row.name) for row in actor_queries.groups_with_members(session)]


def initiative_choices(session: Session) -> list[tuple[str, str]]:
    """Every initiative as (slug, name), by name."""
    return [(row.slug, row.name) for row in initiative_queries.initiative_names(session)]


def change_feed(
    session: Session,
    *,
    actor: str | None,
    role: Role | None,
    limit: int = FEED_SIZE,
    reversals: bool = False,
) -> list[FeedEntry]:
    """The latest claims that changed a position (as a timeline's `changed` mark computes)
    or were retracted, across all actors, newest update first.

    Walks the claims by their last update, a batch at a time, checking each against the
    counting claim before it in its cell, until `limit` entries are found (or
    FEED_SCAN_MAX claims were looked at: a feed of recent changes, not an archive).
    """
    cells = cell_filter(session, actors=[actor] if actor else [], roles=[role] if role else [])
    found: list[Any] = []
    before: tuple[Any, int] | None = None
    scanned = 0
    while len(found) < limit and scanned < FEED_SCAN_MAX:
        rows = queries.recent_claim_events(session, cells=cells, before=before, limit=FEED_BATCH)
        for row in rows:
            moved = row.counts and (row.previous_value is None or row.previous_value != row.value)
            if reversals:
                moved = row.counts and is_reversal(row.previous_value, row.value)
            if (row.retracted and not reversals) or moved:
                found.append(row)
        scanned += len(rows)
        if len(rows) < FEED_BATCH:
            break
        before = (rows[-1].updated_at, rows[-1].claim_id)
    found = found[:limit]
    claims = claim_queries.claims_by_ids(session, [row.claim_id for row in found])
    return [
        FeedEntry(
            claim=claim_read(claims[row.claim_id]),
            previous=None if row.retracted else row.previous_value,
            retracted=bool(row.retracted),
            reversal=not row.retracted and is_reversal(row.previous_value, row.value),
        )
        for row in found
    ]


def compare_actors(session: Session, codes: Sequence[str], as_of: date) -> Comparison:
    """Two to five actors' positions on every role and initiative as of a date."""
    wanted = list(dict.fromkeys(codes))
    if not COMPARE_MIN <= len(wanted) <= COMPARE_MAX:
        raise InvalidInput.field(
            "actor",
            f"choose {COMPARE_MIN} to {COMPARE_MAX} different actors to compare "
            f"({len(wanted)} given)",
        )
    found = {code: actor_queries.actor_by_code(session, code) for code in wanted}
    missing = [code for code, a in found.items() if a is None]
    if missing:
        raise InvalidInput.field("actor", f"unknown actor {', '.join(map(repr, missing))}")
    cells = cell_filter(session, actors=wanted)
    matrix = positions_as_of(session, as_of, known_as_of=None, cells=cells)
    return Comparison(
        as_of=as_of,
        actors=[
            ComparedActor(code=a.code, name=a.name, kind=a.kind)
            for a in found.values()
            if a is not None
        ],
        cells=matrix.cells,
    )
