"""Dashboard pages about positions: overview matrix, map, coalition timeline, changes,
compare, and the Atom feed."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from app.db import SessionDep
from app.errors import InvalidInput
from app.forms import blank_to_none
from app.milestones import service as milestone_service
from app.positions import service
from app.positions.cache import Body
from app.positions.chart import stacked_steps
from app.positions.feed import ATOM_MEDIA_TYPE, atom_feed
from app.positions.queries import CellFilter
from app.positions.responses import cached_response, cached_value
from app.positions.schemas import (
    CountPoint,
    PositionCell,
    PositionChange,
    PositionChanges,
    PositionCounts,
    PositionMatrix,
    Step,
)
from app.positions.shapes import EUROPE_VIEWBOX, VIEWBOX, country_shapes
from app.snapshots.pages import freeze_question
from app.vocab import STATUS_RANK, ClaimKind, Role, Stance, Status
from app.web import error_summary, form_errors, parse_choices, render

router = APIRouter(include_in_schema=False)


Blank = BeforeValidator(blank_to_none)
OptionalDate = Annotated[date | None, Blank]
OptionalText = Annotated[str | None, Blank]
OptionalRole = Annotated[Role | None, Blank]

# The timeline stacks the most engaged rungs at the bottom, so the coalition's core
# grows from the baseline; withdrawn and undisclosed stand apart, on top.
STACK_ORDER = [
    Status.ACTIVE,
    Status.PLEDGED,
    Status.WILLING,
    Status.CONSIDERING,
    Status.RELUCTANT,
    Status.RULED_OUT,
    Status.WITHDRAWN,
    Status.UNDISCLOSED,
]
MIN_PAD = timedelta(days=14)
CHANGES_PAGE_SIZE = 200

STANCE_RANK = {
    Stance.REJECTS: 0,
    Stance.OPPOSES: 1,
    Stance.UNDECIDED: 2,
    Stance.CONDITIONAL: 3,
    Stance.SUPPORTS: 4,
}


def _engagement(cell: PositionCell) -> int:
    if cell.status:
        return STATUS_RANK[Status(cell.status)] or 0
    return STANCE_RANK[Stance(cell.stance)] if cell.stance else 0


def matrix_view(
    cells: list[PositionCell], view: str, statuses: list[str], sort: str
) -> dict[str, Any]:
    """Rows (actors) by columns (roles or initiatives) of a list of cells."""

    def column_of(cell: PositionCell) -> str | None:
        return cell.role if view == "roles" else cell.initiative

    columns: list[tuple[str, str]] = []
    if view == "roles":
        present = {c.role for c in cells}
        columns = [(r.value, r.value.replace("_", " ")) for r in Role if r.value in present]
    else:
        names = {c.initiative: c.initiative_name for c in cells if c.initiative}
        columns = sorted(((k, v or k) for k, v in names.items()), key=lambda kv: kv[1])
    rows: dict[str, dict[str, Any]] = {}
    for cell in cells:
        row = rows.setdefault(
            cell.actor, {"actor": cell.actor, "name": cell.actor_name, "cells": {}, "engagement": 0}
        )
        row["cells"][column_of(cell)] = cell
        row["engagement"] += _engagement(cell)
    out = list(rows.values())
    if statuses:
        out = [
            r for r in out if any((c.status or c.stance) in statuses for c in r["cells"].values())
        ]
    if sort == "engagement":
        out.sort(key=lambda r: (-r["engagement"], r["name"]))
    else:
        out.sort(key=lambda r: r["name"])
    return {"columns": columns, "rows": out}


@dataclass(frozen=True)
class MatrixOptions:
    """What could be known, which milestones to assume met, whether members inherit."""

    known_as_of: date | None = None
    assume: tuple[str, ...] = ()
    inherit: bool = False


def cached_matrix(
    request: Request,
    session: Session,
    day: date,
    cells: CellFilter,
    options: MatrixOptions = MatrixOptions(),
) -> PositionMatrix:
    """The matrix as of a day, cached by the data version."""
    return cached_value(
        request,
        session,
        "matrix",
        (day, cells, options),
        lambda: PositionMatrix.model_validate(
            service.position_matrix(
                session,
                day,
                known_as_of=options.known_as_of,
                cells=cells,
                assume=options.assume,
                inherit=options.inherit,
            )
        ),
    )


def matrix_options(
    known_as_of: Annotated[OptionalDate, Query()] = None,
    assume: Annotated[list[str], Query()] = [],
    inherit: Annotated[str | None, Query()] = None,
) -> MatrixOptions:
    """The `known_as_of`, `assume` (repeatable) and `inherit` controls of a page."""
    return MatrixOptions(
        known_as_of=known_as_of,
        assume=tuple(dict.fromkeys(a for a in assume if a)),
        inherit=inherit in ("true", "on", "1"),
    )


MatrixOptionsDep = Annotated[MatrixOptions, Depends(matrix_options)]


def _option_context(session: Session, options: MatrixOptions) -> dict[str, Any]:
    return {
        "known_as_of": options.known_as_of,
        "assume": list(options.assume),
        "inherit": options.inherit,
        "milestones": milestone_service.milestone_choices(session),
    }


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    as_of: Annotated[date | None, Query()] = None,
    view: Annotated[str, Query(pattern="^(roles|initiatives)$")] = "roles",
    group: str | None = None,
    role: Annotated[list[str], Query()] = [],
    status: Annotated[list[str], Query()] = [],
    sort: Annotated[str, Query(pattern="^(engagement|name)$")] = "engagement",
    options: MatrixOptionsDep = MatrixOptions(),
) -> HTMLResponse:
    """The positions matrix as of a date, with filters that live in the URL: what could
    be known by another date, milestones assumed met (what if), members taking their
    bloc's position."""
    first, last = service.date_span(session)
    day = as_of or last or date.today()
    # A form's "any" option submits an empty value: it means no filter.
    roles = parse_choices(Role, role, "role")
    status = [s for s in status if s]
    kind = ClaimKind.COMMITMENT if view == "roles" else ClaimKind.STANCE
    cells = service.cell_filter(
        session, kind=kind, roles=roles if view == "roles" else [], group=group or None
    )
    matrix = cached_matrix(request, session, day, cells, options)
    context = {
        "title": f"Positions as of {day}",
        "as_of": day,
        "first": first,
        "last": last,
        **_option_context(session, options),
        "turned_on": sum(1 for c in matrix.cells if c.in_effect_by_assumption),
        "snapshot_question": freeze_question(
            day,
            known_as_of=options.known_as_of,
            kind=kind.value,
            roles=[r.value for r in roles] if view == "roles" else [],
            group=group or None,
            assume=options.assume,
            inherit=options.inherit,
        ),
        "view": view,
        "group": group or "",
        "roles": [r.value for r in Role],
        "role_filter": [r.value for r in roles],
        "status_filter": status,
        "sort": sort,
        "values": [s.value for s in Status] if view == "roles" else [s.value for s in Stance],
        "groups": service.group_choices(session),
        **matrix_view(list(matrix.cells), view, status, sort),
    }
    return render(request, "positions/overview.html", context, fragment="positions/_matrix.html")


