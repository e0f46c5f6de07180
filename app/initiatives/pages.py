"""Dashboard pages about initiatives: the list, who stands where on one, the forms."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import RequireEditor, may_read_audit
from app.audit import service as audit
from app.db import SessionDep
from app.forms import RecordForm, render_form, save_edit_form, save_new_form
from app.initiatives import service
from app.initiatives.schemas import InitiativeCreate, InitiativeRead, InitiativeUpdate
from app.listing import PagingDep
from app.positions import service as positions
from app.vocab import ClaimKind, Stance
from app.web import FormFields, form_values, parse_form, render

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
    asked: PagingDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Initiatives by name, optionally matching a text, a page at a time."""
    q = q.strip()
    items, total = service.initiative_page(session, asked, q=q or None, by_name=True)
    context = {
        "title": "Initiatives",
        "initiatives": items,
        "total": total,
        "limit": asked.limit,
        "offset": asked.offset,
        "query": q,
        "params": {"q": q} if q else {},
    }
    return render(request, "initiatives/list.html", context)


@router.get("/initiatives/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def new_initiative_form(request: Request) -> HTMLResponse:
    """An empty form for a new initiative."""
    return render_form(request, INITIATIVE_FORM, {}, {})


@router.post("/initiatives/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_initiative(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Record the initiative and go to its page; on a problem, the form again."""
    values = form_values(fields, tuple(FIELD_LABELS))

    def create() -> str:
        return service.create_initiative(session, parse_form(InitiativeCreate, values)).slug

    return save_new_form(request, session, INITIATIVE_FORM, values=values, create=create)


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
    }
    if may_read_audit(request):
        context["audit_history"] = audit.history_context(session, "initiative", slug)
    return render(request, "initiatives/detail.html", context)


@router.get("/initiatives/{slug}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_initiative_form(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The initiative's form, filled in with what is stored."""
    initiative = service.read_initiative(session, slug)
    return render_form(
        request,
        INITIATIVE_FORM,
        stored_initiative_values(initiative),
        {},
        initiative,
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

    def save(version: int) -> None:
        data = parse_form(InitiativeUpdate, values)
        # An emptied input clears the field (or is refused, as the API refuses a null name).
        data = data.model_copy(update={k: None for k in names if not values[k]})
        service.update_initiative(session, slug, data, expected_version=version)

    return save_edit_form(
        request, session, INITIATIVE_FORM, slug, initiative, values=values, fields=fields, save=save
    )


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


INITIATIVE_FORM = RecordForm(
    what="initiative",
    path="/initiatives",
    template="initiatives/form.html",
    labels=FIELD_LABELS,
    read=service.read_initiative,
    stored_values=stored_initiative_values,
    edit_title=lambda initiative: f"Edit {initiative.name}",
)
