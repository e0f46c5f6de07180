"""The codebook's rules for claims: shape by kind, known references, verbatim evidence."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.audit import capture as audit
from app.audit import queries as audit_queries
from app.claims import queries
from app.claims.models import Claim, ClaimCondition
from app.claims.schemas import (
    ClaimCreate,
    ClaimFields,
    ClaimRead,
    ClaimUpdate,
)
from app.db import utcnow
from app.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    validation_errors,
)
from app.initiatives import queries as initiative_queries
from app.sources import queries as source_queries
from app.versioning import check_version
from app.vocab import STATUS_RANK, ActorKind, ClaimKind, ReviewState, Role, Stance, Status


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
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
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


def current_user(session: Session) -> int | None:
    """The id of the user the session writes for (None: a command, the seed, unknown)."""
    user_id = session.info.get("user_id")
    return int(user_id) if user_id is not None else None


def check_review_right(may_review: bool, before: str | None, after: str) -> None:
    """Accepting or rejecting is a reviewer's act: an editor records claims as proposed
    and cannot change a claim's review state (403 naming review_state)."""
    if may_review or after == before or (before is None and after == ReviewState.PROPOSED):
        return
    raise Forbidden(
        "Only a reviewer may accept or reject a claim; an editor's claims start proposed.",
        errors=[FieldError("review_state", f"'{after}' needs the reviewer role")],
    )


def record_claim(session: Session, data: ClaimCreate, *, may_review: bool = True) -> Claim:
    """Record a new claim after checking it against the codebook.

    `may_review` is false for an editor: such a claim can only start proposed.
    """
    check_review_right(may_review, None, data.review_state.value)
    values = resolve_claim(session, data)
    claim = Claim(
        **values,
        created_by=current_user(session),
        conditions=[ClaimCondition(type=c.type.value, text=c.text) for c in data.conditions],
    )
    session.add(claim)
    session.flush()
    return require_claim(session, claim.id)


def claim_fields(claim: Claim) -> dict[str, Any]:
    """The claim in the shape a client writes it (ClaimFields)."""
    return {
        "actor": claim.actor.code,
        "kind": claim.kind,
        "role": claim.role,
        "initiative": claim.initiative.slug if claim.initiative else None,
        "status": claim.status,
        "stance": claim.stance,
        "conditional": claim.conditional,
        "conditions": [{"type": c.type, "text": c.text} for c in claim.conditions],
        "limits": claim.limits,
        "quantity": (
            {"amount": claim.quantity_amount, "unit": claim.quantity_unit or ""}
            if claim.quantity_amount is not None
            else None
        ),
        "certainty": claim.certainty,
        "basis": claim.basis,
        "speaker": claim.speaker.code if claim.speaker else None,
        "reported_by": claim.reported_by,
        "via": list(claim.via or []),
        "stated_on": claim.stated_on,
        "source_id": claim.source_id,
        "evidence": {
            "text": claim.evidence_text,
            "start": claim.evidence_start,
            "end": claim.evidence_end,
        },
        "note": claim.note,
        "review_state": claim.review_state,
    }


def _check_claim_version(session: Session, claim_id: int, expected: int | None) -> Claim:
    check_version(session, Claim.version, Claim.id == claim_id, expected, f"Claim {claim_id}")
    claim = require_claim(session, claim_id)
    if claim.retracted_at is not None:
        raise Conflict(
            f"Claim {claim_id} is retracted and cannot change.",
            errors=[FieldError("retracted", f"retracted on {claim.retracted_at:%Y-%m-%d}")],
        )
    return claim


def _apply_changes(session: Session, claim: Claim, data: ClaimUpdate) -> None:
    changes = data.model_dump(exclude_unset=True)
    merged = {**claim_fields(claim), **changes}
    if "conditions" in changes and "conditional" not in changes:
        merged["conditional"] = None
    if "evidence" in changes or "source_id" in changes:
        evidence = merged["evidence"]
        if "evidence" not in changes:
            merged["evidence"] = {"text": evidence["text"]}
    try:
        merged_fields = ClaimFields.model_validate(merged)
    except ValidationError as exc:
        # A null sent for a field every claim needs ("kind": null) fails here, not in FastAPI.
        errors = [
            FieldError(str(e["field"]), str(e["message"])) for e in validation_errors(exc.errors())
        ]
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        ) from exc
    values = resolve_claim(session, merged_fields)
    for key, value in values.items():
        setattr(claim, key, value)
    if "conditions" in changes:
        claim.conditions = [
            ClaimCondition(type=c.type.value, text=c.text) for c in merged_fields.conditions
        ]


def _saved(session: Session, claim: Claim) -> Claim:
    claim.version += 1
    claim.updated_at = utcnow()
    session.flush()
    # The loaded actor, speaker, initiative and source may be the old ones: load them anew.
    session.expire(claim, ["actor", "speaker", "initiative", "source"])
    return require_claim(session, claim.id)


