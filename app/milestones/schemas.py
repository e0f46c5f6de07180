"""Milestone request and response bodies."""

from datetime import date, datetime

from pydantic import Field, model_validator

from app.initiatives.schemas import SLUG_PATTERN
from app.listing import INT_MAX
from app.schemas import InputModel, OutputModel
from app.vocab import ConditionType, MilestoneStateValue

# A history longer than this is not a milestone's: it refuses a body built to exhaust memory.
MAX_STATES = 200


class MilestoneStateIn(InputModel):
    """The milestone's state from a date on, with the verbatim span of the source saying so;
    the offsets are checked (or found) when the source's text is stored."""

    state: MilestoneStateValue
    from_on: date
    source_id: int = Field(ge=1, le=INT_MAX)
    evidence_text: str = Field(min_length=1, max_length=5000)
    evidence_start: int | None = Field(default=None, ge=0, le=INT_MAX)
    evidence_end: int | None = Field(default=None, ge=1, le=INT_MAX)
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _offsets_together(self) -> "MilestoneStateIn":
        # The same shape rules as a claim's evidence (app.claims.schemas.EvidenceIn).
        start, end = self.evidence_start, self.evidence_end
        if (start is None) != (end is None):
            raise ValueError("give both evidence_start and evidence_end, or neither")
        if start is not None and end is not None:
            if end <= start:
                raise ValueError("evidence_end must be after evidence_start")
            if end - start != len(self.evidence_text):
                raise ValueError(
                    "evidence_end - evidence_start must equal the length of evidence_text"
                )
        return self


class MilestoneCreate(InputModel):
    """A new milestone, with its history of states if known."""

    slug: str = Field(min_length=2, max_length=100, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    condition_type: ConditionType = Field(
        description="The type of condition that waits on it (codebook section 6)."
    )
    description: str | None = None
    states: list[MilestoneStateIn] = Field(default=[], max_length=MAX_STATES)


class MilestoneUpdate(InputModel):
    """Fields to change; `states`, when given, replaces the whole history."""

    name: str | None = Field(default=None, min_length=1, max_length=300)
    condition_type: ConditionType | None = None
    description: str | None = None
    states: list[MilestoneStateIn] | None = Field(default=None, max_length=MAX_STATES)


class MilestoneStateRead(OutputModel):
    """One state of the history, with its source's title."""

    state: MilestoneStateValue
    from_on: date
    source_id: int
    source_title: str
    evidence_text: str
    evidence_start: int | None
    evidence_end: int | None
    note: str | None


class MilestoneRead(OutputModel):
    """A milestone, its state as of a day (`pending` without `state_since` when no state
    had begun), and its whole history by date."""

    slug: str
    name: str
    condition_type: ConditionType
    description: str | None
    state: MilestoneStateValue = Field(description="The state as of the day asked (as_of).")
    state_since: date | None = Field(
        description="The date that state began; null when no state had begun by then."
    )
    states: list[MilestoneStateRead]
    version: int
    created_at: datetime
    updated_at: datetime
