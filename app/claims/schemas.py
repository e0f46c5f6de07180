"""Claim request and response bodies: every field of codebook section 1."""

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field, model_validator

from app.listing import INT_MAX
from app.schemas import InputModel, OutputModel
from app.vocab import Basis, Certainty, ClaimKind, ConditionType, ReviewState, Role, Stance, Status


class RequiresIn(InputModel):
    """Another actor's position a condition waits on: `actor` on `role` at
    `status_at_least` or above ("only with US support": US, air_cover, pledged)."""

    actor: str = Field(min_length=1, max_length=64, description="Actor code.")
    role: Role
    status_at_least: Status = Field(description="A rung of the ladder (ruled_out to active).")


class ConditionIn(InputModel):
    """A condition the position is tied to, and what it waits on where that is known: a
    milestone, or another position (not both)."""

    type: ConditionType
    text: str = Field(min_length=1, max_length=2000)
    milestone: str | None = Field(
        default=None, min_length=1, max_length=100, description="Milestone slug."
    )
    requires: RequiresIn | None = None

    @model_validator(mode="after")
    def _one_link(self) -> "ConditionIn":
        if self.milestone is not None and self.requires is not None:
            raise ValueError("link a condition to a milestone or to a position, not both")
        return self


class QuantityIn(InputModel):
    """An amount and its unit, as the text gives them ("5,000 troops")."""

    amount: Decimal = Field(ge=0, max_digits=20, decimal_places=4)
    unit: str = Field(min_length=1, max_length=64)


class EvidenceIn(InputModel):
    """The verbatim span; offsets are checked (or found) when the source text is stored."""

    text: str = Field(min_length=1, max_length=5000)
    start: int | None = Field(default=None, ge=0, le=INT_MAX)
    end: int | None = Field(default=None, ge=1, le=INT_MAX)

    @model_validator(mode="after")
    def _offsets_together(self) -> "EvidenceIn":
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither")
        if self.start is not None and self.end is not None:
            if self.end <= self.start:
                raise ValueError("end must be after start")
            if self.end - self.start != len(self.text):
                raise ValueError("end - start must equal the length of the text")
        return self


class ClaimFields(InputModel):
    """The fields a client writes; shared by create and update."""

    actor: str = Field(min_length=1, description="Actor code (ISO alpha-2 for states).")
    kind: ClaimKind
    role: Role | None = None
    initiative: str | None = Field(default=None, description="Initiative slug.")
    status: Status | None = None
    stance: Stance | None = None
    conditional: bool | None = Field(
        default=None, description="Defaults to whether any condition is given."
    )
    conditions: list[ConditionIn] = []
    limits: str | None = Field(default=None, max_length=2000)
    quantity: QuantityIn | None = None
    certainty: Certainty = Certainty.HIGH
    basis: Basis
    speaker: str | None = Field(default=None, description="Code of the person who voiced it.")
    reported_by: str | None = Field(default=None, max_length=200)
    via: list[str] = []
    stated_on: date
    source_id: int = Field(ge=1, le=INT_MAX)
    evidence: EvidenceIn
    note: str | None = None
    review_state: ReviewState = ReviewState.PROPOSED


class ClaimCreate(ClaimFields):
    """A new claim."""


class ClaimUpdate(InputModel):
    """Fields to change; the merged claim is checked as a whole."""

    actor: str | None = None
    kind: ClaimKind | None = None
    role: Role | None = None
    initiative: str | None = None
    status: Status | None = None
    stance: Stance | None = None
    conditional: bool | None = None
    conditions: list[ConditionIn] | None = None
    limits: str | None = None
    quantity: QuantityIn | None = None
    certainty: Certainty | None = None
    basis: Basis | None = None
    speaker: str | None = None
    reported_by: str | None = None
    via: list[str] | None = None
    stated_on: date | None = None
    source_id: int | None = Field(default=None, ge=1, le=INT_MAX)
    evidence: EvidenceIn | None = None
    note: str | None = None
    review_state: ReviewState | None = None


class ClaimRetract(InputModel):
    """Why a claim is retracted."""

    reason: str = Field(min_length=1, max_length=2000)


class ClaimAccept(ClaimUpdate):
    """Accepting a proposed claim: field changes to make first (edit-and-accept), if any."""

    review_note: str | None = Field(
        default=None, max_length=2000, description="The reviewer's note, kept with the claim."
    )


class ClaimReject(InputModel):
    """Why a proposed claim is rejected."""

    reason: str = Field(min_length=1, max_length=2000)


class RequiresRead(OutputModel):
    """The position a condition waits on."""

    actor: str
    role: str
    status_at_least: str


class ConditionRead(OutputModel):
    """A condition of a claim, with the milestone or position it waits on (null: none
    linked)."""

    type: str
    text: str
    milestone: str | None = None
    requires: RequiresRead | None = None


class QuantityRead(OutputModel):
    """A claim's quantity."""

    amount: Decimal
    unit: str | None


class EvidenceRead(OutputModel):
    """The verbatim span; offsets are null when the source's text is not stored."""

    text: str
    start: int | None
    end: int | None


class SourceRef(OutputModel):
    """What a reader needs of the source without another call."""

    id: int
    title: str
    outlet: str | None
    url: str | None
    published_on: date


class ClaimRead(OutputModel):
    """A claim with its actor, initiative and source named."""

    id: int
    actor: str
    actor_name: str
    actor_kind: str
    kind: str
    role: str | None
    initiative: str | None
    initiative_name: str | None
    status: str | None
    status_rank: int | None
    stance: str | None
    conditional: bool
    conditions: list[ConditionRead]
    limits: str | None
    quantity: QuantityRead | None
    certainty: str
    basis: str
    speaker: str | None
    speaker_name: str | None
    reported_by: str | None
    via: list[str]
    stated_on: date
    source: SourceRef
    evidence: EvidenceRead
    note: str | None
    review_state: str
    duplicates: int | None = Field(
        description=(
            "The id of an earlier claim this one repeats (same actor, object and source, "
            "overlapping evidence), or null: a reviewer rejects or retracts the repeat."
        )
    )
    review_note: str | None = Field(description="The reviewer's note; a rejection's reason.")
    reviewed_by: int | None = Field(description="Id of the user who accepted or rejected it.")
    reviewed_at: datetime | None
    created_by: int | None = Field(description="Id of the user who recorded it.")
    retracted: bool
    retracted_at: datetime | None
    retraction_reason: str | None
    version: int
    created_at: datetime
    updated_at: datetime
