"""Dashboard pages about initiatives: the list, who stands where on one, how far its
needs are filled, the forms."""

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator

from app.accounts.deps import RequireEditor, may_read_audit
from app.audit import service as audit
from app.db import SessionDep
from app.errors import AppError
from app.forms import RecordForm, blank_to_none, render_form, save_edit_form, save_new_form
from app.initiatives import service
from app.initiatives.schemas import (
    NEEDS_MAX,
    InitiativeCreate,
    InitiativeNeeds,
    InitiativeRead,
    InitiativeUpdate,
)
from app.listing import PagingDep
from app.milestones import service as milestone_service
from app.positions import service as positions
from app.vocab import ClaimKind, Role, Stance
from app.web import FormFields, form_errors, form_values, parse_form, render

router = APIRouter(include_in_schema=False)

# The form's rows of needs: one input of each of these per row, named needs.<row>.<field>.
NEED_FIELDS = {"role": "role", "quantity_amount": "amount", "quantity_unit": "unit"}
NEED_NAMES = tuple(f"needs.{n}.{f}" for n in range(NEEDS_MAX) for f in NEED_FIELDS)
# Empty rows the form offers below the needs it shows.
NEED_ROWS_EMPTY = 3
FIELD_LABELS = {
    "slug": "Slug",
    "name": "Name",
    "description": "Description",
    "proposer": "Proposer",
    "first_reported_on": "First reported on",
    **{
        f"needs.{n}.{f}": f"Need {n + 1}: {label}"
        for n in range(NEEDS_MAX)
        for f, label in NEED_FIELDS.items()
    },
}
STANCE_ORDER = {s.value: n for n, s in enumerate(Stance)}
OptionalDate = Annotated[date | None, BeforeValidator(blank_to_none)]
NEED_ROW = re.compile(r"needs\.(\d+)(\..*)?")


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
    needs, rows = need_rows(values)
    scalars = {k: v for k, v in values.items() if not k.startswith("needs.")}

    def create() -> str:
        data = parse_form(InitiativeCreate, {**scalars, "needs": needs})
        return service.create_initiative(session, data).slug

    return save_new_form(
        request, session, INITIATIVE_FORM, values=values, create=create, errors=row_errors(rows)
    )


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
        "needs_summary": ", ".join(
            n.role.replace("_", " ")
            + (
                f" ({amount_text(n.quantity_amount, grouped=True)} {n.quantity_unit})"
                if n.quantity_amount is not None
                else ""
            )
            for n in initiative.needs
        ),
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
    values = form_values(fields, (*names, *NEED_NAMES))
    needs, rows = need_rows(values)

    def save(version: int) -> None:
        data = parse_form(InitiativeUpdate, {**{k: values[k] for k in names}, "needs": needs})
        # An emptied input clears the field (or is refused, as the API refuses a null name);
        # the rows replace the needs (no row left: none).
        cleared: dict[str, Any] = {k: None for k in names if not values[k]}
        data = data.model_copy(update={**cleared, "needs": data.needs or []})
        service.update_initiative(session, slug, data, expected_version=version)

    return save_edit_form(
        request,
        session,
        INITIATIVE_FORM,
        slug,
        initiative,
        values=values,
        fields=fields,
        save=save,
        errors=row_errors(rows),
    )


def need_rows(values: Mapping[str, str]) -> tuple[list[dict[str, str]], list[int]]:
    """The form's rows of needs that hold anything, as the API's needs (inputs left empty
    not given), and the row each came from."""
    needs, rows = [], []
    for n in range(NEEDS_MAX):
        row = {f: values.get(f"needs.{n}.{f}", "") for f in NEED_FIELDS}
        if any(row.values()):
            needs.append({f: v for f, v in row.items() if v})
            rows.append(n)
    return needs, rows


def row_errors(rows: list[int]) -> Callable[[AppError], dict[str, str]]:
    """The error messages by input, a need's error beside the row it came from (the list
    the service checks skips the empty rows)."""

    def errors(exc: AppError) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, message in form_errors(exc).items():
            found = NEED_ROW.fullmatch(name)
            if found and int(found.group(1)) < len(rows):
                name = f"needs.{rows[int(found.group(1))]}{found.group(2) or ''}"
            out[name] = f"{out[name]}; {message}" if name in out else message
        return out

    return errors


def amount_text(amount: Decimal | None, *, grouped: bool = False) -> str:
    """An amount as a person writes it: no trailing zeros (grouped: 25,000)."""
    if amount is None:
        return ""
    return format(amount.normalize(), ",f" if grouped else "f")


def _percent(part: Decimal | None, whole: Decimal | None, filled: bool) -> int:
    # The bar's width class, in steps of 5%; a need without a quantity is full or empty.
    if whole is None or part is None:
        return 100 if filled else 0
    if part <= 0:
        return 0
    # Anything pledged shows, however small a share.
    return min(100, max(5, round(part / whole * 20) * 5))


def needs_view(answer: InitiativeNeeds) -> list[dict[str, Any]]:
    """Each need as the page draws it: the answer's fields with the bar's widths."""
    out = []
    for need in answer.needs:
        pledged = _percent(need.pledged_quantity, need.quantity_amount, need.filled)
        effect = _percent(need.in_effect_quantity, need.quantity_amount, need.filled_in_effect)
        out.append(
            {
                "need": need,
                "label": need.role.replace("_", " "),
                "amount": amount_text(need.quantity_amount, grouped=True),
                "pledged": amount_text(need.pledged_quantity, grouped=True),
                "in_effect": amount_text(need.in_effect_quantity, grouped=True),
                "effect_width": effect,
                "pending_width": max(0, pledged - effect),
                "amounts": {
                    a.claim_id: amount_text(a.quantity_amount, grouped=True) for a in need.actors
                },
            }
        )
    return out


@router.get("/initiatives/{slug}/needs", response_class=HTMLResponse)
def initiative_needs_page(
    slug: str,
    request: Request,
    session: SessionDep,
    as_of: Annotated[OptionalDate, Query()] = None,
    assume: Annotated[list[str], Query()] = [],
) -> HTMLResponse:
    """How far each role the initiative needs is filled as of a date, with milestones taken
    as met: a table and a bar per role, unfilled first."""
    _, last = positions.date_span(session)
    day = as_of or last or date.today()
    answer = service.initiative_needs(session, slug, day, assume=[a for a in assume if a])
    context = {
        "title": f"Needs of {answer.initiative_name}",
        "answer": answer,
        "as_of": day,
        "needs": needs_view(answer),
        "milestones": milestone_service.milestone_choices(session),
    }
    return render(request, "initiatives/needs.html", context)


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
        **{
            name: value
            for n, need in enumerate(initiative.needs)
            for name, value in (
                (f"needs.{n}.role", need.role),
                (f"needs.{n}.quantity_amount", amount_text(need.quantity_amount)),
                (f"needs.{n}.quantity_unit", need.quantity_unit or ""),
            )
        },
    }


INITIATIVE_FORM = RecordForm(
    what="initiative",
    path="/initiatives",
    template="initiatives/form.html",
    labels=FIELD_LABELS,
    read=service.read_initiative,
    stored_values=stored_initiative_values,
    edit_title=lambda initiative: f"Edit {initiative.name}",
    extra_context={
        "roles": [r.value for r in Role],
        "need_rows_max": NEEDS_MAX,
        "need_rows_empty": NEED_ROWS_EMPTY,
    },
)
