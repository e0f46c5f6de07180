"""Extraction as a service: propose claims for a text; ingest texts as sources with claims."""

from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.claims import service as claim_service
from app.claims.schemas import ClaimCreate
from app.errors import AppError, InvalidInput
from app.extraction.actors import INDEX_CACHE
from app.extraction.extractor import Extractor
from app.extraction.schemas import (
    ExtractRequest,
    ExtractResponse,
    ProposedClaim,
    SourceExtraction,
)
from app.sources import queries as source_queries
from app.sources import service as source_service
from app.sources.language import EXTRACTION_LANGUAGE, detect_language, language_name
from app.sources.models import Source
from app.sources.schemas import SourceCreate, SourceDetail
from app.vocab import ReviewState


def extractor_for(session: Session) -> Extractor:
    """An extractor over the actors in the database now (compiled once per snapshot)."""
    return Extractor(INDEX_CACHE.get(session))


def unreadable(language: str | None) -> str | None:
    """Why the rules cannot read a text in this language, or None when they can (English,
    or a language too uncertain to tell)."""
    if language is None or language.split("-")[0].lower() == EXTRACTION_LANGUAGE:
        return None
    return (
        f"The text is in {language_name(language)} ({language}): the extraction rules read "
        "English only, so no claim was proposed. Code its claims by hand, or extract from "
        "an English translation."
    )


def source_language(source: Source) -> str | None:
    """The language a source's text is read as: the one stored (given or detected when it
    was recorded), else detected now."""
    return source.language or detect_language(source.text)


def extract_claims(session: Session, data: ExtractRequest) -> ExtractResponse:
    """The claims the text supports; nothing is stored."""
    language = detect_language(data.text)
    message = unreadable(language)
    if message is not None:
        return ExtractResponse(claims=[], language=language, readable=False, message=message)
    claims = extractor_for(session).extract(data.text, data.published_on, outlet=data.outlet)
    return ExtractResponse(claims=claims, language=language)


@dataclass
class IngestResult:
    """What ingesting one text did."""

    source_id: int | None
    existing_id: int | None = None
    language: str | None = None
    readable: bool = True
    proposed: int = 0
    recorded: int = 0
    duplicates: int = 0
    warnings: list[str] = field(default_factory=list)
    claim_ids: list[int] = field(default_factory=list)


def ingest_text(
    session: Session,
    text: str,
    *,
    title: str,
    published_on: date,
    outlet: str | None = None,
    url: str | None = None,
    again: bool = False,
) -> IngestResult:
    """Store the text as a source and its proposed claims (review_state `proposed`).

    A text already stored is skipped (its source id is reported), unless `again`: then its
    claims are proposed into that source, those it already has skipped. A proposed claim
    the claims service refuses (an unknown speaker, an office not held that day, ...) is
    skipped with a warning; it never stops the ingest.
    """
    data = SourceCreate(
        title=title[:500], outlet=outlet, url=url, published_on=published_on, text=text
    )
    # The text as stored (inputs are stripped): its hash and its offsets are the ones used.
    stored = data.text or ""
    existing = source_queries.source_by_hash(session, source_service.content_hash(stored))
    if existing is not None and again:
        result = propose_for_source(session, existing)
        result.existing_id = existing.id
        return result
    if existing is not None:
        return IngestResult(source_id=None, existing_id=existing.id)
    source = source_service.create_source(session, data)
    return propose_for_source(session, source)


def extract_for_source(session: Session, source_id: int) -> SourceExtraction:
    """Propose the claims of a stored source's text again (after the rules improved, or for
    a source recorded without `extract`); those the source already has are skipped."""
    source = source_service.require_source(session, source_id)
    if source.text is None:
        raise InvalidInput.field("text", f"source {source_id} has no stored text to read")
    result = propose_for_source(session, source)
    return SourceExtraction(
        source_id=source.id,
        language=result.language,
        readable=result.readable,
        proposed_claims=result.claim_ids,
        duplicates=result.duplicates,
        warnings=result.warnings,
    )


def record_source(session: Session, data: SourceCreate) -> SourceDetail:
    """Record a new source and, when `data.extract` asks for it, propose its claims for
    review (their ids and any warning in the answer)."""
    source = source_service.create_source(session, data)
    detail = source_service.source_detail(source)
    if data.extract:
        result = propose_for_source(session, source)
        detail.proposed_claims = result.claim_ids
        detail.extraction_warnings = result.warnings
    return detail


def propose_for_source(session: Session, source: Source) -> IngestResult:
    """Extract the stored text's claims and record them as proposed, for review.

    A proposed claim the claims service refuses (an unknown speaker, an office not held
    that day, ...) is skipped with a warning; it never stops the others. So is one that
    repeats a claim the source already has (same actor and object, overlapping evidence).
    """
    result = IngestResult(source_id=source.id)
    if source.text is None:
        return result
    result.language = source_language(source)
    message = unreadable(result.language)
    if message is not None:
        result.readable = False
        result.warnings.append(message)
        return result
    claims = extractor_for(session).extract(source.text, source.published_on, outlet=source.outlet)
    result.proposed = len(claims)
    for claim in claims:
        label = f"{claim.actor} {claim.role or claim.initiative}"
        try:
            create = ClaimCreate.model_validate({**_claim_fields(claim), "source_id": source.id})
            with session.begin_nested():
                recorded = claim_service.record_claim(session, create)
                if recorded.duplicate_of_id is not None:
                    raise _Repeats(recorded.duplicate_of_id)
            result.recorded += 1
            result.claim_ids.append(recorded.id)
        except _Repeats as repeat:
            result.duplicates += 1
            result.warnings.append(f"{label}: skipped: duplicates claim {repeat.claim_id}")
        except AppError as exc:
            result.warnings.append(f"{label}: skipped: {exc.detail}")
        except ValidationError as exc:
            result.warnings.append(f"{label}: skipped: {exc.errors()[0]['msg']}")
    return result


class _Repeats(Exception):
    """A proposed claim repeats one already stored: its savepoint is rolled back."""

    def __init__(self, claim_id: int) -> None:
        super().__init__(claim_id)
        self.claim_id = claim_id


def _claim_fields(claim: ProposedClaim) -> dict[str, object]:
    fields = claim.model_dump(exclude={"actor_name"})
    fields["review_state"] = ReviewState.PROPOSED.value
    if fields["quantity"] is not None:
        fields["quantity"]["unit"] = fields["quantity"]["unit"][:64]
    return fields
