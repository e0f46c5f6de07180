"""Export the whole database as JSON Lines and import it back, all or nothing."""

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.actors.service import check_code
from app.audit import capture as audit
from app.claims import service as claim_service
from app.claims.models import Claim
from app.db import utcnow
from app.errors import AppError, FieldError, InvalidInput, validation_errors
from app.initiatives import queries as initiative_queries
from app.initiatives import service as initiative_service
from app.initiatives.models import Initiative
from app.milestones import queries as milestone_queries
from app.milestones import service as milestone_service
from app.milestones.models import Milestone
from app.snapshots import service as snapshot_service
from app.sources import queries as source_queries
from app.sources.models import Source
from app.sources.service import content_hash
from app.transfer import queries
from app.transfer.schemas import (
    FORMAT_VERSION,
    RECORD,
    ActorRecord,
    AffiliationRecord,
    ClaimRecord,
    HeaderRecord,
    ImportReport,
    InitiativeRecord,
    MembershipRecord,
    MilestoneRecord,
    SnapshotRecord,
    SourceRecord,
)
from app.vocab import ActorKind, ReviewState


def _utc(value: datetime | None) -> str | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    raise TypeError(f"cannot export {type(value).__name__}")


def _stamps(row: Actor | Initiative | Source | Milestone | Claim) -> dict[str, Any]:
    return {
        "version": row.version,
        "created_at": _utc(row.created_at),
        "updated_at": _utc(row.updated_at),
    }


def export_records(session: Session) -> Iterator[dict[str, Any]]:
    """Every record in dependency order: actors, memberships, affiliations, initiatives,
    sources, milestones, claims; snapshots last."""
    yield {"type": "posture-export", "format": FORMAT_VERSION, "exported_at": _utc(utcnow())}
    for actor in sorted(queries.all_actors(session), key=lambda a: a.code):
        yield {
            "type": "actor",
            "code": actor.code,
            "kind": actor.kind,
            "name": actor.name,
            "description": actor.description,
            "aliases": [{"alias": a.alias, "kind": a.kind} for a in actor.aliases],
            **_stamps(actor),
        }
    for m in sorted(
        queries.all_memberships(session),
        key=lambda m: (m.group, m.member, m.from_on or date.min),
    ):
        yield {
            "type": "membership",
            "group": m.group,
            "member": m.member,
            "from_on": m.from_on,
            "until_on": m.until_on,
        }
    for a in sorted(
        queries.all_affiliations(session),
        key=lambda a: (a.person, a.actor, a.office, a.from_on or date.min),
    ):
        yield {
            "type": "affiliation",
            "person": a.person,
            "actor": a.actor,
            "office": a.office,
            "from_on": a.from_on,
            "until_on": a.until_on,
        }
    # Sorted here, not in SQL, so that the order never depends on a server's collation.
    rows = initiative_queries.all_initiative_rows(session)
    for initiative, proposer, _name in sorted(rows, key=lambda r: r[0].slug):
        yield {
            "type": "initiative",
            "slug": initiative.slug,
            "name": initiative.name,
            "description": initiative.description,
            "proposer": proposer,
            "first_reported_on": initiative.first_reported_on,
            "needs": [
                {
                    "role": n.role,
                    "quantity_amount": n.quantity_amount,
                    "quantity_unit": n.quantity_unit,
                }
                for n in sorted(initiative.needs, key=lambda n: n.role)
            ],
            **_stamps(initiative),
        }
    for source in queries.all_sources(session):
        yield {
            "type": "source",
            "id": source.id,
            "title": source.title,
            "outlet": source.outlet,
            "url": source.url,
            "published_on": source.published_on,
            "language": source.language,
            "text": source.text,
            "content_hash": source.content_hash,
            **_stamps(source),
        }
    for milestone in sorted(milestone_queries.all_milestones(session), key=lambda m: m.slug):
        yield {
            "type": "milestone",
            "slug": milestone.slug,
            "name": milestone.name,
            "condition_type": milestone.condition_type,
            "description": milestone.description,
            "states": [
                {
                    "state": s.state,
                    "from_on": s.from_on,
                    "source_id": s.source_id,
                    "evidence_text": s.evidence_text,
                    "evidence_start": s.evidence_start,
                    "evidence_end": s.evidence_end,
                    "note": s.note,
                }
                for s in sorted(milestone.states, key=lambda s: s.from_on)
            ],
            **_stamps(milestone),
        }
    for claim in queries.all_claims(session):
        fields = claim_service.claim_fields(claim)
        yield {
            "type": "claim",
            "id": claim.id,
            **fields,
            "retracted_at": _utc(claim.retracted_at),
            "retraction_reason": claim.retraction_reason,
            "review_note": claim.review_note,
            "reviewed_at": _utc(claim.reviewed_at),
            **_stamps(claim),
        }
    # Last: a snapshot names no other record (its taker by username, if the user exists)
    # and is stored as it was taken, whatever the records before it say now.
    yield from snapshot_service.export_records(session)


