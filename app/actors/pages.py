"""Dashboard pages about actors: the list, one actor's positions and history, the forms."""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from app.accounts.deps import RequireEditor, may_read_audit
from app.actors import service
from app.actors.schemas import ActorCreate, ActorDetail, ActorUpdate
from app.audit import service as audit
from app.db import SessionDep
from app.errors import AppError, FieldError, InvalidInput
from app.forms import RecordForm, render_form, save_edit_form, save_new_form
from app.listing import PagingDep
from app.positions import service as positions
from app.positions.responses import cached_value
from app.positions.schemas import ActorTimeline, PositionCell, PositionMatrix, TimelineEntry
from app.vocab import ActorKind, AliasKind, ClaimKind, Role
from app.web import FormFields, form_values, parse_form, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "code": "Code",
    "kind": "Kind",
    "name": "Name",
    "description": "Description",
    "aliases": "Aliases",
    "memberships": "Memberships",
    "affiliations": "Offices",
}
# Textareas holding one list item per line; errors about an item name its line.
LIST_FIELDS = ("aliases", "memberships", "affiliations")
ROLE_ORDER = {r.value: n for n, r in enumerate(Role)}
# How many of an actor's latest claims its page lists under History.
HISTORY_SIZE = 200


@router.get("/actors", response_class=HTMLResponse)
def actor_list(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    q: Annotated[str, Query(max_length=200)] = "",
    kind: ActorKind | None = None,
) -> HTMLResponse:
    """Actors matching a code, name or alias, by kind, a page at a time."""
    q = q.strip()
    rows, total = service.actor_page(session, asked, kind=kind, q=q or None)
    limit, offset = asked.limit, asked.offset
    params = {k: v for k, v in {"q": q, "kind": kind.value if kind else ""}.items() if v}
    context = {
        "title": "Actors",
        "actors": rows,
        "total": total,
        "limit": limit,
        "offset": offset,
        "query": q,
        "kind": kind.value if kind else "",
        "kinds": [k.value for k in ActorKind],
        "params": params,
    }
    return render(request, "actors/list.html", context)


