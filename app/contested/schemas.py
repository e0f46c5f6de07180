"""Contested cells' response bodies: each cell with its deciding day's claims."""

from datetime import date

from app.claims.schemas import SourceRef
from app.schemas import OutputModel


class ContestedClaim(OutputModel):
    """One counting claim of a contested cell's deciding day. `decides`: the as-of rule
    picks it (the cell's `decided_by`); `version` is what a write's If-Match names."""

    claim_id: int
    status: str | None
    stance: str | None
    conditional: bool
    basis: str
    certainty: str
    speaker: str | None
    evidence: str
    source: SourceRef
    stated_on: date
    version: int
    decides: bool


class ContestedCell(OutputModel):
    """A cell whose deciding day's claims disagree and come from more than one source,
    with every one of those claims, the as-of rule's pick first."""

    actor: str
    actor_name: str
    kind: str
    role: str | None
    initiative: str | None
    initiative_name: str | None
    stated_on: date
    decided_by: int
    claims: list[ContestedClaim]


class ContestedCells(OutputModel):
    """The contested cells as of a date (known as of another, when given), ordered by
    actor and object."""

    as_of: date
    known_as_of: date | None
    total: int
    cells: list[ContestedCell]