def export_lines(session: Session) -> Iterator[str]:
    """The export as JSON Lines text, line by line as the records are read."""
    for record in export_records(session):
        yield json.dumps(record, default=_json_default, ensure_ascii=False, sort_keys=True) + "\n"


# Lines the export hands a response at a time: a streamed response crosses to a worker
# thread for each piece, too slow a hop for each of a million lines.
CHUNK_LINES = 500


def export_chunks(session: Session) -> Iterator[str]:
    """The export's lines, CHUNK_LINES at a time."""
    lines = export_lines(session)
    while chunk := "".join(islice(lines, CHUNK_LINES)):
        yield chunk


@audit.as_one_write("import")
def import_lines(
    session: Session, lines: Iterable[str], *, may_review: bool = True
) -> ImportReport:
    """Check every line, then write them all in this transaction; any error writes nothing.

    Without `may_review` (an editor), claims must be `proposed`: bringing in accepted or
    rejected claims is a review.
    """
    records, errors = _parsed(lines)
    # Apply the valid lines even after a bad one, so that one answer lists every bad line.
    created: Counter[str] = Counter()
    updated: Counter[str] = Counter()
    claim_ids: list[int] = []
    for n, record in records:
        try:
            is_new = _applied(session, record, may_review=may_review)
        except AppError as exc:
            errors.extend(
                FieldError(str(e["field"]), str(e["message"]), line=n)
                for e in exc.errors or [FieldError("record", exc.detail)]
            )
            continue
        if is_new is not None:
            (created if is_new else updated)[record.type] += 1
        if isinstance(record, ClaimRecord):
            claim_ids.append(record.id)
    if errors:
        raise _import_failed(errors)
    queries.reset_id_sequences(session)
    session.flush()
    # Which claims repeat earlier ones is worked out, not carried in the file.
    claim_service.flag_duplicates(session, claim_ids)
    return ImportReport(created=dict(created), updated=dict(updated))


def _parsed(lines: Iterable[str]) -> tuple[list[tuple[int, Any]], list[FieldError]]:
    """The records of the lines that read (with their line numbers), and what is wrong
    with the others."""
    records: list[tuple[int, Any]] = []
    errors: list[FieldError] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(FieldError("line", f"not JSON: {exc.msg}", line=n))
            continue
        try:
            records.append((n, RECORD.validate_python(raw)))
        except ValidationError as exc:
            errors.extend(
                FieldError(str(e["field"]), str(e["message"]), line=n)
                for e in _record_errors(raw, exc)
            )
    return records, errors


