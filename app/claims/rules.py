"""The codebook's rules for a claim: shape by kind, known references, verbatim evidence.

The claims service applies them to one claim; bulk import (app.transfer.bulk) applies the
same checks column by column.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.claims import queries
from app.claims.models import Claim
from app.claims.schemas import ClaimFields
from app.errors import FieldError, InvalidInput, NotFound
from app.initiatives import queries as initiative_queries
from app.sources import queries as source_queries
from app.vocab import ActorKind, ClaimKind, Role, Stance, Status


def require_claim(session: Session, claim_id: int) -> Claim:
    """The claim with this id, references loaded, or 404."""
    claim = queries.claim_by_id(session, claim_id)
    if claim is None:
        raise NotFound(f"No claim has the id {claim_id}.")
    return claim


def locate_evidence(
    text: str, quote: str, start: int | None, end: int | None
) -> tuple[int, int] | None:
    """The offsets of the quote in the text: the given ones if they match, else the first."""
    if start is not None and end is not None and text[start:end] == quote:
        return start, end
    found = text.find(quote)
    if found < 0:
        return None
    return found, found + len(quote)


def check_shape(
    kind: ClaimKind,
    role: Role | None,
    status: Status | None,
    stance: Stance | None,
    initiative: str | None,
    conditional: bool | None,
    has_conditions: bool,
) -> list[FieldError]:
    """The fields a claim of this kind needs and refuses, and whether it is conditional."""
    errors: list[FieldError] = []
    if kind is ClaimKind.COMMITMENT:
        if role is None:
            errors.append(FieldError("role", "a commitment needs a role"))
        if status is None:
            errors.append(FieldError("status", "a commitment needs a status"))
        if stance is not None:
            errors.append(FieldError("stance", "a commitment has a status, not a stance"))
    else:
        if initiative is None:
            errors.append(FieldError("initiative", "a stance needs an initiative"))
        if stance is None:
            errors.append(FieldError("stance", "a stance needs a stance value"))
        if role is not None:
            errors.append(FieldError("role", "a stance is about an initiative, not a role"))
        if status is not None:
            errors.append(FieldError("status", "a stance has a stance value, not a status"))
    if conditional is False and has_conditions:
        errors.append(FieldError("conditional", "false, but conditions are given"))
    if conditional is True and not has_conditions:
        errors.append(FieldError("conditions", "a conditional claim needs at least one condition"))
    return errors


@dataclass(frozen=True)
class SourceFacts:
    """What the claim rules need to know of a source."""

    published_on: date
    text: str | None


class ClaimReferences(Protocol):
    """Where the claim rules look up what a claim names: actors, offices, initiatives, sources.

    One claim written through the API asks the database; a bulk import of many rows asks
    maps it read once. Both go through the same rules (`resolve_claim`).
    """

    def actors(self, codes: Sequence[str]) -> dict[str, tuple[int, str]]:
        """Each known code of these, with the actor's (id, kind)."""
        ...

    def speaks_for(self, person_id: int, actor_id: int, day: date) -> bool:
        """Whether the person held an office with the actor on that day."""
        ...

    def initiative_id(self, slug: str) -> int | None:
        """The id of the initiative with this slug."""
        ...

    def source(self, source_id: int) -> SourceFacts | None:
        """The source with this id."""
        ...


