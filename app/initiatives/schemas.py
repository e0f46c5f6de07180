"""Initiative request and response bodies."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from app.claims.schemas import ClaimRead
from app.schemas import InputModel, OutputModel
from app.vocab import Role

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class NeedIn(InputModel):
    """A role the initiative needs filled and, where it says, how much of it: an amount
    with its unit, or neither."""

    role: Role
    quantity_amount: Decimal | None = Field(default=None, gt=0, max_digits=20, decimal_places=4)
    quantity_unit: str | None = Field(default=None, min_length=1, max_length=64)


# One need per role: a longer list repeats a role.
NEEDS_MAX = len(Role)


class InitiativeCreate(InputModel):
    """A new initiative."""

    slug: str = Field(min_length=2, max_length=100, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    description: str | None = None
    proposer: str | None = Field(default=None, description="Code of the proposing actor.")
    first_reported_on: date | None = None
    needs: list[NeedIn] = Field(
        default=[], max_length=NEEDS_MAX, description="What it needs per role, one per role."
    )


class InitiativeUpdate(InputModel):
    """Fields to change."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = None
    proposer: str | None = None
    first_reported_on: date | None = None
    needs: list[NeedIn] | None = Field(
        default=None,
        max_length=NEEDS_MAX,
        description="Replaces the whole list (null or [] clears it).",
    )


class NeedRead(OutputModel):
    """A role the initiative needs, with the quantity where it gives one."""

    role: str
    quantity_amount: Decimal | None
    quantity_unit: str | None


class InitiativeRead(OutputModel):
    """An initiative with its proposer's code and name."""

    slug: str
    name: str
    description: str | None
    proposer: str | None
    proposer_name: str | None
    first_reported_on: date | None
    needs: list[NeedRead] = []
    version: int
    created_at: datetime
    updated_at: datetime


class RoleFillers(OutputModel):
    """A role the initiative involves, with each actor's latest claim to it."""

    role: str
    claims: list[ClaimRead]


class NeedActor(OutputModel):
    """An actor counted toward a need: its position on the role as of the date, and the
    deciding claim with its quantity and evidence."""

    actor: str
    actor_name: str
    status: str | None
    claim_id: int
    quantity_amount: Decimal | None
    quantity_unit: str | None
    in_effect: bool
    evidence: str
    source_id: int


class NeedFill(OutputModel):
    """How far a need is filled as of the date.

    `rungs`: the actors on each status; `pledged_quantity`: the sum of the quantities in
    the need's unit of the actors at `pledged` or above (null when the need gives no
    quantity); `filled`: that sum reaches the need's quantity or, without one, some actor
    is at `pledged` or above. The `*_in_effect` fields count only positions in effect."""

    role: str
    quantity_amount: Decimal | None
    quantity_unit: str | None
    rungs: dict[str, list[str]]
    actors: list[NeedActor]
    pledged_quantity: Decimal | None
    in_effect_quantity: Decimal | None
    filled: bool
    filled_in_effect: bool


class InitiativeNeeds(OutputModel):
    """An initiative's needs as of a date (known as of another, when given, with the
    milestones in `assume` taken as met): unfilled first, then by role."""

    initiative: str
    initiative_name: str
    as_of: date
    known_as_of: date | None
    assume: list[str]
    needs: list[NeedFill]