def _applied(session: Session, record: Any, *, may_review: bool) -> bool | None:
    """Write one record in a savepoint: whether it was new (None for the header line);
    an InvalidInput naming what refused it otherwise."""
    if isinstance(record, HeaderRecord):
        if record.format != FORMAT_VERSION:
            raise InvalidInput.field("format", f"format {record.format} is not {FORMAT_VERSION}")
        return None
    if (
        not may_review
        and isinstance(record, ClaimRecord)
        and record.review_state != ReviewState.PROPOSED
    ):
        state = record.review_state.value
        raise InvalidInput.field(
            "review_state", f"'{state}' needs the reviewer role; an editor imports proposed claims"
        )
    try:
        with session.begin_nested():
            return _apply(session, record)
    except IntegrityError as exc:
        raise InvalidInput.field("record", f"clashes with a stored record: {exc.orig}") from exc
    except DBAPIError as exc:
        # A value one backend stores and another refuses (PostgreSQL and a NUL character).
        raise InvalidInput.field("record", f"refused by the database: {exc.orig}") from exc


def _record_errors(raw: Any, exc: ValidationError) -> list[dict[str, object]]:
    # Pydantic puts the record's type first in each location ("claim.role"); the field is "role".
    tag = raw.get("type") if isinstance(raw, dict) else None
    return validation_errors(
        [{**e, "loc": e["loc"][1:]} if e["loc"][:1] == (tag,) else e for e in exc.errors()]
    )


def _import_failed(errors: list[FieldError]) -> InvalidInput:
    errors = sorted(errors, key=lambda e: int(str(e.get("line", 0))))
    lines = sorted({int(str(e["line"])) for e in errors if "line" in e})
    return InvalidInput(
        f"{len(errors)} problem(s) on line(s) {', '.join(map(str, lines[:20]))}; "
        "nothing was imported.",
        errors=errors,
    )


def _apply(session: Session, record: Any) -> bool | None:
    if isinstance(record, ActorRecord):
        return _apply_actor(session, record)
    if isinstance(record, MembershipRecord):
        return _apply_membership(session, record)
    if isinstance(record, AffiliationRecord):
        return _apply_affiliation(session, record)
    if isinstance(record, InitiativeRecord):
        return _apply_initiative(session, record)
    if isinstance(record, SourceRecord):
        return _apply_source(session, record)
    if isinstance(record, SnapshotRecord):
        return snapshot_service.restore_snapshot(session, record)
    if isinstance(record, MilestoneRecord):
        return _apply_milestone(session, record)
    assert isinstance(record, ClaimRecord)
    return _apply_claim(session, record)


def _restamp(row: Actor | Initiative | Source | Milestone | Claim, record: Any) -> None:
    row.version = record.version
    now = utcnow()
    row.created_at = record.created_at or row.created_at or now
    row.updated_at = record.updated_at or now


def _actor_id(session: Session, code: str | None, field: str) -> int | None:
    if code is None:
        return None
    found = actor_queries.actor_ids_by_code(session, [code])
    if code not in found:
        raise InvalidInput.field(field, f"unknown actor '{code}'")
    return found[code]


def _actor_of_kind(
    session: Session, code: str, field: str, kinds: tuple[ActorKind, ...], what: str
) -> int:
    # The same kinds the actor service allows for memberships and affiliations.
    found = actor_queries.actor_kinds_by_code(session, [code])
    if code not in found:
        raise InvalidInput.field(field, f"unknown actor '{code}'")
    actor_id, kind = found[code]
    if kind not in kinds:
        raise InvalidInput.field(field, f"'{code}' is a {kind}, not {what}")
    return actor_id


def _apply_actor(session: Session, record: ActorRecord) -> bool:
    try:
        kind = ActorKind(record.kind)
    except ValueError:
        raise InvalidInput.field("kind", f"'{record.kind}' is not an actor kind") from None
    check_code(record.code, kind)
    actor = actor_queries.actor_by_code(session, record.code)
    is_new = actor is None
    if actor is None:
        actor = Actor(code=record.code, kind=kind.value, name=record.name, aliases=[])
        session.add(actor)
    elif actor.kind != kind.value:
        raise InvalidInput.field("kind", f"'{record.code}' is stored as a {actor.kind}")
    actor.name = record.name
    actor.description = record.description
    actor.aliases = []
    session.flush()
    actor.aliases = [
        ActorAlias(alias=a.alias, kind=a.kind.value)
        for a in {a.alias: a for a in record.aliases}.values()
    ]
    _restamp(actor, record)
    session.flush()
    return is_new


