"""Extraction as a service: propose claims for a text; ingest texts as sources with claims."""

from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.claims import service as claim_service
from app.claims.schemas import ClaimCreate
from app.errors import AppError
from app.extraction.actors import INDEX_CACHE
from app.extraction.extractor import Extractor
from app.extraction.schemas import ExtractRequest, ExtractResponse, ProposedClaim
from app.sources import queries as source_queries
from app.sources import service as source_service
from app.sources.models import Source
from app.sources.schemas import SourceCreate, SourceDetail
from app.vocab import ReviewState


def extractor_for(session: Session) -> Extractor:
    """An extractor over the actors in the database now (compiled once per snapshot)."""
    return Extractor(INDEX_CACHE.get(session))


def extract_claims(session: Session, data: ExtractRequest) -> ExtractResponse:
    """The claims the text supports; nothing is stored."""
    claims = extractor_for(session).extract(data.text, data.published_on, outlet=data.outlet)
    return ExtractResponse(claims=claims)


@dataclass
class IngestResult:
    """What ingesting one text did."""

    source_id: int | None
    existing_id: int | None = None
    proposed: int = 0
    recorded: int = 0
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
) -> IngestResult:
    """Store the text as a source and its proposed claims (review_state `proposed`).

    A text already stored is skipped (its source id is reported). A proposed claim the
    claims service refuses (an unknown speaker, an office not held that day, ...) is
    skipped with a warning; it never stops the ingest.
    """
    data = SourceCreate(
        title=title[:500], outlet=outlet, url=url, published_on=published_on, text=text
    )
    # The text as stored (inputs are stripped): its hash and its offsets are the ones used.
    stored = data.text or ""
    existing = source_queries.source_by_hash(session, source_service.content_hash(stored))
    if existing is not None:
        return IngestResult(source_id=None, existing_id=existing.id)
    source = source_service.create_source(session, data)
    return propose_for_source(session, source)


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
    that day, ...) is skipped with a warning; it never stops the others.
    """
    result = IngestResult(source_id=source.id)
    if source.text is None:
        return result
    claims = extractor_for(session).extract(source.text, source.published_on, outlet=source.outlet)
    result.proposed = len(claims)
    for claim in claims:
        label = f"{claim.actor} {claim.role or claim.initiative}"
        try:
            create = ClaimCreate.model_validate({**_claim_fields(claim), "source_id": source.id})
            with session.begin_nested():
                recorded = claim_service.record_claim(session, create)
            result.recorded += 1
            result.claim_ids.append(recorded.id)
        except AppError as exc:
            result.warnings.append(f"{label}: skipped: {exc.detail}")
        except ValidationError as exc:
            result.warnings.append(f"{label}: skipped: {exc.errors()[0]['msg']}")
    return result


def _claim_fields(claim: ProposedClaim) -> dict[str, object]:
    fields = claim.model_dump(exclude={"actor_name"})
    fields["review_state"] = ReviewState.PROPOSED.value
    if fields["quantity"] is not None:
        fields["quantity"]["unit"] = fields["quantity"]["unit"][:64]
    return fields
