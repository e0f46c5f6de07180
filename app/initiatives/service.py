"""Rules about initiatives: unique slugs, known proposers."""

from typing import Any

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.initiatives import queries
from app.initiatives.models import Initiative
from app.initiatives.schemas import InitiativeCreate, InitiativeRead, InitiativeUpdate


def require_initiative(session: Session, slug: str) -> Initiative:
    """The initiative with this slug, or 404."""
    initiative = queries.initiative_by_slug(session, slug)
    if initiative is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    return initiative


def _proposer_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = actor_queries.actor_ids_by_code(session, [code])
    if code not in found:
        raise InvalidInput.field("proposer", f"unknown actor '{code}'")
    return found[code]


def initiative_read(row: Any) -> InitiativeRead:
    """Shape an (initiative, proposer code, proposer name) row."""
    initiative, code, name = row
    return InitiativeRead.model_validate(
        {
            **{
                k: getattr(initiative, k)
                for k in (
                    "slug",
                    "name",
                    "description",
                    "first_reported_on",
                    "version",
                    "created_at",
                    "updated_at",
                )
            },
            "proposer": code,
            "proposer_name": name,
        }
    )


def read_initiative(session: Session, slug: str) -> InitiativeRead:
    """One initiative as the API shows it, or 404."""
    row = queries.initiative_row(session, slug)
    if row is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    return initiative_read(row)


def create_initiative(session: Session, data: InitiativeCreate) -> Initiative:
    """Record a new initiative."""
    if queries.initiative_by_slug(session, data.slug) is not None:
        raise Conflict(
            f"An initiative with the slug '{data.slug}' already exists.",
            errors=[FieldError("slug", "already taken")],
            extra={"existing_id": data.slug},
        )
    initiative = Initiative(
        slug=data.slug,
        name=data.name,
        description=data.description,
        proposer_id=_proposer_id(session, data.proposer),
        first_reported_on=data.first_reported_on,
    )
    session.add(initiative)
    session.flush()
    return initiative


def update_initiative(session: Session, slug: str, data: InitiativeUpdate) -> Initiative:
    """Change an initiative's fields."""
    initiative = require_initiative(session, slug)
    fields = data.model_fields_set
    if "name" in fields:
        if data.name is None:
            raise InvalidInput.field("name", "cannot be empty")
        initiative.name = data.name
    if "description" in fields:
        initiative.description = data.description
    if "proposer" in fields:
        initiative.proposer_id = _proposer_id(session, data.proposer)
    if "first_reported_on" in fields:
        initiative.first_reported_on = data.first_reported_on
    initiative.version += 1
    initiative.updated_at = utcnow()
    session.flush()
    return initiative
