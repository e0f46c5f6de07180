"""Source request and response bodies."""

from datetime import date, datetime

from pydantic import Field

from app.schemas import InputModel, OutputModel


class SourceCreate(InputModel):
    """A new source; its text, when given, is stored once (deduplicated by hash)."""

    title: str = Field(min_length=1, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    published_on: date
    language: str | None = Field(default=None, max_length=8)
    text: str | None = Field(default=None, min_length=1)
    extract: bool = Field(
        default=False,
        description="Also propose the claims the text supports, for review (API only).",
    )


class SourceUpdate(InputModel):
    """Fields to change."""

    title: str | None = Field(default=None, min_length=1, max_length=500)
    outlet: str | None = Field(default=None, max_length=200)
    url: str | None = Field(default=None, max_length=2000, pattern=r"^https?://\S+$")
    published_on: date | None = None
    language: str | None = Field(default=None, max_length=8)
    text: str | None = Field(default=None, min_length=1)


class SourceRead(OutputModel):
    """A source as listed (without its text)."""

    id: int
    title: str
    outlet: str | None
    url: str | None
    published_on: date
    language: str | None
    content_hash: str | None
    has_text: bool
    version: int
    created_at: datetime
    updated_at: datetime


class SourceDetail(SourceRead):
    """A source with its stored text."""

    text: str | None
    # With `extract: true` on creation: the proposed claims recorded, and any skipped.
    proposed_claims: list[int] | None = None
    extraction_warnings: list[str] | None = None


class TextSegment(OutputModel):
    """A run of a source's text; `claims` lists the claims whose evidence covers it."""

    text: str
    claims: list[int]
