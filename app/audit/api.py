"""Audit endpoints: /api/v1/audit, read-only (no route edits or deletes an entry)."""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from app.accounts.deps import audit_access
from app.audit import queries, service
from app.audit.models import AuditEntry
from app.audit.schemas import AuditEntryRead
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import API_RESPONSES, InvalidInput, NotFound, problem_responses
from app.listing import IdPath, LimitParam, OffsetParam, Page, check_limit, paginate

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


@router.get(
    "",
    response_model=Page[AuditEntryRead],
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
def list_entries(
    session: SessionDep,
    settings: SettingsDep,
    record_type: Annotated[
        str | None, Query(description="actor, initiative, source, claim, user, token.")
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
    limit: LimitParam = 50,
    offset: OffsetParam = 0,
    format: AuditFormat | None = None,
) -> Any:
    """Every write, newest first; `format=jsonl` exports every match, oldest first."""
    check_limit(limit, settings.page_size_max)
    at_from = service.parse_moment(from_, "from")
    at_to = service.parse_moment(to, "to", end=True)
    if at_from and at_to and at_to <= at_from:
        raise InvalidInput.field("to", "is not after from")
    stmt = queries.audit_list(
        record_type=record_type,
        record_key=record,
        user_id=service.user_filter(session, user),
        action=action,
        at_from=at_from,
        at_to=at_to,
    )
    if format is AuditFormat.JSONL:
        entries = session.scalars(stmt.order_by(AuditEntry.id)).all()
        lines = list(service.jsonl_lines(service.entry_reads(session, entries)))
        return StreamingResponse(
            iter(lines),
            media_type="application/x-ndjson",
            headers={"Content-Disposition": 'attachment; filename="posture-audit.jsonl"'},
        )
    rows, total = paginate(session, stmt.order_by(AuditEntry.id.desc()), limit=limit, offset=offset)
    return Page[AuditEntryRead](
        items=service.entry_reads(session, rows), total=total, limit=limit, offset=offset
    )


@router.get("/{entry_id}", response_model=AuditEntryRead, responses=problem_responses(NotFound))
def get_entry(entry_id: IdPath, session: SessionDep) -> AuditEntryRead:
    """One entry."""
    return service.entry_reads(session, [service.require_entry(session, entry_id)])[0]
