"""Snapshot request and response bodies."""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from app.schemas import InputModel, IsoDate, OutputModel
from app.vocab import ClaimKind, Role

NAME_MAX = 100
# Most values one filter of a question takes (a matrix of every actor needs none).
MAX_NAMES = 200
ROLE_IDS = [r.value for r in Role]

# An actor code, initiative slug or milestone slug as a question names it.
Name = Annotated[str, StringConstraints(min_length=1, max_length=NAME_MAX)]
NAME_SCHEMA = {"type": "string", "minLength": 1, "maxLength": NAME_MAX}
ROLE_SCHEMA = {"type": "string", "enum": ROLE_IDS}


def _one_or_many(value: Any) -> Any:
    # One value stands for a list of one.
    return [value] if isinstance(value, str) else value


def _known_roles(values: list[str]) -> list[str]:
    # Checked here, not by the enum, so that the error names the field ("role"), not an item.
    unknown = [v for v in values if v not in ROLE_IDS]
    if unknown:
        raise ValueError(
            f"unknown role {', '.join(map(repr, unknown))}; choose from {', '.join(ROLE_IDS)}"
        )
    return values


def _one_or_many_schema(item: dict[str, Any], what: str) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [item, {"type": "array", "items": item, "maxItems": MAX_NAMES}],
            "description": f"{what}: one, or a list.",
        },
        mode="validation",
    )


Roles = Annotated[
    list[str],
    Field(max_length=MAX_NAMES),
    BeforeValidator(_one_or_many),
    AfterValidator(_known_roles),
    _one_or_many_schema(ROLE_SCHEMA, "Role id"),
]
Initiatives = Annotated[
    list[Name],
    Field(max_length=MAX_NAMES),
    BeforeValidator(_one_or_many),
    _one_or_many_schema(NAME_SCHEMA, "Initiative slug"),
]
Actors = Annotated[
    list[Name],
    Field(max_length=MAX_NAMES),
    BeforeValidator(_one_or_many),
    _one_or_many_schema(NAME_SCHEMA, "Actor code"),
]
Milestones = Annotated[
    list[Name],
    Field(max_length=MAX_NAMES),
    BeforeValidator(_one_or_many),
    _one_or_many_schema(NAME_SCHEMA, "Slug of a milestone taken as met"),
]


class SnapshotCreate(InputModel):
    """The matrix question to freeze: the filters of GET /api/v1/positions, and a title.

    `role`, `initiative`, `actor` and `assume` take one value or a list of values."""

    as_of: IsoDate = Field(description="The date the positions are as of.")
    known_as_of: IsoDate | None = Field(
        default=None, description="Use only sources published on or before this date."
    )
    kind: ClaimKind | None = Field(default=None, description="Commitments or stances only.")
    role: Roles | None = None
    initiative: Initiatives | None = None
    group: Name | None = Field(
        default=None, description="Only members of this group or organisation at the date."
    )
    actor: Actors | None = None
    assume: Milestones | None = None
    inherit: bool = Field(
        default=False, description="Members without a claim take their bloc's position."
    )
    title: str | None = Field(default=None, min_length=1, max_length=300)


class SnapshotQuestion(OutputModel):
    """The matrix question a snapshot answers, every filter as a list."""

    kind: str | None = None
    role: list[str] = []
    initiative: list[str] = []
    group: str | None = None
    actor: list[str] = []
    assume: list[str] = []
    inherit: bool = False


class Citation(OutputModel):
    """How to cite a snapshot: a line of text, and a BibTeX entry."""

    text: str
    bibtex: str


class SnapshotSummary(OutputModel):
    """A snapshot without its cells: what it answers, when, by whom, and its hash."""

    id: str
    url: str = Field(description="The snapshot's permanent page.")
    title: str | None
    as_of: date
    known_as_of: date | None
    question: SnapshotQuestion
    cell_count: int
    content_hash: str = Field(
        description="SHA-256 (hex) of the cells as canonical JSON (UTF-8): sorted keys, "
        "no spaces, dates YYYY-MM-DD."
    )
    created_at: datetime
    created_by: str | None = Field(description="The username of who took it, if known.")
    citation: Citation


class SnapshotRead(SnapshotSummary):
    """A snapshot with its frozen cells, exactly as stored."""

    cells: list[dict[str, Any]] = Field(
        description="The matrix's cells as they were when the snapshot was taken."
    )
