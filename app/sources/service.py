"""Rules about sources: a text is stored once; evidence must stay inside the text."""

import hashlib
from collections.abc import Iterable
from typing import Any, Unpack

from sqlalchemy.orm import Session

from app.claims.service import claim_read
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.listing import Paging
from app.sources import queries
from app.sources.language import detect_language
from app.sources.models import Source
from app.sources.schemas import (
    SourceCreate,
    SourceDetail,
    SourceRead,
    SourceUpdate,
    TextSegment,
)
from app.versioning import check_version


def source_page(
    session: Session,
    asked: Paging,
    sort: str | None = None,
    **filters: Unpack[queries.SourceFilter],
) -> tuple[list[SourceRead], int]:
    """A page of sources (newest first unless sorted otherwise), and the total."""
    rows, total = queries.source_page(session, asked, sort, **filters)
    return [source_read(s) for s in rows], total


def content_hash(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes, which identifies a stored text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def require_source(session: Session, source_id: int) -> Source:
    """The source with this id, or 404."""
    source = queries.source_by_id(session, source_id)
    if source is None:
        raise NotFound(f"No source has the id {source_id}.")
    return source


def source_read(source: Source) -> SourceRead:
    """The source as listed."""
    return SourceRead.model_validate({**_fields(source), "has_text": source.text is not None})


def source_detail(source: Source) -> SourceDetail:
    """The source with its text."""
    return SourceDetail.model_validate(
        {**_fields(source), "has_text": source.text is not None, "text": source.text}
    )


def _fields(source: Source) -> dict[str, object]:
    keys = (
        "id",
        "title",
        "outlet",
        "url",
        "published_on",
        "language",
        "content_hash",
        "version",
        "created_at",
        "updated_at",
    )
    return {k: getattr(source, k) for k in keys}


def _check_unique(
    session: Session, source: Source | None, *, url: str | None, digest: str | None
) -> None:
    if url is not None:
        other = queries.source_by_url(session, url)
        if other is not None and other is not source:
            raise Conflict(
                f"Source {other.id} already has this URL.",
                errors=[FieldError("url", f"already used by source {other.id}")],
                extra={"existing_id": other.id},
            )
    if digest is not None:
        other = queries.source_by_hash(session, digest)
        if other is not None and other is not source:
            raise Conflict(
                f"This text is already stored as source {other.id}.",
                errors=[FieldError("text", f"already stored as source {other.id}")],
                extra={"existing_id": other.id},
            )


def create_source(session: Session, data: SourceCreate) -> Source:
    """Record a new source; a text already stored is refused with the existing id."""
    digest = content_hash(data.text) if data.text is not None else None
    _check_unique(session, None, url=data.url, digest=digest)
    source = Source(
        title=data.title,
        outlet=data.outlet,
        url=data.url,
        published_on=data.published_on,
        # Detected from the text unless the client says which it is.
        language=data.language or detect_language(data.text),
        text=data.text,
        content_hash=digest,
    )
    session.add(source)
    session.flush()
    return source


def update_source(
    session: Session, source_id: int, data: SourceUpdate, *, expected_version: int | None = None
) -> Source:
    """Change a source; a new text must still contain every claim's evidence.

    With `expected_version`, a source changed since that version is refused (412).
    """
    check_version(
        session, Source.version, Source.id == source_id, expected_version, f"Source {source_id}"
    )
    source = require_source(session, source_id)
    fields = data.model_fields_set
    for name in ("title", "published_on"):
        if name in fields and getattr(data, name) is None:
            raise InvalidInput.field(name, "cannot be empty")
    if "url" in fields:
        _check_unique(session, source, url=data.url, digest=None)
        source.url = data.url
    for name in ("title", "outlet", "language", "published_on"):
        if name in fields:
            setattr(source, name, getattr(data, name))
    if data.published_on is not None:
        latest = queries.latest_stated_on(session, source.id)
        if latest is not None and latest > data.published_on:
            raise InvalidInput.field(
                "published_on", f"a claim of this source was stated on {latest}, later than that"
            )
    if "text" in fields:
        _replace_text(session, source, data.text)
        if source.language is None:
            source.language = detect_language(source.text)
    source.version += 1
    source.updated_at = utcnow()
    session.flush()
    return source


def _replace_text(session: Session, source: Source, text: str | None) -> None:
    from app.claims.service import locate_evidence

    digest = content_hash(text) if text is not None else None
    _check_unique(session, source, url=None, digest=digest)
    errors: list[FieldError] = []
    if text is not None:
        for claim in queries.claims_of_source(session, source.id):
            span = locate_evidence(
                text, claim.evidence_text, claim.evidence_start, claim.evidence_end
            )
            if span is None:
                errors.append(
                    FieldError(
                        "text",
                        f"no longer contains the evidence of claim "
                        f"{claim.id}: {claim.evidence_text!r}",
                    )
                )
            elif span != (claim.evidence_start, claim.evidence_end):
                # The claim's offsets move with the text: a write of the claim, too.
                claim.evidence_start, claim.evidence_end = span
                claim.version += 1
                claim.updated_at = utcnow()
    if errors:
        raise InvalidInput("The new text drops evidence that claims rely on.", errors=errors)
    source.text = text
    source.content_hash = digest


def evidence_segments(text: str, spans: Iterable[tuple[int, int, int]]) -> list[TextSegment]:
    """The text cut into plain runs and evidence runs; overlapping spans become one run.

    Each span is (start, end, claim id); spans outside the text are left out.
    """
    merged: list[tuple[int, int, list[int]]] = []
    for start, end, claim_id in sorted(s for s in spans if 0 <= s[0] < s[1] <= len(text)):
        if merged and start < merged[-1][1]:
            first, last, ids = merged[-1]
            merged[-1] = (first, max(last, end), [*ids, claim_id])
        else:
            merged.append((start, end, [claim_id]))
    segments: list[TextSegment] = []
    position = 0
    for start, end, ids in merged:
        if start > position:
            segments.append(TextSegment(text=text[position:start], claims=[]))
        segments.append(TextSegment(text=text[start:end], claims=sorted(set(ids))))
        position = end
    if position < len(text):
        segments.append(TextSegment(text=text[position:], claims=[]))
    return segments


def source_view(session: Session, source_id: int) -> dict[str, Any]:
    """What the dashboard shows of a source: its record, its claims, its marked-up text."""
    source = require_source(session, source_id)
    claims = queries.claims_citing(session, source.id)
    spans = [
        (c.evidence_start, c.evidence_end, c.id)
        for c in claims
        if c.evidence_start is not None and c.evidence_end is not None
    ]
    return {
        "source": source_detail(source),
        "claims": [claim_read(c) for c in claims],
        "segments": evidence_segments(source.text, spans) if source.text is not None else None,
    }