def _check_self_review(session: Session, claim: Claim, allow_self_review: bool) -> None:
    reviewer = current_user(session)
    if allow_self_review or reviewer is None or claim.created_by != reviewer:
        return
    raise Forbidden(
        f"You recorded claim {claim.id}: another reviewer must accept it "
        "(or the setting POSTURE_ALLOW_SELF_REVIEW must allow self-review).",
        errors=[FieldError("created_by", "a reviewer cannot accept their own claim")],
    )


def _mark_reviewed(session: Session, claim: Claim, note: str | None) -> None:
    if claim.review_state == ReviewState.PROPOSED:
        claim.reviewed_by = claim.reviewed_at = claim.review_note = None
        return
    claim.reviewed_by = current_user(session)
    claim.reviewed_at = utcnow()
    claim.review_note = note


def update_claim(
    session: Session,
    claim_id: int,
    data: ClaimUpdate,
    *,
    expected_version: int | None = None,
    allow_self_review: bool = False,
    may_review: bool = True,
) -> Claim:
    """Change a claim; the merged claim must pass every rule a new one must.

    With `expected_version`, a claim changed since that version is refused (412). A
    change of review_state is a review: it records the reviewer, and a reviewer cannot
    accept their own claim unless `allow_self_review`.
    """
    claim = _check_claim_version(session, claim_id, expected_version)
    previous_state = claim.review_state
    if "review_state" in data.model_fields_set and data.review_state is not None:
        check_review_right(may_review, previous_state, data.review_state.value)
    if data.review_state == ReviewState.ACCEPTED and previous_state != ReviewState.ACCEPTED:
        _check_self_review(session, claim, allow_self_review)
    _apply_changes(session, claim, data)
    if claim.review_state != previous_state:
        _mark_reviewed(session, claim, None)
    return _saved(session, claim)


def _require_proposed(claim: Claim, verb: str) -> None:
    if claim.review_state != ReviewState.PROPOSED:
        raise Conflict(
            f"Claim {claim.id} is {claim.review_state}, not proposed: only a proposed claim "
            f"can be {verb}.",
            errors=[FieldError("review_state", f"is {claim.review_state}")],
        )


def accept_claim(
    session: Session,
    claim_id: int,
    *,
    expected_version: int | None = None,
    changes: ClaimUpdate | None = None,
    note: str | None = None,
    allow_self_review: bool = False,
) -> Claim:
    """Accept a proposed claim, after applying `changes` if any (edit-and-accept)."""
    with audit.action(session, "accept"):
        claim = _check_claim_version(session, claim_id, expected_version)
        _require_proposed(claim, "accepted")
        _check_self_review(session, claim, allow_self_review)
        if changes is not None:
            if "review_state" in changes.model_fields_set:
                raise InvalidInput.field("review_state", "accepting sets it; leave it out")
            _apply_changes(session, claim, changes)
        claim.review_state = ReviewState.ACCEPTED.value
        _mark_reviewed(session, claim, note)
        return _saved(session, claim)


def reject_claim(
    session: Session, claim_id: int, reason: str, *, expected_version: int | None = None
) -> Claim:
    """Reject a proposed claim, keeping the reason; it never counts in positions."""
    with audit.action(session, "reject"):
        claim = _check_claim_version(session, claim_id, expected_version)
        _require_proposed(claim, "rejected")
        claim.review_state = ReviewState.REJECTED.value
        _mark_reviewed(session, claim, reason)
        return _saved(session, claim)


def accept_claims(
    session: Session, versions: dict[int, int], *, allow_self_review: bool = False
) -> tuple[list[Claim], list[Claim]]:
    """Accept several proposed claims at the versions the reviewer saw, all or none.

    The reviewer's own claims are left proposed (unless `allow_self_review`); returns
    (accepted, left for another reviewer).
    """
    accepted: list[Claim] = []
    skipped: list[Claim] = []
    reviewer = current_user(session)
    with audit.action(session, "accept"):
        for claim_id, version in sorted(versions.items()):
            claim = _check_claim_version(session, claim_id, version)
            _require_proposed(claim, "accepted")
            if not allow_self_review and reviewer is not None and claim.created_by == reviewer:
                skipped.append(claim)
                continue
            claim.review_state = ReviewState.ACCEPTED.value
            _mark_reviewed(session, claim, None)
            accepted.append(_saved(session, claim))
    return accepted, skipped