class StoredReferences:
    """Claim references read from the database, one question at a time."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def actors(self, codes: Sequence[str]) -> dict[str, tuple[int, str]]:
        return actor_queries.actor_kinds_by_code(self.session, codes)

    def speaks_for(self, person_id: int, actor_id: int, day: date) -> bool:
        return actor_queries.speaks_for(self.session, person_id, actor_id, day)

    def initiative_id(self, slug: str) -> int | None:
        return initiative_queries.initiative_ids_by_slug(self.session, [slug]).get(slug)

    def source(self, source_id: int) -> SourceFacts | None:
        source = source_queries.source_by_id(self.session, source_id)
        return None if source is None else SourceFacts(source.published_on, source.text)


def resolve_claim(session: Session, data: ClaimFields) -> dict[str, Any]:
    """Check every rule against the database and return the column values (see check_claim)."""
    return check_claim(StoredReferences(session), data)


def check_claim(refs: ClaimReferences, data: ClaimFields) -> dict[str, Any]:
    """Check every rule and return the column values; raise one error listing all problems."""
    errors = check_shape(
        data.kind,
        data.role,
        data.status,
        data.stance,
        data.initiative,
        data.conditional,
        bool(data.conditions),
    )
    actor_id, speaker_id, actor_errors = check_actors(
        refs, data.actor, data.speaker, data.stated_on
    )
    errors += actor_errors
    initiative_id, initiative_errors = check_initiative(refs, data.initiative)
    errors += initiative_errors
    source, source_errors = check_source(refs, data.source_id, data.stated_on)
    errors += source_errors
    start, end = data.evidence.start, data.evidence.end
    if source is not None:
        start, end, evidence_errors = check_evidence(
            source, data.source_id, data.evidence.text, start, end
        )
        errors += evidence_errors
    if errors:
        raise InvalidInput.of(errors)
    assert actor_id is not None
    return {
        "actor_id": actor_id,
        "kind": data.kind.value,
        "role": data.role.value if data.role else None,
        "initiative_id": initiative_id,
        "status": data.status.value if data.status else None,
        "stance": data.stance.value if data.stance else None,
        "conditional": bool(data.conditions),
        "limits": data.limits,
        "quantity_amount": data.quantity.amount if data.quantity else None,
        "quantity_unit": data.quantity.unit if data.quantity else None,
        "certainty": data.certainty.value,
        "basis": data.basis.value,
        "speaker_id": speaker_id,
        "reported_by": data.reported_by,
        "via": list(data.via),
        "stated_on": data.stated_on,
        "source_id": data.source_id,
        "evidence_text": data.evidence.text,
        "evidence_start": start,
        "evidence_end": end,
        "note": data.note,
        "review_state": data.review_state.value,
    }


def check_actors(
    refs: ClaimReferences, actor_code: str, speaker_code: str | None, stated_on: date
) -> tuple[int | None, int | None, list[FieldError]]:
    """The actor's id (None if unknown) and the speaker's (None if none or refused), with
    the problems: an unknown actor, a person as actor, a speaker who is not a person or held
    no office with the actor on that day."""
    errors: list[FieldError] = []
    codes = [actor_code] + ([speaker_code] if speaker_code else [])
    actors = refs.actors(codes)
    actor = actors.get(actor_code)
    if actor is None:
        errors.append(FieldError("actor", f"unknown actor '{actor_code}'"))
    elif actor[1] == ActorKind.PERSON:
        errors.append(
            FieldError(
                "actor",
                "code the position for the actor the person speaks for, with the person as speaker",
            )
        )
    speaker_id = None
    if speaker_code:
        speaker = actors.get(speaker_code)
        if speaker is None:
            errors.append(FieldError("speaker", f"unknown actor '{speaker_code}'"))
        elif speaker[1] != ActorKind.PERSON:
            errors.append(
                FieldError("speaker", f"'{speaker_code}' is a {speaker[1]}, not a person")
            )
        else:
            speaker_id = speaker[0]
            if actor is not None and not refs.speaks_for(speaker_id, actor[0], stated_on):
                errors.append(
                    FieldError(
                        "speaker",
                        f"'{speaker_code}' held no office with '{actor_code}' on {stated_on}",
                    )
                )
    return (actor[0] if actor is not None else None), speaker_id, errors


def check_initiative(
    refs: ClaimReferences, slug: str | None
) -> tuple[int | None, list[FieldError]]:
    """The id of the initiative the claim names (None when it names none), or the problem."""
    if not slug:
        return None, []
    initiative_id = refs.initiative_id(slug)
    if initiative_id is None:
        return None, [FieldError("initiative", f"unknown initiative '{slug}'")]
    return initiative_id, []


def check_source(
    refs: ClaimReferences, source_id: int, stated_on: date
) -> tuple[SourceFacts | None, list[FieldError]]:
    """The source (None if unknown), and the problems: unknown, or published before the
    claim was stated."""
    source = refs.source(source_id)
    if source is None:
        return None, [FieldError("source_id", f"unknown source {source_id}")]
    if stated_on > source.published_on:
        message = f"after the source's publication date ({source.published_on})"
        return source, [FieldError("stated_on", message)]
    return source, []


def check_evidence(
    source: SourceFacts, source_id: int, quote: str, start: int | None, end: int | None
) -> tuple[int | None, int | None, list[FieldError]]:
    """The evidence's offsets in the source's text (as given when the text is not stored),
    or the problem: the offsets do not hold the quote, or the quote is not in the text."""
    if source.text is None:
        return start, end, []
    if start is not None and source.text[start:end] != quote:
        message = f"text[{start}:{end}] of source {source_id} is not the quote"
        return start, end, [FieldError("evidence", message)]
    span = locate_evidence(source.text, quote, start, end)
    if span is None:
        message = f"not found verbatim in the text of source {source_id}"
        return start, end, [FieldError("evidence.text", message)]
    return span[0], span[1], []


def repeats(rows: Sequence[queries.SpanRow]) -> dict[int, int | None]:
    """Which earlier claim each claim repeats (None: none): the earliest one, not
    retracted, of the same source, actor, kind and object whose evidence overlaps (by
    offsets where both have them, else the same quoted text). `rows` oldest first."""
    out: dict[int, int | None] = {}
    earlier: dict[tuple[Any, ...], list[queries.SpanRow]] = {}
    # A span seen before in its group repeats what its first holder repeats, or that
    # holder: only distinct spans are compared, so a file of identical rows stays linear.
    first_of_span: dict[tuple[Any, ...], int] = {}
    for row in rows:
        subject = row.role if row.kind == ClaimKind.COMMITMENT else row.initiative_id
        group = (row.source_id, row.actor_id, row.kind, subject)
        span = (*group, row.evidence_start, row.evidence_end, row.evidence_text)
        if span in first_of_span:
            first = first_of_span[span]
            out[row.id] = out[first] if out[first] is not None else first
        else:
            found = [e.id for e in earlier.get(group, []) if _overlap(e, row)]
            out[row.id] = min(found) if found else None
        if not row.retracted:
            if span not in first_of_span:
                earlier.setdefault(group, []).append(row)
            first_of_span.setdefault(span, row.id)
    return out


def _overlap(a: queries.SpanRow, b: queries.SpanRow) -> bool:
    if None in (a.evidence_start, a.evidence_end, b.evidence_start, b.evidence_end):
        return a.evidence_text == b.evidence_text
    return bool(a.evidence_start < b.evidence_end and b.evidence_start < a.evidence_end)  # type: ignore[operator]
