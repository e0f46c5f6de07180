"""The review queue page: proposed claims beside their evidence, accepted or rejected by form."""

import re
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict, Unpack

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator
from sqlalchemy.orm.exc import StaleDataError

from app.accounts.deps import RequireReviewer
from app.claims import service as claim_service
from app.claims import views as claim_views
from app.claims.pages import (
    claim_conflict,
    claim_form,
    claim_form_errors,
    claim_input,
    form_values,
    values_from_claim,
)
from app.claims.schemas import ClaimCreate, ClaimReject, ClaimUpdate
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import AppError, InvalidInput
from app.forms import blank_to_none, one_value
from app.listing import INT_MAX, IdPath, Paging, PagingDep
from app.review import service
from app.review.service import ProposalView
from app.versioning import STALE, form_version
from app.web import FormFields, parse_form, render

router = APIRouter(include_in_schema=False)


SourceFilter = Annotated[int | None, BeforeValidator(blank_to_none), Query(ge=1, le=INT_MAX)]
Count = Annotated[int | None, BeforeValidator(blank_to_none), Query(ge=0, le=INT_MAX)]


def _source_of(fields: Mapping[str, Any]) -> int | None:
    text = one_value(fields, "source").strip()
    return int(text) if text.isdigit() and 0 < int(text) <= INT_MAX else None


def _back(source_id: int | None, **done: int) -> RedirectResponse:
    params = "&".join(
        [f"source={source_id}"] * (source_id is not None) + [f"{k}={v}" for k, v in done.items()]
    )
    return RedirectResponse("/review" + (f"?{params}" if params else ""), status_code=303)


def _done_message(accepted: int | None, rejected: int | None, left: int | None) -> str | None:
    parts = []
    if accepted is not None:
        parts.append(f"Accepted {accepted} claim{'' if accepted == 1 else 's'}.")
    if rejected is not None:
        parts.append(f"Rejected {rejected} claim{'' if rejected == 1 else 's'}.")
    if left:
        parts.append(
            f"{left} of them {'is' if left == 1 else 'are'} yours and "
            f"wait{'s' if left == 1 else ''} for another reviewer."
        )
    return " ".join(parts) or None


Runs = list[tuple[str, int | None]]
ELLIPSIS = "…"

# A line break as the stored text may hold it; a browser reads each as one LF.
LINE_BREAK = re.compile(r"\r\n?")


def text_runs(text: str, start: int) -> Runs:
    """A piece of a source's text (found at `start` in it) as the runs a page shows, each
    with its offset in the stored text, so that a selection made in the browser maps back
    to the stored text: an HTML parser reads CR LF and a lone CR as LF, so a CR is cut out
    (a lone one shown as a line break with no offset)."""
    runs: Runs = []
    position = 0
    for match in LINE_BREAK.finditer(text):
        if match.start() > position:
            runs.append((text[position : match.start()], start + position))
        if match.group() == "\r":
            runs.append(("\n", None))
        else:
            runs.append(("\n", start + match.start() + 1))
        position = match.end()
    if position < len(text):
        runs.append((text[position:], start + position))
    return runs


def excerpt_runs(proposal: ProposalView) -> tuple[Runs, Runs, Runs] | None:
    """A proposal's evidence in context as runs with their offsets in the stored text
    (before, quote, after), the ellipses that mark a cut shown without one, so that text
    selected there can be coded as a claim of its own."""
    if proposal.context is None:
        return None
    before, quote, after = proposal.context
    evidence = proposal.claim["evidence"]
    # An ellipsis at either end marks the cut (were the text's own first or last character
    # one, treating it as the mark still maps every other character right).
    lead = before.startswith(ELLIPSIS)
    tail = after.endswith(ELLIPSIS)
    before = before.removeprefix(ELLIPSIS) if lead else before
    after = after.removesuffix(ELLIPSIS) if tail else after
    mark: Runs = [(ELLIPSIS, None)]
    return (
        mark * lead + text_runs(before, evidence["start"] - len(before)),
        text_runs(quote, evidence["start"]),
        text_runs(after, evidence["end"]) + mark * tail,
    )


# The queue's first page, shown again after a refused accept or reject.
FIRST_PAGE = Paging(limit=50, offset=0)


class QueueNotes(TypedDict, total=False):
    """What the review page says besides the queue: a notice, what was just done, the
    reasons and errors typed beside each claim, and the answer's status."""

    notice: str | None
    done: str | None
    reasons: Mapping[int, str]
    errors: Mapping[int, str]
    status_code: int


def _queue(
    request: Request,
    session: SessionDep,
    source_id: int | None,
    asked: Paging = FIRST_PAGE,
    **notes: Unpack[QueueNotes],
) -> HTMLResponse:
    queue = service.review_queue(session, asked, source_id)
    context = {
        "title": "Review",
        "proposals": queue.proposals,
        "excerpts": {p.claim["id"]: excerpt_runs(p) for p in queue.proposals},
        "total": queue.total,
        "limit": asked.limit,
        "offset": asked.offset,
        "source_id": source_id,
        "sources": queue.sources,
        "all_versions": queue.versions,
        "params": {"source": source_id} if source_id else {},
        "notice": notes.get("notice"),
        "done": notes.get("done"),
        "reasons": notes.get("reasons") or {},
        "errors": notes.get("errors") or {},
    }
    return render(request, "review/queue.html", context, status_code=notes.get("status_code", 200))


@router.get("/review", response_class=HTMLResponse, dependencies=[RequireReviewer])
def review_queue(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    source: SourceFilter = None,
    accepted: Count = None,
    rejected: Count = None,
    left: Count = None,
) -> HTMLResponse:
    """Proposed claims, oldest first, each beside its evidence in the source's text."""
    return _queue(request, session, source, asked, done=_done_message(accepted, rejected, left))


