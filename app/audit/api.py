"""Audit endpoints: /api/v1/audit, read-only (no route edits or deletes an entry)."""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from app.accounts.deps import audit_access
from app.audit import service
from app.audit.schemas import AuditEntryRead
from app.db import SessionDep
from app.errors import API_RESPONSES, NotFound, problem_responses
from app.listing import IdPath, Page, PagingDep, page_of

# Who wrote what is private unless POSTURE_PUBLIC_AUDIT_TRAIL is set.
router = APIRouter(
    prefix="/api/v1/audit",
    tags=["audit"],
    dependencies=[Depends(audit_access)],
    responses=API_RESPONSES,
)


class AuditFormat(StrEnum):
    """The audit list as JSON pages, or every match as JSON Lines."""

    JSON = "json"
    JSONL = "jsonl"


def audit_filter(
    record_type: Annotated[
        str | None,
        Query(description="actor, initiative, milestone, source, claim, snapshot, user, token."),
    ] = None,
    record: Annotated[
        str | None, Query(description="The record's code, slug or id (with record_type).")
    ] = None,
    user: Annotated[str | None, Query(description="A user id or username.")] = None,
    action: Annotated[
        str | None, Query(description="create, update, retract, accept, reject, import, ...")
    ] = None,
    from_: Annotated[
        str | None,
        Query(alias="from", description="From this date (YYYY-MM-DD) or time (ISO 8601)."),
    ] = None,
    to: Annotated[
        str | None, Query(description="Up to this date (included) or time (excluded).")
    ] = None,
) -> service.AuditFilter:
    """The audit list's filters."""
    return service.AuditFilter(record_type, record, user, action, from_, to)


@router.get(
    "",
    response_model=Page[AuditEntryRead],
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
def list_entries(
    session: SessionDep,
    asked: PagingDep,
    filters: Annotated[service.AuditFilter, Depends(audit_filter)],
    format: AuditFormat | None = None,
) -> Any:
    """Every write, newest first; `format=jsonl` exports every match, oldest first."""
    if format is AuditFormat.JSONL:
        return StreamingResponse(
            iter(service.export_lines(session, filters)),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="posture-audit.jsonl"'},
        )
    items, total = service.entry_page(session, filters, asked)
    return page_of(items, total, asked)


@router.get("/{entry_id}", response_model=AuditEntryRead, responses=problem_responses(NotFound))
def get_entry(entry_id: IdPath, session: SessionDep) -> AuditEntryRead:
    """One entry."""
    return service.entry_reads(session, [service.require_entry(session, entry_id)])[0]