@router.get("/map", response_class=HTMLResponse)
def map_page(
    request: Request,
    session: SessionDep,
    as_of: Annotated[date | None, Query()] = None,
    role: Role | None = None,
    initiative: str | None = None,
    region: Annotated[str, Query(pattern="^(europe|world)$")] = "europe",
    known_as_of: Annotated[OptionalDate, Query()] = None,
) -> HTMLResponse:
    """A choropleth of states coloured by status for a role (or stance for an initiative)."""
    first, last = service.date_span(session)
    day = as_of or last or date.today()
    if initiative:
        cells = service.cell_filter(session, kind=ClaimKind.STANCE, initiatives=[initiative])
        values = [s.value for s in Stance]
    else:
        role = role or Role.GROUND_FORCES
        cells = service.cell_filter(session, kind=ClaimKind.COMMITMENT, roles=[role])
        values = [s.value for s in Status]
    matrix = cached_matrix(request, session, day, cells, MatrixOptions(known_as_of=known_as_of))
    by_state = {c.actor: c for c in matrix.cells if c.actor_kind == "state"}
    context = {
        "title": f"Map as of {day}",
        "as_of": day,
        "known_as_of": known_as_of,
        "first": first,
        "role": role.value if role else None,
        "initiative": initiative,
        "region": region,
        "values": values,
        "roles": [r.value for r in Role],
        "initiatives": service.initiative_choices(session),
        "shapes": country_shapes(),
        "by_state": by_state,
        "viewbox": EUROPE_VIEWBOX if region == "europe" else VIEWBOX,
        "others": [c for c in matrix.cells if c.actor_kind != "state"],
    }
    return render(request, "positions/map.html", context, fragment="positions/_map.html")


def timeline_span(
    first: date | None, last: date | None, start: date | None, end: date | None
) -> tuple[date, date]:
    """The span asked for, or the data's span padded a little on both sides."""
    if first is None or last is None:
        last = date.today()
        first = last - timedelta(days=90)
    pad = max(MIN_PAD, (last - first) / 20)
    return start or first - pad, end or last + pad


def default_step(start: date, end: date) -> Step:
    """Weeks for spans under a year, months beyond."""
    return Step.WEEK if (end - start).days < 365 else Step.MONTH


