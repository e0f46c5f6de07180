"""The contested cells page: each contested cell's claims side by side, and for a
reviewer the means to settle it (retract a claim with a reason, or correct it)."""

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, TypedDict, Unpack
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.deps import RequireReviewer
from app.claims import service as claim_service
from app.claims.schemas import ClaimRetract
from app.contested import service
from app.db import SessionDep
from app.errors import AppError, InvalidInput
from app.forms import blank_to_none, one_value
from app.listing import INT_MAX, IdPath
from app.positions import service as positions
from app.versioning import STALE, form_version
from app.web import FormFields, parse_form, render

router = APIRouter(include_in_schema=False)

Blank = BeforeValidator(blank_to_none)
OptionalDate = Annotated[date | None, Blank, Query()]
ClaimRef = Annotated[int | None, Blank, Query(ge=1, le=INT_MAX)]


class PageNotes(TypedDict, total=False):
    """What the page says besides the cells: a notice, what was just done, the reasons
    and errors typed beside each claim, and the answer's status."""

    notice: str | None
    done: str | None
    reasons: Mapping[int, str]
    errors: Mapping[int, str]
    status_code: int


def _query(**params: date | int | None) -> str:
    return urlencode([(k, str(v)) for k, v in params.items() if v is not None])


def _page(
    request: Request,
    session: SessionDep,
    as_of: date | None,
    known_as_of: date | None,
    **notes: Unpack[PageNotes],
) -> HTMLResponse:
    day = as_of or date.today()
    found = service.contested_cells(
        session, day, known_as_of=known_as_of, cells=positions.cell_filter(session)
    )
    context: dict[str, Any] = {
        "title": f"Contested cells as of {day}",
        "as_of": day,
        "known_as_of": known_as_of,
        "api_url": "/api/v1/contested?" + _query(as_of=day, known_as_of=known_as_of),
        "cells": found.cells,
        "total": found.total,
        "notice": notes.get("notice"),
        "done": notes.get("done"),
        "reasons": notes.get("reasons") or {},
        "errors": notes.get("errors") or {},
    }
    return render(
        request, "contested/contested.html", context, status_code=notes.get("status_code", 200)
    )


@router.get("/contested", response_class=HTMLResponse)
def contested_page(
    request: Request,
    session: SessionDep,
    as_of: OptionalDate = None,
    known_as_of: OptionalDate = None,
    retracted: ClaimRef = None,
) -> HTMLResponse:
    """The cells whose sources disagree on their deciding day, claims side by side."""
    done = f"Claim {retracted} is retracted: it no longer counts." if retracted else None
    return _page(request, session, as_of, known_as_of, done=done)


def _form_date(fields: Mapping[str, Any], name: str) -> date | None:
    # The page's dates, carried by the form to come back to the same view; a date the
    # page did not write is dropped (the page falls back to today, everything known).
    try:
        return date.fromisoformat(one_value(fields, name).strip())
    except ValueError:
        return None


def _back(as_of: date | None, known_as_of: date | None, claim_id: int) -> RedirectResponse:
    query = _query(as_of=as_of, known_as_of=known_as_of, retracted=claim_id)
    return RedirectResponse(f"/contested?{query}", status_code=303)


@router.post(
    "/contested/{claim_id}/retract", response_class=HTMLResponse, dependencies=[RequireReviewer]
)
def retract(
    claim_id: IdPath, request: Request, session: SessionDep, fields: FormFields
) -> Response:
    """Retract one claim of a contested cell, with the reason the reviewer typed, at the
    version the page showed (the claims service's retraction, audited as `retract`)."""
    as_of, known_as_of = _form_date(fields, "as_of"), _form_date(fields, "known_as_of")
    reason = one_value(fields, "reason").strip()
    try:
        data = parse_form(ClaimRetract, {"reason": reason})
    except InvalidInput:
        return _page(
            request,
            session,
            as_of,
            known_as_of,
            notice=f"Claim {claim_id} was not retracted: say why.",
            reasons={claim_id: reason},
            errors={claim_id: "Give the reason for retracting it (up to 2,000 characters)."},
            status_code=422,
        )
    try:
        version = form_version(fields)
        with session.begin_nested():
            claim_service.retract_claim(session, claim_id, data.reason, expected_version=version)
    except (AppError, StaleDataError) as exc:
        if isinstance(exc, STALE):
            notice = (
                f"Claim {claim_id} changed since this page was loaded, so it was not "
                "retracted. It is shown below as it is now: check it and try again."
            )
            status_code = 409
        else:
            notice, status_code = f"Claim {claim_id}: {exc.detail}", exc.status
        return _page(
            request,
            session,
            as_of,
            known_as_of,
            notice=notice,
            reasons={claim_id: reason},
            status_code=status_code,
        )
    return _back(as_of, known_as_of, claim_id)
