"""A selection of a stored source's text read as a claim: what the extractor proposes for
it, to prefill the claim form when a person codes a claim the extractor missed or got
wrong ("select a span, get a claim")."""

import re
from collections.abc import Iterable

from sqlalchemy.orm import Session

from app.errors import FieldError, InvalidInput
from app.extraction.context import SentenceContext
from app.extraction.extractor import Extractor
from app.extraction.schemas import (
    ProposedClaim,
    ProposedCondition,
    ProposedEvidence,
    ReadingClaim,
    SelectionReading,
)
from app.extraction.service import extractor_for, source_language, unreadable
from app.sources import queries as source_queries
from app.sources import service as source_service
from app.sources.models import Source
from app.vocab import ActorKind, ClaimKind, ReviewState

NOT_LINE_BREAK = re.compile(r"[^\n]")

# The longest evidence a claim takes (EvidenceIn.text).
MAX_SELECTION_CHARS = 5000

NOT_PROPOSED = (
    "No claim the extractor proposes overlaps the selection: only its sentence's day, the "
    "first actor and speaker it names, its conditions and outlets were read. Choose the "
    "kind, the role or initiative, the status or stance and the basis."
)


def selection_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The selection [start, end) of the text trimmed of white space at both ends; 422
    naming `start` or `end` when it is not a selection of the text."""
    errors: list[FieldError] = []
    if start >= len(text):
        errors.append(FieldError("start", f"must be less than the text's length, {len(text)}"))
    if end > len(text):
        errors.append(FieldError("end", f"must be at most the text's length, {len(text)}"))
    if end <= start:
        errors.append(FieldError("end", "must be greater than start"))
    if errors:
        raise InvalidInput.of(errors)
    chosen = text[start:end]
    trimmed = chosen.strip()
    if not trimmed:
        raise InvalidInput.field("end", "the selection holds only white space")
    first = start + (len(chosen) - len(chosen.lstrip()))
    last = first + len(trimmed)
    if last - first > MAX_SELECTION_CHARS:
        raise InvalidInput.field("end", f"a selection has at most {MAX_SELECTION_CHARS} characters")
    return first, last


def read_selection(session: Session, source_id: int, start: int, end: int) -> SelectionReading:
    """What the extractor reads in the selection [start, end) of a stored source's text
    (404 for an unknown source, 422 for one without text or a bad selection)."""
    source = source_service.require_source(session, source_id)
    if source.text is None:
        raise InvalidInput.field("source_id", f"source {source_id} has no stored text to read")
    first, last = selection_span(source.text, start, end)
    evidence = ProposedEvidence(start=first, end=last, text=source.text[first:last])
    language = source_language(source)
    message = unreadable(language)
    if message is not None:
        claim = ReadingClaim(
            stated_on=source.published_on, reported_by=source.outlet, evidence=evidence
        )
        return SelectionReading(
            source_id=source.id,
            read_from="none",
            claim=claim,
            alternatives=[],
            language=language,
            readable=False,
            message=message,
        )
    extractor = extractor_for(session)
    proposals = extractor.extract(source.text, source.published_on, outlet=source.outlet)
    ranked = best_overlaps(proposals, first, last)
    if not ranked:
        ranked = best_overlaps(proposals_from_paragraph(extractor, source, first), first, last)
    if ranked:
        claim = ReadingClaim.model_validate({**ranked[0].model_dump(), "evidence": evidence})
        neighbour = None
        if claim.kind == ClaimKind.COMMITMENT and claim.initiative is None:
            neighbour = neighbour_initiative(session, source, evidence)
        if neighbour is not None:
            claim.initiative = neighbour[0]
        return SelectionReading(
            source_id=source.id,
            read_from="proposal",
            claim=claim,
            alternatives=ranked[1:],
            initiative_from=neighbour[1] if neighbour else None,
            language=language,
            readable=True,
        )
    return SelectionReading(
        source_id=source.id,
        read_from="sentence",
        claim=sentence_reading(extractor, source, evidence),
        alternatives=[],
        language=language,
        readable=True,
        message=NOT_PROPOSED,
    )


def proposals_from_paragraph(
    extractor: Extractor, source: Source, start: int
) -> list[ProposedClaim]:
    """The proposals of the text read from the paragraph holding `start` on, the text
    before it blanked (line breaks kept, so offsets stay): the extractor keeps one claim
    per actor and object, the first in the text, so a position repeated later is read
    again where the selection is."""
    text = source.text or ""
    paragraph = text.rfind("\n", 0, start) + 1
    if paragraph == 0:
        return []
    masked = NOT_LINE_BREAK.sub(" ", text[:paragraph]) + text[paragraph:]
    return extractor.extract(masked, source.published_on, outlet=source.outlet)


def neighbour_initiative(
    session: Session, source: Source, evidence: ProposedEvidence
) -> tuple[str, int] | None:
    """(slug, claim id): the initiative of the source's claim nearest the selection in its
    paragraph (overlapping first), for a commitment whose initiative the extractor does
    not read: coding a paragraph, the roles of one plan come one after another."""
    text = source.text or ""
    first = text.rfind("\n", 0, evidence.start) + 1
    last = text.find("\n", evidence.end)
    last = len(text) if last < 0 else last
    nearby = []
    for claim in source_queries.claims_citing(session, source.id):
        start, end = claim.evidence_start, claim.evidence_end
        if claim.initiative is None or claim.retracted_at is not None or start is None:
            continue
        if claim.review_state == ReviewState.REJECTED or end is None:
            continue
        if first <= start and end <= last:
            gap = max(0, start - evidence.end, evidence.start - end)
            nearby.append((gap, -claim.id, claim.initiative.slug, claim.id))
    if not nearby:
        return None
    _, _, slug, claim_id = min(nearby)
    return slug, claim_id


def best_overlaps(proposals: Iterable[ProposedClaim], start: int, end: int) -> list[ProposedClaim]:
    """The proposals whose evidence overlaps [start, end), best first: the largest share of
    the two spans together (so the proposal whose evidence is the selection comes first),
    then in the text's order."""

    def share(claim: ProposedClaim) -> float:
        e = claim.evidence
        common = min(end, e.end) - max(start, e.start)
        return common / (max(end, e.end) - min(start, e.start))

    overlapping = [p for p in proposals if min(end, p.evidence.end) > max(start, p.evidence.start)]
    return sorted(overlapping, key=lambda p: (-share(p), p.evidence.start, p.evidence.end))


