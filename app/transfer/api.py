"""Export and import endpoints: /api/v1/export and /api/v1/import (JSON Lines)."""

import csv
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from app.accounts.deps import CurrentUser, Editor, RequireEditor, may_review
from app.accounts.models import UserRole
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    WRITE_RESPONSES,
    Forbidden,
    InvalidInput,
)
from app.transfer import bulk, service
from app.transfer.bulk import BulkReport
from app.transfer.schemas import ImportReport

router = APIRouter(prefix="/api/v1", tags=["export"], responses=API_RESPONSES)

# The media type of JSON Lines, as the export sends it and the imports take it.
JSON_LINES = "application/x-ndjson"
TEXT_BODY = {"schema": {"type": "string"}}


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {JSON_LINES: TEXT_BODY}}},
)
def export(
    request: Request,
    session: SessionDep,
    format: Annotated[str, Query(pattern="^jsonl$", description="Only jsonl for now.")] = "jsonl",
) -> StreamingResponse:
    """The whole database as JSON Lines, in an order that imports back, streamed as it is
    read (memory stays that of a batch of rows, whatever the size of the database)."""
    del format
    # The request's session ends when this returns, before the body is sent: the rows are
    # read by a session of their own (on the same engine or connection), open while the
    # response streams.
    factory: sessionmaker[Session] = request.app.state.session_factory
    return StreamingResponse(
        _export_chunks(factory, session.get_bind()),
        media_type=JSON_LINES,
        headers={"Content-Disposition": 'attachment; filename="posture-export.jsonl"'},
    )


def _export_chunks(factory: sessionmaker[Session], bind: Engine | Connection) -> Iterator[str]:
    with factory(bind=bind) as reader, reader.begin():
        yield from service.export_chunks(reader)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/import",
    response_model=ImportReport,
    dependencies=[RequireEditor],
    responses=WRITE_RESPONSES,
    # No body imports nothing (and changes nothing).
    openapi_extra={"requestBody": {"required": False, "content": {JSON_LINES: TEXT_BODY}}},
)
def import_(
    session: SessionDep, user: CurrentUser, body: Annotated[bytes, Depends(_raw_body)]
) -> ImportReport:
    """Import a JSON Lines export (as the export writes it): every line applies, or none.

    An editor's import may hold only proposed claims (accepted or rejected ones: 422 naming
    the line and review_state); a reviewer restores claims in any state.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.field("body", "is not UTF-8 text") from None
    return service.import_lines(session, text.splitlines(), may_review=may_review(user))


@router.post(
    "/claims/import",
    response_model=BulkReport,
    status_code=201,
    tags=["claims"],
    responses=WRITE_RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": TEXT_BODY, JSON_LINES: TEXT_BODY},
        }
    },
)
def import_claims(
    session: SessionDep,
    user: Editor,
    body: Annotated[bytes, Depends(_raw_body)],
    format: Annotated[str, Query(pattern="^(csv|jsonl)$", description="csv or jsonl")] = "csv",
    accept: Annotated[
        bool, Query(description="Import as accepted (reviewers only); default proposed.")
    ] = False,
) -> BulkReport:
    """Bulk-import claims from CSV or JSON Lines: every row is checked, all apply or none."""
    if accept and not user.has_role(UserRole.REVIEWER):
        raise Forbidden("Importing claims as accepted needs the reviewer role.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.field("body", "is not UTF-8 text") from None
    try:
        return bulk.import_claims(session, text, format, accept=accept)
    except csv.Error as exc:
        # A file the csv module cannot read (a bare carriage return in an unquoted field).
        reason = str(exc).split(" - ")[0]
        raise InvalidInput.field("body", f"cannot be read as CSV: {reason}") from None
