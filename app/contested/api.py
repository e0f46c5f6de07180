"""Contested cells endpoint: /api/v1/contested."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.contested import service
from app.contested.schemas import ContestedCells
from app.db import SessionDep
from app.errors import API_RESPONSES
from app.positions.api import (
    CACHED_ANSWER,
    NOT_MODIFIED,
    CellQueryDep,
    KnownParam,
    cell_filter,
    model_body,
)
from app.positions.cache import Body
from app.positions.responses import cached_response
from app.schemas import IsoDate

router = APIRouter(prefix="/api/v1", tags=["positions"], responses=API_RESPONSES)


@router.get(
    "/contested",
    response_model=ContestedCells,
    responses={200: CACHED_ANSWER, **NOT_MODIFIED},
)
def contested(
    request: Request,
    session: SessionDep,
    asked: CellQueryDep,
    as_of: Annotated[IsoDate | None, Query(description="Defaults to today.")] = None,
    known_as_of: KnownParam = None,
) -> Response:
    """The contested cells as of a date: those whose deciding day (the latest day with a
    counting claim on or before it) holds claims that disagree and come from more than
    one source, each with every counting claim of that day side by side, and `decides`
    on the one the as-of rule picks (codebook section 7)."""
    day = as_of or date.today()

    def compute() -> Body:
        cells = cell_filter(session, asked)
        return model_body(
            service.contested_cells(session, day, known_as_of=known_as_of, cells=cells)
        )

    params = (day, known_as_of, *asked.key())
    return cached_response(request, session, "contested", params, compute)
