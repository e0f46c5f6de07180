"""Dashboard pages about initiatives: the list, who stands where on one, the forms."""

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.deps import RequireEditor
from app.audit import service as audit
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.initiatives import queries, service
from app.initiatives.models import Initiative
from app.initiatives.schemas import InitiativeCreate, InitiativeRead, InitiativeUpdate
from app.listing import LimitParam, OffsetParam, check_limit, paginate_rows
from app.positions import service as positions
from app.versioning import STALE, conflict_notice, form_version
from app.vocab import ClaimKind, Stance
from app.web import FormFields, form_errors, form_values, parse_form, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "slug": "Slug",
    "name": "Name",
    "description": "Description",
    "proposer": "Proposer",
    "first_reported_on": "First reported on",
}
STANCE_ORDER = {s.value: n for n, s in enumerate(Stance)}


@router.get("/initiatives", response_class=HTMLResponse)
def initiative_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=200)] = "",
    limit: LimitParam = 50,
    offset: OffsetParam = 0,
) -> HTMLResponse:
    """Initiatives by name, optionally matching a text, a page at a time."""
    check_limit(limit, settings.page_size_max)
    q = q.strip()
    stmt = queries.initiative_list(q=q or None).order_by(Initiative.name, Initiative.slug)
    rows, total = paginate_rows(session, stmt, limit=limit, offset=offset)
    context = {
        "title": "Initiatives",
        "initiatives": [service.initiative_read(r) for r in rows],
        "total": total,
        "limit": limit,
        "offset": offset,
        "query": q,
        "params": {"q": q} if q else {},
    }
    return render(request, "initiatives/list.html", context)


@router.get("/initiatives/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def new_initiative_form(request: Request) -> HTMLResponse:
    """An empty form for a new initiative."""
    return _form(request, "new", {}, {})


@router.post("/initiatives/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_initiative(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Record the initiative and go to its page; on a problem, the form again."""
    values = form_values(fields, tuple(FIELD_LABELS))
    try:
        # A savepoint: a write half done before the error must not be committed.
        with session.begin_nested():
            initiative = service.create_initiative(session, parse_form(InitiativeCreate, values))
    except (InvalidInput, Conflict) as exc:
        return _form(request, "new", values, form_errors(exc), status_code=exc.status)
    return RedirectResponse(f"/initiatives/{initiative.slug}", status_code=303)


@router.get("/initiatives/{slug}", response_class=HTMLResponse)
def initiative_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """Every actor's current stance on the initiative, and who fills the roles it involves."""
    initiative = service.read_initiative(session, slug)
    _, last = positions.date_span(session)
    day = last or date.today()
    cells = positions.cell_filter(session, kind=ClaimKind.STANCE, initiatives=[slug])
    matrix = positions.positions_as_of(session, day, known_as_of=None, cells=cells)
    context = {
        "title": initiative.name,
        "initiative": initiative,
        "as_of": day,
        "stances": sorted(
            matrix.cells, key=lambda c: (STANCE_ORDER.get(c.stance or "", 0), c.actor_name)
        ),
        "roles": service.initiative_roles(session, slug),
        "audit_history": audit.history_context(session, "initiative", slug),
    }
    return render(request, "initiatives/detail.html", context)


@router.get("/initiatives/{slug}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_initiative_form(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The initiative's form, filled in with what is stored."""
    initiative = service.read_initiative(session, slug)
    return _form(
        request,
        "edit",
        stored_initiative_values(initiative),
        {},
        initiative=initiative,
        version=initiative.version,
    )


@router.post("/initiatives/{slug}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def update_initiative(
    slug: str, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Save the changes and go to the initiative's page; on a problem, the form again."""
    initiative = service.read_initiative(session, slug)
    names = ("name", "description", "proposer", "first_reported_on")
    values = form_values(fields, names)
    version = form_version(fields)
    try:
        with session.begin_nested():
            data = parse_form(InitiativeUpdate, values)
            # An emptied input clears the field (or is refused, as the API refuses a null name).
            data = data.model_copy(update={k: None for k in names if not values[k]})
            service.update_initiative(session, slug, data, expected_version=version)
    except STALE:
        # Someone saved the initiative since this form was opened: show theirs beside ours.
        stored = service.read_initiative(session, slug)
        conflict = conflict_notice(
            "initiative",
            FIELD_LABELS,
            stored_initiative_values(stored),
            values,
            yours_version=version,
            current_version=stored.version,
            reload=f"/initiatives/{slug}/edit",
            by=audit.last_writer(session, "initiative", slug),
        )
        return _form(
            request,
            "edit",
            values,
            {},
            initiative=stored,
            version=stored.version,
            conflict=conflict,
            status_code=409,
        )
    except (InvalidInput, Conflict) as exc:
        return _form(
            request,
            "edit",
            values,
            form_errors(exc),
            initiative=initiative,
            version=version,
            status_code=exc.status,
        )
    return RedirectResponse(f"/initiatives/{slug}", status_code=303)


def stored_initiative_values(initiative: InitiativeRead) -> dict[str, str]:
    """The stored initiative as the form's text values."""
    return {
        "slug": initiative.slug,
        "name": initiative.name,
        "description": initiative.description or "",
        "proposer": initiative.proposer or "",
        "first_reported_on": (
            initiative.first_reported_on.isoformat() if initiative.first_reported_on else ""
        ),
    }


def _form(
    request: Request,
    mode: str,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    initiative: InitiativeRead | None = None,
    version: int | None = None,
    conflict: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "title": f"Edit {initiative.name}" if initiative else "New initiative",
        "mode": mode,
        "initiative": initiative,
        "version": version,
        "conflict": conflict,
        "values": values,
        "errors": errors,
        "field_labels": FIELD_LABELS,
    }
    return render(request, "initiatives/form.html", context, status_code=status_code)