def _timeline_answers(
    session: Session,
    role: Role,
    initiative: str | None,
    span: tuple[date, date, Step],
    assume: tuple[str, ...],
) -> tuple[PositionCounts, PositionChanges]:
    start, end, step = span
    counts = service.position_counts(
        session,
        role=None if initiative else role,
        initiative=initiative,
        start=start,
        end=end,
        step=step,
        known_as_of=None,
        group=None,
        assume=assume,
    )
    cells = service.cell_filter(
        session,
        roles=[] if initiative else [role],
        initiatives=[initiative] if initiative else [],
    )
    return counts, service.position_changes(session, start, end, known_as_of=None, cells=cells)


@router.get("/timeline", response_class=HTMLResponse)
def timeline(
    request: Request,
    session: SessionDep,
    role: OptionalRole = None,
    initiative: OptionalText = None,
    from_: Annotated[OptionalDate, Query(alias="from")] = None,
    to: OptionalDate = None,
    step: Annotated[Step | None, Blank] = None,
    assume: Annotated[list[str], Query()] = [],
) -> HTMLResponse:
    """How many actors stood on each rung of a role (or held each stance) over time; with
    milestones assumed met, how many would hold it in effect."""
    assumed = tuple(dict.fromkeys(a for a in assume if a))
    first, last = service.date_span(session)
    start, end = timeline_span(first, last, from_, to)
    step = step or default_step(start, end)
    role = role or Role.GROUND_FORCES
    initiatives = service.initiative_choices(session)
    if initiative:
        subject = dict(initiatives).get(initiative, initiative)
    else:
        subject = role.value.replace("_", " ").capitalize()
    context: dict[str, Any] = {
        "title": f"Coalition timeline: {subject}",
        "subject": subject,
        "role": role.value,
        "initiative": initiative,
        "start": start,
        "end": end,
        "step": step.value,
        "roles": [r.value for r in Role],
        "initiatives": initiatives,
        "errors": {},
        "feed_url": "/feed.atom" if initiative else f"/feed.atom?role={role.value}",
        "assume": list(assumed),
        "milestones": milestone_service.milestone_choices(session),
    }
    try:
        counts, changes = cached_value(
            request,
            session,
            "timeline",
            (role, initiative, start, end, step, assumed),
            lambda: _timeline_answers(session, role, initiative, (start, end, step), assumed),
        )
    except InvalidInput as exc:
        context["errors"] = form_errors(exc)
        context["summary"] = error_summary(context["errors"])
        return render(
            request,
            "positions/timeline.html",
            context,
            fragment="positions/_timeline.html",
            status_code=422,
        )
    order = [v.value for v in STACK_ORDER] if not initiative else list(counts.values)
    present = [v for v in counts.values if any(p.counts.get(v) for p in counts.series)]
    # With assumptions, the chart shows who would hold each value in effect.
    charted = [
        CountPoint(as_of=p.as_of, total=sum(p.in_effect.values()), counts=p.in_effect)
        if p.in_effect is not None
        else p
        for p in counts.series
    ]
    context.update(
        series=counts.series,
        columns=present,
        stacked=[v for v in order if v in present],
        chart=stacked_steps(charted, order, step),
        changes=changes.changes,
    )
    return render(request, "positions/timeline.html", context, fragment="positions/_timeline.html")


def changes_by_actor(changes: list[PositionChange]) -> list[dict[str, Any]]:
    """Changes grouped by actor, actors by name."""
    groups: dict[str, dict[str, Any]] = {}
    for change in changes:
        group = groups.setdefault(
            change.actor, {"actor": change.actor, "name": change.actor_name, "changes": []}
        )
        group["changes"].append(change)
    return sorted(groups.values(), key=lambda g: (g["name"], g["actor"]))


@dataclass(frozen=True)
class ChangesFilters:
    """The changes page's filters besides its dates."""

    role: Role | None
    initiative: str | None
    group: str | None
    known_as_of: date | None
    reversals: bool


def changes_filters(
    role: OptionalRole = None,
    initiative: OptionalText = None,
    group: OptionalText = None,
    known_as_of: OptionalDate = None,
    reversals: OptionalText = None,
) -> ChangesFilters:
    """The changes page's role, initiative, group, known-as-of and reversals controls."""
    return ChangesFilters(role, initiative, group, known_as_of, reversals in ("true", "on", "1"))