def retract_claim(
    session: Session, claim_id: int, reason: str, *, expected_version: int | None = None
) -> Claim:
    """Mark a claim retracted: it stays on record but no longer counts."""
    check_version(
        session, Claim.version, Claim.id == claim_id, expected_version, f"Claim {claim_id}"
    )
    claim = require_claim(session, claim_id)
    if claim.retracted_at is not None:
        raise Conflict(
            f"Claim {claim_id} was retracted already.",
            errors=[FieldError("retracted", f"retracted on {claim.retracted_at:%Y-%m-%d}")],
        )
    now = utcnow()
    claim.retracted_at = now
    claim.retraction_reason = reason
    claim.version += 1
    claim.updated_at = now
    session.flush()
    return claim


def claim_read(claim: Claim) -> ClaimRead:
    """The claim as the API shows it."""
    return ClaimRead.model_validate(claim_record(claim))


def claim_record(claim: Claim) -> dict[str, Any]:
    """The claim as a plain dict in the API's shape (also the export and CSV shape)."""
    source = claim.source
    return {
        "id": claim.id,
        "actor": claim.actor.code,
        "actor_name": claim.actor.name,
        "actor_kind": claim.actor.kind,
        "kind": claim.kind,
        "role": claim.role,
        "initiative": claim.initiative.slug if claim.initiative else None,
        "initiative_name": claim.initiative.name if claim.initiative else None,
        "status": claim.status,
        "status_rank": STATUS_RANK[Status(claim.status)] if claim.status else None,
        "stance": claim.stance,
        "conditional": claim.conditional,
        "conditions": [{"type": c.type, "text": c.text} for c in claim.conditions],
        "limits": claim.limits,
        "quantity": (
            {"amount": claim.quantity_amount, "unit": claim.quantity_unit}
            if claim.quantity_amount is not None
            else None
        ),
        "certainty": claim.certainty,
        "basis": claim.basis,
        "speaker": claim.speaker.code if claim.speaker else None,
        "speaker_name": claim.speaker.name if claim.speaker else None,
        "reported_by": claim.reported_by,
        "via": list(claim.via or []),
        "stated_on": claim.stated_on,
        "source": {
            "id": source.id,
            "title": source.title,
            "outlet": source.outlet,
            "url": source.url,
            "published_on": source.published_on,
        },
        "evidence": {
            "text": claim.evidence_text,
            "start": claim.evidence_start,
            "end": claim.evidence_end,
        },
        "note": claim.note,
        "review_state": claim.review_state,
        "review_note": claim.review_note,
        "reviewed_by": claim.reviewed_by,
        "reviewed_at": claim.reviewed_at,
        "created_by": claim.created_by,
        "retracted": claim.retracted_at is not None,
        "retracted_at": claim.retracted_at,
        "retraction_reason": claim.retraction_reason,
        "version": claim.version,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
    }


def evidence_in_sentence(
    text: str | None, start: int | None, end: int | None
) -> tuple[str, str, str] | None:
    """The sentence around an evidence span, split as (before, quote, after)."""
    if text is None or start is None or end is None:
        return None
    stops = ".!?\n"
    left = max((text.rfind(ch, 0, start) for ch in stops), default=-1) + 1
    rights = [i for i in (text.find(ch, end) for ch in stops) if i >= 0]
    right = min(rights) + 1 if rights else len(text)
    return text[left:start].lstrip(), text[start:end], text[end:right].rstrip()


def claim_evidence_view(
    session: Session, claim_id: int, *, with_people: bool = True
) -> dict[str, Any]:
    """What the dashboard shows of a claim: the record, its sentence, the cell's history,
    and (`with_people`) the names of who recorded and reviewed it."""
    claim = require_claim(session, claim_id)
    source = source_queries.source_by_id(session, claim.source_id)
    assert source is not None
    history = queries.cell_history(session, claim)
    users = [u for u in (claim.created_by, claim.reviewed_by) if u is not None]
    return {
        "claim": claim_record(claim),
        "sentence": evidence_in_sentence(source.text, claim.evidence_start, claim.evidence_end),
        "history": [claim_record(c) for c in history],
        "people": audit_queries.user_names(session, users) if with_people else None,
    }


def claim_form_context(session: Session, source_id: int | None) -> dict[str, Any]:
    """What a claim form offers: the initiatives (slug, name) and the chosen source, if any."""
    source = source_queries.source_by_id(session, source_id) if source_id else None
    return {
        "initiatives": [(r.slug, r.name) for r in initiative_queries.initiative_names(session)],
        "source": (
            {
                "id": source.id,
                "title": source.title,
                "outlet": source.outlet,
                "published_on": source.published_on,
                "has_text": source.text is not None,
            }
            if source
            else None
        ),
    }


def editable_claim(session: Session, claim_id: int) -> dict[str, Any]:
    """A claim as the edit form shows it: its fields as a client writes them, and its record."""
    claim = require_claim(session, claim_id)
    return {"fields": claim_fields(claim), "claim": claim_record(claim)}