def _refused(
    request: Request,
    session: SessionDep,
    source_id: int | None,
    claim_id: int,
    exc: AppError | StaleDataError,
) -> HTMLResponse:
    if isinstance(exc, STALE):
        notice = (
            f"Claim {claim_id} changed since this page was loaded, so nothing was done. "
            "It is shown below as it is now: review it again."
        )
        return _queue(request, session, source_id, notice=notice, status_code=409)
    notice = f"Claim {claim_id}: {exc.detail}"
    return _queue(request, session, source_id, notice=notice, status_code=exc.status)


@router.post(
    "/review/{claim_id}/accept", response_class=HTMLResponse, dependencies=[RequireReviewer]
)
def accept(
    claim_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    fields: FormFields,
) -> Response:
    """Accept the claim at the version the reviewer saw."""
    source_id = _source_of(fields)
    version = form_version(fields)
    try:
        with session.begin_nested():
            claim_service.accept_claim(
                session,
                claim_id,
                expected_version=version,
                allow_self_review=settings.allow_self_review,
            )
    except (AppError, StaleDataError) as exc:
        return _refused(request, session, source_id, claim_id, exc)
    return _back(source_id, accepted=1)


@router.post(
    "/review/{claim_id}/reject", response_class=HTMLResponse, dependencies=[RequireReviewer]
)
def reject(claim_id: IdPath, request: Request, session: SessionDep, fields: FormFields) -> Response:
    """Reject the claim, with the reason the reviewer typed."""
    source_id = _source_of(fields)
    version = form_version(fields)
    reason = one_value(fields, "reason").strip()
    try:
        data = parse_form(ClaimReject, {"reason": reason})
    except InvalidInput:
        return _queue(
            request,
            session,
            source_id,
            notice=f"Claim {claim_id} was not rejected: say why.",
            errors={claim_id: "Give the reason for rejecting it."},
            status_code=422,
        )
    try:
        with session.begin_nested():
            claim_service.reject_claim(session, claim_id, data.reason, expected_version=version)
    except (AppError, StaleDataError) as exc:
        return _refused(request, session, source_id, claim_id, exc)
    return _back(source_id, rejected=1)


@router.post("/review/accept-all", response_class=HTMLResponse, dependencies=[RequireReviewer])
def accept_all(
    request: Request, session: SessionDep, settings: SettingsDep, fields: FormFields
) -> Response:
    """Accept every proposal of a source at the versions the page showed, or none."""
    source_id = _source_of(fields)
    versions: dict[int, int] = {}
    for name in fields:
        claim_id = name.removeprefix("version_")
        if name.startswith("version_") and claim_id.isdigit():
            versions[int(claim_id)] = form_version({"version": fields[name]})
    if source_id is None or not versions:
        return _queue(
            request,
            session,
            source_id,
            notice="Choose a source first: its proposals are the ones accepted.",
            status_code=422,
        )
    try:
        with session.begin_nested():
            accepted, left = claim_service.accept_claims(
                session, versions, allow_self_review=settings.allow_self_review
            )
    except STALE:
        notice = (
            "Some of these proposals changed since the page was loaded, so none was accepted. "
            "They are shown below as they are now: check them and try again."
        )
        return _queue(request, session, source_id, notice=notice, status_code=409)
    except AppError as exc:
        return _queue(request, session, source_id, notice=exc.detail, status_code=exc.status)
    return _back(source_id, accepted=len(accepted), left=len(left))


def _review_form_options(claim_id: int) -> dict[str, Any]:
    return {
        "action": f"/review/{claim_id}/edit",
        "title": f"Edit, then accept claim {claim_id}",
        "review": True,
    }


@router.get("/review/{claim_id}/edit", response_class=HTMLResponse, dependencies=[RequireReviewer])
def edit_form(claim_id: IdPath, request: Request, session: SessionDep) -> HTMLResponse:
    """The proposed claim in the claim form; saving it accepts it."""
    current = claim_views.editable_claim(session, claim_id)
    return claim_form(
        request,
        session,
        values=values_from_claim(current.fields),
        errors={},
        claim=current.claim,
        version=current.version,
        **_review_form_options(claim_id),
    )


@router.post("/review/{claim_id}/edit", response_class=HTMLResponse, dependencies=[RequireReviewer])
def edit_and_accept(
    claim_id: IdPath,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    fields: FormFields,
) -> Response:
    """Save the form's changes and accept the claim, in one write; on a problem, the form."""
    current = claim_views.editable_claim(session, claim_id)
    values = form_values(fields)
    version = form_version(fields)
    try:
        # Accepting sets the review state; the form's hidden one must not get in the way.
        complete = parse_form(ClaimCreate, {**claim_input(values), "review_state": "proposed"})
        changes = ClaimUpdate.model_validate(
            complete.model_dump(exclude={"conditional", "review_state"})
        )
        with session.begin_nested():
            claim = claim_service.accept_claim(
                session,
                claim_id,
                expected_version=version,
                changes=changes,
                allow_self_review=settings.allow_self_review,
            )
    except STALE:
        return claim_conflict(
            request, session, claim_id, values, version, **_review_form_options(claim_id)
        )
    except AppError as exc:
        return claim_form(
            request,
            session,
            values=values,
            errors=claim_form_errors(exc),
            claim=current.claim,
            version=version,
            status_code=exc.status,
            **_review_form_options(claim_id),
        )
    return _back(claim.source_id, accepted=1)
