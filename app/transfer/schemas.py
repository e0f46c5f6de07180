"""The JSON Lines export format: one typed record per line, referencing by code and slug."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, StringConstraints, Tag, TypeAdapter

from app.actors.schemas import AliasIn
from app.claims.schemas import ClaimFields
from app.initiatives.schemas import NEEDS_MAX, SLUG_PATTERN, NeedIn
from app.listing import INT_MAX
from app.milestones.schemas import MilestoneCreate
from app.schemas import InputModel

FORMAT_VERSION = 1


class HeaderRecord(InputModel):
    """The first line: what wrote the file."""

    type: Literal["posture-export"]
    format: int
    exported_at: datetime


class Stamped(InputModel):
    """Version and timestamps, kept as they were."""

    version: int = Field(default=1, ge=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None


# Field limits repeat the create schemas' (and the columns'), so that every backend refuses the
# same lines, each with its field, instead of PostgreSQL failing on a too-long value.
class ActorRecord(Stamped):
    """An actor with its aliases."""

    type: Literal["actor"]
    code: str = Field(min_length=2, max_length=64)
    kind: str
    name: str = Field(min_length=1, max_length=200)
    description: str | None = None
    aliases: list[AliasIn] = []


class MembershipRecord(InputModel):
    """A membership, by codes."""

    type: Literal["membership"]
    group: str
    member: str
    from_on: date | None = None
    until_on: date | None = None


class AffiliationRecord(InputModel):
    """An affiliation, by codes."""

    type: Literal["affiliation"]
    person: str
    actor: str
    office: str = Field(min_length=1, max_length=200)
    from_on: date | None = None
    until_on: date | None = None


class InitiativeRecord(Stamped):
    """An initiative, by slug, with its needs."""

    type: Literal["initiative"]
    slug: str = Field(min_length=2, max_length=100, pattern=SLUG_PATTERN)
    name: str = Field(min_length=1, max_length=300)
    description: str | None = None
    proposer: str | None = None
    first_reported_on: date | None = None
    needs: list[NeedIn] = Field(default=[], max_length=NEEDS_MAX)


class SourceRecord(Stamped):
    """A source with its id and text."""

    type: Literal["source"]
    id: int = Field(ge=1, le=INT_MAX)
    title: str = Field(min_length=1, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    published_on: date
    language: str | None = Field(default=None, max_length=8)
    # Kept verbatim: the seed loader stores article files as read, and the hash covers every byte.
    text: Annotated[str | None, StringConstraints(strip_whitespace=False)] = None
    content_hash: str | None = Field(default=None, max_length=64)


class MilestoneRecord(MilestoneCreate):
    """A milestone, by slug, with its states (each naming its source by id)."""

    type: Literal["milestone"]
    version: int = Field(default=1, ge=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ClaimRecord(ClaimFields):
    """A claim with its id, review and retraction state."""

    type: Literal["claim"]
    id: int = Field(ge=1, le=INT_MAX)
    retracted_at: datetime | None = None
    retraction_reason: str | None = None
    review_note: str | None = None
    reviewed_at: datetime | None = None
    version: int = Field(default=1, ge=1)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class SnapshotRecord(InputModel):
    """A citable snapshot, its cells the canonical JSON text its hash is of."""

    type: Literal["snapshot"]
    id: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    title: str | None = Field(default=None, max_length=300)
    as_of: date
    known_as_of: date | None = None
    question: dict[str, Any] = {}
    # Kept verbatim: the content hash covers every byte.
    cells: Annotated[str, StringConstraints(strip_whitespace=False)]
    cell_count: int = Field(ge=0, le=INT_MAX)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    created_by: str | None = None
    created_at: datetime | None = None


def _record_type(value: Any) -> Any:
    return value.get("type") if isinstance(value, dict) else getattr(value, "type", None)


# The records are told apart by a function, not by their `type` field's schema: that field
# passes InputModel's validators like any other, which pydantic refuses in a discriminator.
Record = Annotated[
    Annotated[HeaderRecord, Tag("posture-export")]
    | Annotated[ActorRecord, Tag("actor")]
    | Annotated[MembershipRecord, Tag("membership")]
    | Annotated[AffiliationRecord, Tag("affiliation")]
    | Annotated[InitiativeRecord, Tag("initiative")]
    | Annotated[SourceRecord, Tag("source")]
    | Annotated[MilestoneRecord, Tag("milestone")]
    | Annotated[ClaimRecord, Tag("claim")]
    | Annotated[SnapshotRecord, Tag("snapshot")],
    Discriminator(_record_type),
]
RECORD = TypeAdapter[Record](Record)


class ImportReport(InputModel):
    """What an import wrote, by record type."""

    created: dict[str, int]
    updated: dict[str, int]
