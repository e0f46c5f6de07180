"""Initiative request and response bodies."""

from datetime import date, datetime

from pydantic import Field

from app.claims.schemas import ClaimRead
from app.schemas import InputModel, OutputModel

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class InitiativeCreate(InputModel):
    """A new initiative."""

    slug: str = Field(min_length=2, max_length=100, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    description: str | None = None
    proposer: str | None = Field(default=None, description="Code of the proposing actor.")
    first_reported_on: date | None = None


class InitiativeUpdate(InputModel):
    """Fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = None
    proposer: str | None = None
    first_reported_on: date | None = None


class InitiativeRead(OutputModel):
    """An initiative with its proposer's code and name."""

    slug: str
    name: str
    description: str | None
    proposer: str | None
    proposer_name: str | None
    first_reported_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class RoleFillers(OutputModel):
    """A role the initiative involves, with each actor's latest claim to it."""

    role: str
    claims: list[ClaimRead]
