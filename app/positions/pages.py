"""Dashboard pages about positions: overview matrix, map, coalition timeline, changes,
compare, and the Atom feed."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from app.db import SessionDep
from app.positions import service
from app.positions.schemas import PositionCell
from app.positions.shapes import EUROPE_VIEWBOX, VIEWBOX, country_shapes
from app.vocab import STATUS_RANK, ClaimKind, Role, Stance, Status
from app.web import render

router = APIRouter(include_in_schema=False)

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


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    session: SessionDep,
    as_of: Annotated[date | None, Query()] = None,
    view: Annotated[str, Query(pattern="^(roles|initiatives)$")] = "roles",
    group: str | None = None,
    role: Annotated[list[Role], Query()] = [],
    status: Annotated[list[str], Query()] = [],
    sort: Annotated[str, Query(pattern="^(engagement|name)$")] = "engagement",
) -> HTMLResponse:
    """The positions matrix as of a date, with filters that live in the URL."""
    first, last = service.date_span(session)
    day = as_of or last or date.today()
    kind = ClaimKind.COMMITMENT if view == "roles" else ClaimKind.STANCE
    cells = service.cell_filter(
        session, kind=kind, roles=role if view == "roles" else [], group=group or None
    )
    matrix = service.positions_as_of(session, day, known_as_of=None, cells=cells)
    context = {
        "title": f"Positions as of {day}",
        "as_of": day,
        "first": first,
        "last": last,
        "view": view,
        "group": group or "",
        "roles": [r.value for r in Role],
        "role_filter": [r.value for r in role],
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
    matrix = service.positions_as_of(session, day, known_as_of=None, cells=cells)
    by_state = {c.actor: c for c in matrix.cells if c.actor_kind == "state"}
    context = {
        "title": f"Map as of {day}",
        "as_of": day,
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
