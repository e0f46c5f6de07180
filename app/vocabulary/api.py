"""GET /api/v1/vocabulary: the codebook's identifiers, as the database holds them."""

from typing import Any

from fastapi import APIRouter

from app.db import SessionDep
from app.errors import API_RESPONSES
from app.vocabulary.models import VOCABULARY_TABLES
from app.vocabulary.queries import terms

router = APIRouter(prefix="/api/v1", tags=["vocabulary"], responses=API_RESPONSES)


@router.get("/vocabulary")
def vocabulary(session: SessionDep) -> dict[str, list[dict[str, Any]]]:
    """Roles, statuses (with rank), stances, condition types, basis and certainty values."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, model in VOCABULARY_TABLES.items():
        out[name] = [
            {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "sort_order"}
            for t in terms(session, model)
        ]
    return out
