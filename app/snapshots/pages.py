"""Dashboard pages of snapshots: the list with the form that takes one, and each
snapshot's permanent page, read from what was frozen."""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts.deps import Viewer
from app.db import SessionDep
from app.errors import InvalidInput
from app.listing import PagingDep
from app.positions import service as positions
from app.snapshots import service
from app.snapshots.api import SnapshotId, base_url
from app.snapshots.schemas import ROLE_IDS, SnapshotCreate
from app.vocab import ClaimKind
from app.web import FormFields, form_errors, parse_form, render

router = APIRouter(include_in_schema=False)

FIELD_LABELS = {
    "as_of": "As of",
    "known_as_of": "Known as of",
    "kind": "Kind",
    "role": "Role",
    "initiative": "Initiative",
    "group": "Group",
    "actor": "Actors",
    "assume": "Milestones assumed met",
    "title": "Title",
}
TEXT_FIELDS = ("as_of", "known_as_of", "kind", "group", "title")
LIST_FIELDS = ("role", "initiative", "actor", "assume")
SEPARATORS = re.compile(r"[\s,]+")


def _names(value: Any) -> list[str]:
    # An input may repeat (hidden inputs of the freeze form) or list several codes in one
    # text ("GB, FR").
    values = value if isinstance(value, list) else [value]
    return [name for v in values for name in SEPARATORS.split(str(v)) if name]


def snapshot_form_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted snapshot form as the API's body: one text per text input, a list per
    filter, `inherit` as a boolean."""
    values: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = fields.get(name, "")
        value = value[-1] if isinstance(value, list) else value
        values[name] = str(value).strip()
    for name in LIST_FIELDS:
        values[name] = _names(fields.get(name, ""))
    inherit = fields.get("inherit", "")
    inherit = inherit[-1] if isinstance(inherit, list) else inherit
    values["inherit"] = str(inherit).lower() in ("true", "on", "1", "yes")
    return values


def freeze_question(
    as_of: date,
    *,
    known_as_of: date | None = None,
    kind: str | None = None,
    roles: Sequence[str] = (),
    initiatives: Sequence[str] = (),
    group: str | None = None,
    actors: Sequence[str] = (),
    assume: Sequence[str] = (),
    inherit: bool = False,
) -> dict[str, Any]:
    """The `snapshot_question` that snapshots/_freeze_form.html expects: the matrix
    question a page shows, to be frozen as it is."""
    return {
        "as_of": as_of,
        "known_as_of": known_as_of,
        "kind": kind,
        "role": list(roles),
        "initiative": list(initiatives),
        "group": group,
        "actor": list(actors),
        "assume": list(assume),
        "inherit": inherit,
    }


def _form_text(values: Mapping[str, Any]) -> dict[str, str]:
    # The values as the form's inputs show them again.
    return {
        k: ", ".join(v) if isinstance(v, list) else ("true" if v is True else str(v or ""))
        for k, v in values.items()
    }


def _list_page(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    *,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items, total = service.snapshot_page(session, asked, base_url=base_url(request))
    _, last = positions.date_span(session)
    context = {
        "title": "Snapshots",
        "snapshots": items,
        "total": total,
        "limit": asked.limit,
        "offset": asked.offset,
        "params": {},
        "values": values or {"as_of": (last or date.today()).isoformat()},
        "errors": errors or {},
        "field_labels": FIELD_LABELS,
        "kinds": [k.value for k in ClaimKind],
        "roles": ROLE_IDS,
        "initiatives": positions.initiative_choices(session),
        "groups": positions.group_choices(session),
    }
    return render(request, "snapshots/list.html", context, status_code=status_code)


@router.get("/snapshots", response_class=HTMLResponse)
def snapshot_list(request: Request, session: SessionDep, asked: PagingDep) -> HTMLResponse:
    """Snapshots, newest first, and for a signed-in user the form that takes one."""
    return _list_page(request, session, asked)


@router.post("/snapshots", response_class=HTMLResponse)
def create_snapshot(
    request: Request, session: SessionDep, asked: PagingDep, user: Viewer, fields: FormFields
) -> Response:
    """Freeze the matrix question of the form (the list's, or a matrix page's freeze
    form) and go to the snapshot's page; on a problem, the list's form with the values
    and each error beside its input."""
    values = snapshot_form_values(fields)
    try:
        # A savepoint: a write half done before the error must not be committed.
        with session.begin_nested():
            data = parse_form(SnapshotCreate, {**values, "inherit": values["inherit"] or None})
            snapshot = service.take_snapshot(session, data, user_id=user.id, username=user.username)
    except InvalidInput as exc:
        return _list_page(
            request,
            session,
            asked,
            values=_form_text(values),
            errors=form_errors(exc),
            status_code=exc.status,
        )
    return RedirectResponse(service.snapshot_path(snapshot.id), status_code=303)


@router.get("/snapshots/{snapshot_id}", response_class=HTMLResponse)
def snapshot_page(snapshot_id: SnapshotId, request: Request, session: SessionDep) -> HTMLResponse:
    """A snapshot's permanent page: the question, when and by whom, the hash, how to cite
    it, and its cells as they were frozen."""
    frozen = service.read_snapshot(session, snapshot_id, base_url=base_url(request))
    summary = frozen.summary
    context = {
        "title": summary.title or service.default_title(summary.as_of),
        "snapshot": summary,
        "described": service.describe_question(summary.question),
        "cells": frozen.cells(),
    }
    return render(request, "snapshots/detail.html", context)
