"""Review request and response bodies: decisions on many proposed claims at once."""

from typing import Literal

from pydantic import Field

from app.claims.schemas import ClaimRead
from app.listing import INT_MAX
from app.schemas import InputModel, OutputModel

# One call decides at most this many claims (a source's proposals fit many times over).
MAX_DECISIONS = 500


class ReviewDecision(InputModel):
    """Accept or reject one proposed claim, at the version the reviewer read."""

    claim: int = Field(ge=1, le=INT_MAX, description="The proposed claim's id.")
    version: int = Field(
        ge=1,
        le=INT_MAX,
        description="The claim's version as read (its ETag without quotes): this decision's "
        "If-Match. A claim changed since is refused, and with it the whole call.",
    )
    decision: Literal["accept", "reject"]
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=2000,
        description="Why it is rejected: required to reject; a note kept with it to accept.",
    )


class ReviewDecisions(InputModel):
    """Decisions on several proposed claims, applied all together or not at all."""

    decisions: list[ReviewDecision] = Field(min_length=1, max_length=MAX_DECISIONS)


class ReviewOutcome(OutputModel):
    """The claims as the decisions left them, in the order of the decisions."""

    accepted: int
    rejected: int
    claims: list[ClaimRead]
