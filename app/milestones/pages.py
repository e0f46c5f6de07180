"""Dashboard pages about milestones: the list with each one's state today, one milestone's
history of states with their evidence, and the forms."""

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.accounts.deps import RequireEditor, may_read_audit
from app.audit import service as audit
from app.db import SessionDep
from app.errors import Conflict, InvalidInput
from app.forms import RecordForm, render_form, save_edit_form, save_new_form
from app.listing import PagingDep
from app.milestones import service
from app.milestones.schemas import MilestoneCreate, MilestoneRead, MilestoneStateIn, MilestoneUpdate
from app.versioning import STALE, form_version
from app.vocab import ConditionType, MilestoneStateValue
from app.web import FormFields, form_errors, form_values, parse_form, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "slug": "Slug",
    "name": "Name",
    "condition_type": "Condition type",
    "description": "Description",
}
# The inputs of the form that adds a state to a milestone's history.
STATE_LABELS = {
    "state": "State",
    "from_on": "From",
    "source_id": "Source id",
    "evidence_text": "Evidence",
    "note": "Note",
}
CONDITION_TYPES = [c.value for c in ConditionType]
STATES = [s.value for s in MilestoneStateValue]


@router.get("/milestones", response_class=HTMLResponse)
def milestone_list(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Milestones by name, each with its state today, optionally matching a text."""
    q = q.strip()
    items, total = service.milestone_page(session, asked, q=q or None, by_name=True)
    context = {
        "title": "Milestones",
        "milestones": items,
        "total": total,
        "limit": asked.limit,
        "offset": asked.offset,
        "query": q,
        "params": {"q": q} if q else {},
    }
    return render(request, "milestones/list.html", context)


@router.get("/milestones/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def new_milestone_form(request: Request) -> HTMLResponse:
    """An empty form for a new milestone."""
    return render_form(request, MILESTONE_FORM, {}, {})


@router.post("/milestones/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_milestone(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Record the milestone and go to its page; on a problem, the form again."""
    values = form_values(fields, tuple(FIELD_LABELS))

    def create() -> str:
        return service.create_milestone(session, parse_form(MilestoneCreate, values)).slug

    return save_new_form(request, session, MILESTONE_FORM, values=values, create=create)


def _milestone_page(
    request: Request,
    session: Session,
    milestone: MilestoneRead,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "title": milestone.name,
        "milestone": milestone,
        "states": STATES,
        "values": values or {"state": "met"},
        "errors": errors or {},
        "field_labels": STATE_LABELS,
        "version": milestone.version,
    }
    if may_read_audit(request):
        context["audit_history"] = audit.history_context(session, "milestone", milestone.slug)
    return render(request, "milestones/detail.html", context, status_code=status_code)


@router.get("/milestones/{slug}", response_class=HTMLResponse)
def milestone_page(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The milestone's state today and its history of states, each with its evidence."""
    return _milestone_page(request, session, service.read_milestone(session, slug))


@router.post("/milestones/{slug}/states", response_class=HTMLResponse, dependencies=[RequireEditor])
def add_milestone_state(
    slug: str, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Add a state to the history and go back to the milestone; on a problem, the page
    again with the message beside the input."""
    service.read_milestone(session, slug)
    values = form_values(fields, tuple(STATE_LABELS))
    version = form_version(fields)
    try:
        # A savepoint: a write half done before the error must not be committed.
        with session.begin_nested():
            data = parse_form(MilestoneStateIn, values)
            service.add_milestone_state(session, slug, data, expected_version=version)
    except STALE:
        stored = service.read_milestone(session, slug)
        message = (
            f"Someone changed this milestone since you opened the page (version {version}; "
            f"it is now at version {stored.version}). Nothing was added: check the history "
            "and add the state again if it is still missing."
        )
        return _milestone_page(
            request, session, stored, values=values, errors={"form": message}, status_code=409
        )
    except (InvalidInput, Conflict) as exc:
        stored = service.read_milestone(session, slug)
        return _milestone_page(
            request,
            session,
            stored.model_copy(update={"version": version}),
            values=values,
            errors=form_errors(exc),
            status_code=exc.status,
        )
    return RedirectResponse(f"/milestones/{slug}#history-title", status_code=303)


@router.get("/milestones/{slug}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_milestone_form(slug: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The milestone's form, filled in with what is stored."""
    milestone = service.read_milestone(session, slug)
    return render_form(
        request,
        MILESTONE_FORM,
        stored_milestone_values(milestone),
        {},
        milestone,
        version=milestone.version,
    )


@router.post("/milestones/{slug}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def update_milestone(
    slug: str, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Save the changes and go to the milestone's page; on a problem, the form again."""
    milestone = service.read_milestone(session, slug)
    names = ("name", "condition_type", "description")
    values = form_values(fields, names)

    def save(version: int) -> None:
        data = parse_form(MilestoneUpdate, values)
        # An emptied input clears the field (or is refused, as the API refuses a null name).
        data = data.model_copy(update={k: None for k in names if not values[k]})
        service.update_milestone(session, slug, data, expected_version=version)

    return save_edit_form(
        request, session, MILESTONE_FORM, slug, milestone, values=values, fields=fields, save=save
    )


def stored_milestone_values(milestone: MilestoneRead) -> dict[str, str]:
    """The stored milestone as the form's text values."""
    return {
        "slug": milestone.slug,
        "name": milestone.name,
        "condition_type": milestone.condition_type.value,
        "description": milestone.description or "",
    }


MILESTONE_FORM = RecordForm(
    what="milestone",
    path="/milestones",
    template="milestones/form.html",
    labels=FIELD_LABELS,
    read=service.read_milestone,
    stored_values=stored_milestone_values,
    edit_title=lambda milestone: f"Edit {milestone.name}",
    extra_context={"condition_types": CONDITION_TYPES},
)
