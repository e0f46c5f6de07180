"""Export and import endpoints: /api/v1/export and /api/v1/import (JSON Lines)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app.db import SessionDep
from app.errors import InvalidInput
from app.transfer import service
from app.transfer.schemas import ImportReport

router = APIRouter(prefix="/api/v1", tags=["export"])


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(
    session: SessionDep,
    format: Annotated[str, Query(pattern="^jsonl$", description="Only jsonl for now.")] = "jsonl",
) -> StreamingResponse:
    """The whole database as JSON Lines, in an order that imports back."""
    del format
    lines = list(service.export_lines(session))
    return StreamingResponse(
        iter(lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="posture-export.jsonl"'},
    )


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/import",
    response_model=ImportReport,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
def import_(session: SessionDep, body: Annotated[bytes, Depends(_raw_body)]) -> ImportReport:
    """Import a JSON Lines export (as the export writes it): every line applies, or none."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput.field("body", "is not UTF-8 text") from None
    return service.import_lines(session, text.splitlines())
