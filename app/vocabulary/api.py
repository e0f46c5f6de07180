"""GET /api/v1/vocabulary: the codebook's identifiers, as the database holds them."""

from typing import Any

from fastapi import APIRouter

from app.db import SessionDep
from app.errors import API_RESPONSES
from app.vocabulary import service

router = APIRouter(prefix="/api/v1", tags=["vocabulary"], responses=API_RESPONSES)


@router.get("/vocabulary")
def vocabulary(session: SessionDep) -> dict[str, list[dict[str, Any]]]:
    """Roles, statuses (with rank), stances, condition types, basis and certainty values."""
    return service.vocabulary(session)
