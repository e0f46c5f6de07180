"""Extraction request and response bodies: proposed claims in the claims API's field names."""

from datetime import date
from decimal import Decimal

from pydantic import Field

from app.schemas import InputModel, OutputModel

MAX_TEXT_CHARS = 200_000


class ExtractRequest(InputModel):
    """A news text to read; nothing is stored."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    published_on: date
    title: str | None = Field(default=None, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)


class ProposedCondition(OutputModel):
    """A condition the position is tied to."""

    type: str
    text: str


class ProposedQuantity(OutputModel):
    """An amount and its unit, as the text gives them."""

    amount: Decimal
    unit: str


class ProposedEvidence(OutputModel):
    """The span of the text that supports the claim: text == source[start:end]."""

    start: int
    end: int
    text: str


class ProposedClaim(OutputModel):
    """A claim the extractor proposes, in the shape `POST /api/v1/claims` takes it."""

    actor: str
    actor_name: str | None = None
    kind: str
    role: str | None = None
    initiative: str | None = None
    status: str | None = None
    stance: str | None = None
    conditional: bool = False
    conditions: list[ProposedCondition] = []
    limits: str | None = None
    quantity: ProposedQuantity | None = None
    certainty: str = "high"
    basis: str
    speaker: str | None = None
    reported_by: str | None = None
    via: list[str] = []
    stated_on: date
    evidence: ProposedEvidence
    note: str | None = None


class ExtractResponse(OutputModel):
    """The proposed claims, in the order their evidence appears."""

    claims: list[ProposedClaim]
    language: str | None = Field(
        default=None,
        description="The text's language (ISO 639-1) as detected; null when too short to tell.",
    )
    readable: bool = Field(
        default=True,
        description="False when the text is in a language the rules cannot read (they read "
        "English): then `claims` is empty and `message` says why.",
    )
    message: str | None = Field(default=None, description="Why no claim was proposed, if so.")


class SourceExtraction(OutputModel):
    """What proposing a stored source's claims did."""

    source_id: int
    language: str | None = Field(description="The source's language (ISO 639-1), if known.")
    readable: bool = Field(description="False when the rules cannot read that language.")
    proposed_claims: list[int] = Field(description="Ids of the claims recorded as proposed.")
    duplicates: int = Field(
        description="Proposed claims skipped because the source already has them (same "
        "actor and object, overlapping evidence)."
    )
    warnings: list[str] = Field(
        description='Each claim skipped and why ("GB ground_forces: skipped: duplicates '
        'claim 12"), or why nothing was read.'
    )


class ReadingClaim(OutputModel):
    """The claim a selection reads as, in the shape `POST /api/v1/claims` takes it; null
    where nothing could be read (a person chooses it)."""

    actor: str | None = None
    actor_name: str | None = None
    kind: str | None = None
    role: str | None = None
    initiative: str | None = None
    status: str | None = None
    stance: str | None = None
    conditional: bool = False
    conditions: list[ProposedCondition] = []
    limits: str | None = None
    quantity: ProposedQuantity | None = None
    certainty: str = "high"
    basis: str | None = None
    speaker: str | None = None
    reported_by: str | None = None
    via: list[str] = []
    stated_on: date
    evidence: ProposedEvidence = Field(
        description="The selection, trimmed of white space: text == source text[start:end]."
    )
    note: str | None = Field(default=None, description="Why the extractor reads it so.")


class SelectionReading(OutputModel):
    """A selection of a stored source's text, read as a claim: the prefill of a claim form."""

    source_id: int
    read_from: str = Field(
        description="`proposal`: `claim` is the extractor's proposal whose evidence overlaps "
        "the selection most (its evidence replaced by the selection); `sentence`: no proposal "
        "overlaps it, so `claim` holds only what the selection's sentence gives (its day, the "
        "first actor and speaker it names, its conditions and outlets); `none`: the text is "
        "in a language the rules cannot read, so only the publication date and outlet."
    )
    claim: ReadingClaim
    alternatives: list[ProposedClaim] = Field(
        description="The other proposals whose evidence overlaps the selection, best overlap "
        "first, each with its own evidence."
    )
    initiative_from: int | None = Field(
        default=None,
        description="For a commitment, whose initiative the extractor does not read: the "
        "id of the source's claim nearest the selection in its paragraph whose initiative "
        "`claim` offers (null when none).",
    )
    language: str | None = Field(default=None, description="The source's language, if known.")
    readable: bool = Field(description="False when the rules cannot read that language.")
    message: str | None = Field(
        default=None, description="What was not read and is left to the person coding."
    )