def sentence_reading(
    extractor: Extractor, source: Source, evidence: ProposedEvidence
) -> ReadingClaim:
    """What the sentence the selection falls in gives without a proposal: its day, the
    first actor and the first speaker it names (in the selection first), its conditions
    and the outlets it (or its paragraph) cites."""
    assert source.text is not None
    ctx = _sentence_of(extractor.contexts(source.text, source.published_on), evidence)
    if ctx is None:
        return ReadingClaim(
            stated_on=source.published_on, reported_by=source.outlet, evidence=evidence
        )
    doc = ctx.doc
    # The selection's own mentions first, then the rest of the sentence's.
    mentions = sorted(
        ctx.mentions,
        key=lambda m: (not evidence.start <= doc[m.start].idx < evidence.end, m.start),
    )
    actors = [m.name for m in mentions if m.eligible and m.name.kind != ActorKind.PERSON]
    people = [m.name for m in mentions if m.name.kind == ActorKind.PERSON]
    conditions = [ProposedCondition(type=c.type, text=c.text) for c in ctx.conditions]
    return ReadingClaim(
        actor=actors[0].code if actors else None,
        actor_name=actors[0].name if actors else None,
        speaker=people[0].code if people else None,
        conditional=bool(conditions),
        conditions=conditions,
        reported_by=source.outlet,
        via=ctx.own_via or ctx.para_via,
        stated_on=ctx.day,
        evidence=evidence,
    )


def _sentence_of(
    contexts: Iterable[SentenceContext], evidence: ProposedEvidence
) -> SentenceContext | None:
    """The sentence that holds most of the selection (read in order, so that what earlier
    sentences leave, a day carried over, is there)."""
    best: SentenceContext | None = None
    most = 0
    for ctx in contexts:
        doc, s = ctx.doc, ctx.sentence
        first = doc[s.start].idx
        last = doc[s.end - 1].idx + len(doc[s.end - 1].text)
        if first >= evidence.end:
            break
        common = min(last, evidence.end) - max(first, evidence.start)
        if common > most:
            best, most = ctx, common
    return best