@router.get("/changes", response_class=HTMLResponse)
def changes_page(
    request: Request,
    session: SessionDep,
    filters: Annotated[ChangesFilters, Depends(changes_filters)],
    from_: Annotated[OptionalDate, Query(alias="from")] = None,
    to: OptionalDate = None,
    cursor: OptionalText = None,
) -> HTMLResponse:
    """What changed between two dates, grouped by actor, with the evidence of each side,
    a page of CHANGES_PAGE_SIZE changes at a time (only reversals, when asked; as could
    be known on a date, when asked)."""
    role, initiative, group = filters.role, filters.initiative, filters.group
    known_as_of, only_reversals = filters.known_as_of, filters.reversals
    _, last = service.date_span(session)
    end = to or last or date.today()
    start = from_ or end - timedelta(days=30)
    context: dict[str, Any] = {
        "title": f"Changes from {start} to {end}",
        "start": start,
        "end": end,
        "role": role.value if role else None,
        "initiative": initiative,
        "group": group,
        "known_as_of": known_as_of,
        "reversals": only_reversals,
        "roles": [r.value for r in Role],
        "initiatives": service.initiative_choices(session),
        "groups": service.group_choices(session),
        "errors": {},
        "actors": [],
        "total": 0,
    }
    try:
        cells = service.cell_filter(
            session,
            roles=[role] if role else [],
            initiatives=[initiative] if initiative else [],
            group=group,
        )
        changes = service.position_changes(
            session,
            start,
            end,
            known_as_of=known_as_of,
            cells=cells,
            limit=CHANGES_PAGE_SIZE,
            cursor=cursor,
            reversals=only_reversals,
        )
    except InvalidInput as exc:
        context["errors"] = form_errors(exc)
        context["summary"] = error_summary(context["errors"])
        return render(
            request,
            "positions/changes.html",
            context,
            fragment="positions/_changes.html",
            status_code=422,
        )
    next_url = None
    if changes.next_cursor:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        next_url = "/changes?" + urlencode([*query, ("cursor", changes.next_cursor)])
    context.update(
        actors=changes_by_actor(changes.changes),
        total=changes.total,
        next_url=next_url,
        page_size=CHANGES_PAGE_SIZE,
    )
    return render(request, "positions/changes.html", context, fragment="positions/_changes.html")


@router.get("/compare", response_class=HTMLResponse)
def compare(
    request: Request,
    session: SessionDep,
    actor: Annotated[list[str], Query()] = [],
    as_of: OptionalDate = None,
) -> HTMLResponse:
    """Two to five actors side by side on every role and initiative as of a date."""
    codes = [code.strip() for code in actor if code.strip()]
    _, last = service.date_span(session)
    day = as_of or last or date.today()
    context: dict[str, Any] = {
        "title": "Compare actors",
        "as_of": day,
        "inputs": codes + [""] * (service.COMPARE_MAX - len(codes)),
        "errors": {},
        "comparison": None,
        "roles": [r.value for r in Role],
        "initiatives": service.initiative_choices(session),
        "statuses": [s.value for s in Status],
        "stances": [s.value for s in Stance],
    }
    if "actor" not in request.query_params:
        return render(request, "positions/compare.html", context)
    try:
        comparison = service.compare_actors(session, codes, day)
    except InvalidInput as exc:
        context["errors"] = form_errors(exc)
        return render(request, "positions/compare.html", context, status_code=422)
    context["title"] = "Compare " + ", ".join(a.code for a in comparison.actors)
    context["comparison"] = comparison
    context["grid"] = {(c.kind, c.role or c.initiative, c.actor): c for c in comparison.cells}
    return render(request, "positions/compare.html", context)


@router.get("/feed.atom")
def feed(
    request: Request,
    session: SessionDep,
    actor: OptionalText = None,
    role: OptionalRole = None,
    reversals: OptionalText = None,
) -> Response:
    """An Atom feed of the claims that changed a position, and of retracted claims
    (`reversals=true`: only the changes that reverse a position)."""
    only_reversals = reversals in ("true", "on", "1")
    authority = request.url.hostname or "localhost"
    base_url, self_url = str(request.base_url), str(request.url)

    def compute() -> Body:
        entries = service.change_feed(session, actor=actor, role=role, reversals=only_reversals)
        title = " · ".join(
            ["Posture: reversals" if only_reversals else "Posture: position changes"]
            + ([actor] if actor else [])
            + ([role.value.replace("_", " ")] if role else [])
        )
        key = "changes" + (f"/actor/{actor}" if actor else "")
        key += f"/role/{role.value}" if role else ""
        key += "/reversals" if only_reversals else ""
        body = atom_feed(
            entries,
            authority=authority,
            base_url=base_url,
            self_url=self_url,
            title=title,
            feed_key=key,
        )
        return Body.of(body, ATOM_MEDIA_TYPE)

    params = (actor, role, only_reversals, authority, base_url, self_url)
    return cached_response(request, session, "feed", params, compute)
