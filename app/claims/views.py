"""What pages and answers show of claims: records, form fields, and typed page contexts."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.audit import queries as audit_queries
from app.claims import queries
from app.claims.models import Claim, ClaimCondition
from app.claims.rules import require_claim
from app.claims.schemas import ClaimRead
from app.initiatives import queries as initiative_queries
from app.sources import queries as source_queries
from app.vocab import STATUS_RANK, Status


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
        "conditions": [condition_fields(c) for c in claim.conditions],
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
        "evidence": _evidence(claim),
        "note": claim.note,
        "review_state": claim.review_state,
    }


def condition_fields(condition: ClaimCondition) -> dict[str, Any]:
    """A condition as a client writes it: its milestone by slug, a required position by
    the actor's code."""
    fields: dict[str, Any] = {"type": condition.type, "text": condition.text}
    fields["milestone"] = condition.milestone.slug if condition.milestone else None
    fields["requires"] = (
        {
            "actor": condition.requires_actor.code,
            "role": condition.requires_role,
            "status_at_least": condition.requires_status,
        }
        if condition.requires_actor is not None
        else None
    )
    return fields


def _evidence(claim: Claim) -> dict[str, Any]:
    return {"text": claim.evidence_text, "start": claim.evidence_start, "end": claim.evidence_end}


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
        "conditions": [condition_fields(c) for c in claim.conditions],
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
        "evidence": _evidence(claim),
        "note": claim.note,
        "review_state": claim.review_state,
        "duplicates": claim.duplicate_of_id,
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


@dataclass(frozen=True)
class ClaimEvidenceView:
    """The claim page: the record, its sentence, the cell's history, who wrote it.

    `people` (user id to name) is None when the viewer may not see who recorded or
    reviewed the claim (the audit trail is private).
    """

    claim: dict[str, Any]
    sentence: tuple[str, str, str] | None
    history: list[dict[str, Any]]
    people: dict[int, str] | None


def claim_evidence_view(
    session: Session, claim_id: int, *, with_people: bool = True
) -> ClaimEvidenceView:
    """What the dashboard shows of a claim: the record, its sentence, the cell's history,
    and (`with_people`) the names of who recorded and reviewed it."""
    claim = require_claim(session, claim_id)
    source = source_queries.source_by_id(session, claim.source_id)
    assert source is not None
    history = queries.cell_history(session, claim)
    users = [u for u in (claim.created_by, claim.reviewed_by) if u is not None]
    return ClaimEvidenceView(
        claim=claim_record(claim),
        sentence=evidence_in_sentence(source.text, claim.evidence_start, claim.evidence_end),
        history=[claim_record(c) for c in history],
        people=audit_queries.user_names(session, users) if with_people else None,
    )


@dataclass(frozen=True)
class FormSource:
    """The source a claim form names, as the form describes it."""

    id: int
    title: str
    outlet: str | None
    published_on: date
    has_text: bool


@dataclass(frozen=True)
class ClaimFormContext:
    """What a claim form offers: the initiatives (slug, name) and the chosen source."""

    initiatives: list[tuple[str, str]]
    source: FormSource | None


def claim_form_context(session: Session, source_id: int | None) -> ClaimFormContext:
    """What a claim form offers: the initiatives (slug, name) and the chosen source, if any."""
    source = source_queries.source_by_id(session, source_id) if source_id else None
    return ClaimFormContext(
        initiatives=[(r.slug, r.name) for r in initiative_queries.initiative_names(session)],
        source=(
            FormSource(
                id=source.id,
                title=source.title,
                outlet=source.outlet,
                published_on=source.published_on,
                has_text=source.text is not None,
            )
            if source
            else None
        ),
    )


def new_claim_values(session: Session, source_id: int | None) -> dict[str, str]:
    """The new-claim form's prefilled inputs: the source, and its publication day as
    stated_on (when the source is known)."""
    values: dict[str, str] = {}
    if source_id is not None:
        values["source_id"] = str(source_id)
        source = source_queries.source_by_id(session, source_id)
        if source is not None:
            values["stated_on"] = source.published_on.isoformat()
    return values


@dataclass(frozen=True)
class EditableClaim:
    """A claim as the edit form shows it: its fields as a client writes them, and its record."""

    fields: dict[str, Any]
    claim: dict[str, Any]

    @property
    def retracted(self) -> bool:
        """Whether the claim is retracted (and so cannot change)."""
        return bool(self.claim["retracted"])

    @property
    def version(self) -> int:
        """The claim's version, for the form's If-Match."""
        return int(self.claim["version"])


def editable_claim(session: Session, claim_id: int) -> EditableClaim:
    """A claim as the edit form shows it: its fields as a client writes them, and its record."""
    claim = require_claim(session, claim_id)
    return EditableClaim(fields=claim_fields(claim), claim=claim_record(claim))