def _apply_membership(session: Session, record: MembershipRecord) -> bool:
    group_id = _actor_of_kind(
        session, record.group, "group", (ActorKind.ORGANIZATION, ActorKind.GROUP), "a group"
    )
    member_id = _actor_id(session, record.member, "member")
    assert member_id is not None
    row = queries.membership_exists(session, group_id, member_id, record.from_on)
    if row is not None:
        row.until_on = record.until_on
        return False
    session.add(
        Membership(
            group_id=group_id, member_id=member_id, from_on=record.from_on, until_on=record.until_on
        )
    )
    session.flush()
    return True


def _apply_affiliation(session: Session, record: AffiliationRecord) -> bool:
    person_id = _actor_of_kind(session, record.person, "person", (ActorKind.PERSON,), "a person")
    actor_id = _actor_of_kind(
        session,
        record.actor,
        "actor",
        (ActorKind.STATE, ActorKind.ORGANIZATION, ActorKind.GROUP),
        "a state, an organisation or a group",
    )
    row = queries.affiliation_exists(session, person_id, actor_id, record.office, record.from_on)
    if row is not None:
        row.until_on = record.until_on
        return False
    session.add(
        Affiliation(
            person_id=person_id,
            actor_id=actor_id,
            office=record.office,
            from_on=record.from_on,
            until_on=record.until_on,
        )
    )
    session.flush()
    return True


def _apply_initiative(session: Session, record: InitiativeRecord) -> bool:
    initiative = initiative_queries.initiative_by_slug(session, record.slug, with_needs=True)
    is_new = initiative is None
    if initiative is None:
        initiative = Initiative(slug=record.slug, name=record.name, needs=[])
        session.add(initiative)
    initiative.name = record.name
    initiative.description = record.description
    initiative.proposer_id = _actor_id(session, record.proposer, "proposer")
    initiative.first_reported_on = record.first_reported_on
    # A file written before initiatives had needs leaves the stored ones as they are.
    if "needs" in record.model_fields_set:
        initiative_service.replace_needs(initiative, record.needs)
    _restamp(initiative, record)
    session.flush()
    return is_new


def _apply_source(session: Session, record: SourceRecord) -> bool:
    digest = record.content_hash
    if record.text is not None:
        digest = content_hash(record.text)
        if record.content_hash and record.content_hash != digest:
            raise InvalidInput.field("content_hash", "does not match the text")
    source = source_queries.source_by_id(session, record.id)
    is_new = source is None
    if source is None:
        source = Source(id=record.id, title=record.title, published_on=record.published_on)
        session.add(source)
    for name in ("title", "outlet", "url", "published_on", "language", "text"):
        setattr(source, name, getattr(record, name))
    source.content_hash = digest
    _restamp(source, record)
    session.flush()
    return is_new


def _apply_milestone(session: Session, record: MilestoneRecord) -> bool:
    # Created or changed by slug; each state's evidence is checked against its source.
    milestone, is_new = milestone_service.save_milestone(session, record)
    _restamp(milestone, record)
    session.flush()
    return is_new


def _apply_claim(session: Session, record: ClaimRecord) -> bool:
    values = claim_service.resolve_claim(session, record)
    claim = session.get(Claim, record.id)
    is_new = claim is None
    if claim is None:
        claim = Claim(id=record.id, **values, conditions=[])
        session.add(claim)
    else:
        for key, value in values.items():
            setattr(claim, key, value)
        session.flush()
        claim = claim_service.require_claim(session, record.id)
    claim.conditions = claim_service.condition_rows(session, record.conditions)
    claim.retracted_at = record.retracted_at
    claim.retraction_reason = record.retraction_reason
    claim.review_note = record.review_note
    claim.reviewed_at = record.reviewed_at
    _restamp(claim, record)
    session.flush()
    return is_new