@router.get("/actors/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def new_actor_form(request: Request) -> HTMLResponse:
    """An empty form for a new actor."""
    return render_form(request, ACTOR_FORM, {"kind": ActorKind.STATE.value}, {})


@router.post("/actors/new", response_class=HTMLResponse, dependencies=[RequireEditor])
def create_actor(request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Record the actor and go to its page; on a problem, the form again with the message."""
    values = form_values(fields, ("code", "kind", "name", "description", *LIST_FIELDS))
    lines: dict[str, list[int]] = {}

    def create() -> str:
        data = parse_form(ActorCreate, {**_scalars(values), **_lists(values, lines)})
        return service.create_actor(session, data).code

    return save_new_form(
        request,
        session,
        ACTOR_FORM,
        values=values,
        create=create,
        errors=lambda exc: _errors(exc, lines),
    )


@router.get("/actors/{code}", response_class=HTMLResponse)
def actor_page(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    """An actor's current positions, their history, its speakers, memberships and members."""
    actor = _stored_actor(session, code)
    context: dict[str, Any] = {"title": actor.name, "actor": actor, "is_person": False}
    if actor.kind == ActorKind.PERSON:
        context["is_person"] = True
    else:
        _, last = positions.date_span(session)
        day = last or date.today()
        cells = positions.cell_filter(session, actors=[actor.code])

        def compute() -> tuple[PositionMatrix, ActorTimeline]:
            matrix = positions.positions_as_of(session, day, known_as_of=None, cells=cells)
            # The latest claims, oldest first; the API's timeline pages through the rest.
            timeline = positions.actor_timeline(
                session, actor.code, limit=HISTORY_SIZE, newest_first=True
            )
            timeline.claims.reverse()
            return matrix, timeline

        matrix, timeline = cached_value(request, session, "actor", (actor.code, day), compute)
        context.update(
            as_of=day,
            commitments=sorted(
                (c for c in matrix.cells if c.kind == ClaimKind.COMMITMENT),
                key=lambda c: ROLE_ORDER.get(c.role or "", len(ROLE_ORDER)),
            ),
            stances=sorted(
                (c for c in matrix.cells if c.kind == ClaimKind.STANCE),
                key=lambda c: (c.initiative_name or "").lower(),
            ),
            history=history_by_object(timeline.claims, matrix.cells),
            history_total=timeline.total,
            history_shown=len(timeline.claims),
        )
    if may_read_audit(request):
        context["audit_history"] = audit.history_context(session, "actor", actor.code)
    return render(request, "actors/detail.html", context)


@router.get("/actors/{code}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def edit_actor_form(code: str, request: Request, session: SessionDep) -> HTMLResponse:
    """The actor's form, filled in with what is stored."""
    actor = _stored_actor(session, code)
    return render_form(
        request, ACTOR_FORM, stored_actor_values(actor), {}, actor, version=actor.version
    )


@router.post("/actors/{code}/edit", response_class=HTMLResponse, dependencies=[RequireEditor])
def update_actor(code: str, request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Save the changes and go to the actor's page; on a problem, the form again."""
    actor = _stored_actor(session, code)
    names: tuple[str, ...] = ("name", "description", "aliases", "memberships")
    if actor.kind == ActorKind.PERSON:
        names += ("affiliations",)
    values = form_values(fields, names)
    lines: dict[str, list[int]] = {}

    def save(version: int) -> None:
        lists = _lists(values, lines)
        data = parse_form(ActorUpdate, {**_scalars(values), **lists})
        # An emptied input clears the field (or is refused, as the API refuses a null name).
        cleared: dict[str, Any] = {k: None for k in ("name", "description") if not values[k]}
        cleared.update({k: [] for k in LIST_FIELDS if k in values and not lists.get(k)})
        service.update_actor(
            session, code, data.model_copy(update=cleared), expected_version=version
        )

    return save_edit_form(
        request,
        session,
        ACTOR_FORM,
        code,
        actor,
        values=values,
        fields=fields,
        save=save,
        errors=lambda exc: _errors(exc, lines),
    )


def history_by_object(
    entries: Sequence[TimelineEntry], current: Sequence[PositionCell]
) -> list[dict[str, Any]]:
    """The timeline split per object (a role or an initiative), roles first, oldest first."""
    deciding = {c.claim_id for c in current}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for entry in entries:
        if entry.kind == ClaimKind.COMMITMENT:
            key = ("commitment", entry.role or "")
            label = (entry.role or "").replace("_", " ")
        else:
            key = ("stance", entry.initiative or "")
            label = entry.initiative_name or entry.initiative or ""
        group = groups.setdefault(
            key, {"kind": key[0], "key": key[1], "label": label, "entries": []}
        )
        group["entries"].append({"claim": entry, "current": entry.id in deciding})
    return sorted(
        groups.values(),
        key=lambda g: (
            g["kind"] != "commitment",
            ROLE_ORDER.get(g["key"], 0) if g["kind"] == "commitment" else 0,
            g["label"].lower(),
        ),
    )


def _stored_actor(session: Session, code: str) -> ActorDetail:
    """The stored actor with everything its form shows, or 404."""
    return service.actor_detail(session, service.require_actor(session, code))


def stored_actor_values(actor: ActorDetail) -> dict[str, str]:
    """The stored actor as the form's text values (one list item per line)."""

    def day(value: date | None) -> str:
        return value.isoformat() if value else "-"

    return {
        "code": actor.code,
        "kind": actor.kind,
        "name": actor.name,
        "description": actor.description or "",
        "aliases": "\n".join(
            a.alias if a.kind == AliasKind.NAME else f"{a.alias} | {a.kind}" for a in actor.aliases
        ),
        "memberships": "\n".join(
            " ".join([m.group, day(m.from_on)] + ([day(m.until_on)] if m.until_on else []))
            for m in actor.memberships
        ),
        "affiliations": "\n".join(
            " | ".join(
                [a.actor, a.office, day(a.from_on)] + ([day(a.until_on)] if a.until_on else [])
            )
            for a in actor.affiliations
        )
        if actor.kind == ActorKind.PERSON
        else "",
    }


def _scalars(values: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in values.items() if k not in LIST_FIELDS}


def _lists(values: Mapping[str, str], lines: dict[str, list[int]]) -> dict[str, list[Any]]:
    """Turn each textarea into its list; `lines` gets each item's line number."""
    parsers = {"aliases": _alias, "memberships": _membership, "affiliations": _affiliation}
    out: dict[str, list[Any]] = {}
    errors: list[FieldError] = []
    for name, parse in parsers.items():
        if name not in values:
            continue
        out[name], lines[name] = [], []
        for number, line in enumerate(values[name].splitlines(), start=1):
            if not line.strip():
                continue
            item = parse(line)
            if item is None:
                errors.append(FieldError(name, f"line {number}: {LINE_FORMS[name]}"))
                continue
            out[name].append(item)
            lines[name].append(number)
    if errors:
        raise InvalidInput("; ".join(str(e["message"]) for e in errors), errors=errors)
    return out


LINE_FORMS = {
    "aliases": "write an alias, or 'alias | kind'",
    "memberships": "write 'GROUP from_on [until_on]', dates as YYYY-MM-DD or '-'",
    "affiliations": "write 'ACTOR | office | from_on [| until_on]', dates as YYYY-MM-DD or '-'",
}


def _date(text: str) -> str | None:
    text = text.strip()
    return None if text in ("", "-") else text


def _alias(line: str) -> dict[str, Any] | None:
    alias, sep, kind = line.partition("|")
    if "|" in kind:
        return None
    item: dict[str, Any] = {"alias": alias.strip()}
    if sep and kind.strip():
        item["kind"] = kind.strip()
    return item


def _membership(line: str) -> dict[str, Any] | None:
    parts = line.split()
    if not 1 <= len(parts) <= 3:
        return None
    item: dict[str, Any] = {"group": parts[0]}
    for key, text in zip(("from_on", "until_on"), parts[1:], strict=False):
        if _date(text) is not None:
            item[key] = _date(text)
    return item


def _affiliation(line: str) -> dict[str, Any] | None:
    parts = [p.strip() for p in line.split("|")]
    if not 2 <= len(parts) <= 4:
        return None
    item: dict[str, Any] = {"actor": parts[0], "office": parts[1]}
    for key, text in zip(("from_on", "until_on"), parts[2:], strict=False):
        if _date(text) is not None:
            item[key] = _date(text)
    return item


def _errors(exc: AppError, lines: Mapping[str, Sequence[int]]) -> dict[str, str]:
    """The error's messages by input; an item's error names its line in the textarea."""
    out: dict[str, str] = {}
    for error in exc.errors:
        field, message = str(error["field"]), str(error["message"])
        head, _, rest = field.partition(".")
        if head in LIST_FIELDS and rest:
            index = rest.split(".")[0]
            numbers = lines.get(head, [])
            if index.isdigit() and int(index) < len(numbers):
                message = f"line {numbers[int(index)]}: {message}"
            field = head
        out[field] = f"{out[field]}; {message}" if field in out else message
    if not out:
        out["form"] = exc.detail
    return out


ACTOR_FORM = RecordForm(
    what="actor",
    path="/actors",
    template="actors/form.html",
    labels=FIELD_LABELS,
    read=_stored_actor,
    stored_values=stored_actor_values,
    edit_title=lambda actor: f"Edit {actor.name}",
    extra_context={
        "kinds": [k.value for k in ActorKind],
        "alias_kinds": [k.value for k in AliasKind],
    },
)
