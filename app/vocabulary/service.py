"""The codebook's identifiers as the database holds them."""

from typing import Any

from sqlalchemy.orm import Session

from app.vocabulary.models import VOCABULARY_TABLES
from app.vocabulary.queries import terms


def vocabulary(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Each vocabulary (roles, statuses with their rank, stances, ...) as a list of its
    terms' fields, in the codebook's order."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, model in VOCABULARY_TABLES.items():
        out[name] = [
            {k: v for k, v in vars(t).items() if not k.startswith("_") and k != "sort_order"}
            for t in terms(session, model)
        ]
    return out
