"""A claim's lifecycle: record, edit, retract, accept, reject (the rules are in rules.py)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Unpack, cast

from pydantic import ValidationError
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.audit import capture as audit
from app.claims import queries, rules
from app.claims.models import Claim, ClaimCondition
from app.claims.rules import locate_evidence as locate_evidence
from app.claims.rules import require_claim as require_claim
from app.claims.rules import resolve_claim as resolve_claim
from app.claims.schemas import (
    ClaimAccept,
    ClaimCreate,
    ClaimFields,
    ClaimRead,
    ClaimUpdate,
    ConditionIn,
)
from app.claims.views import claim_fields as claim_fields
from app.claims.views import claim_read as claim_read
from app.claims.views import claim_record as claim_record
from app.db import locked_version, utcnow
from app.errors import (
    AppError,
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    PreconditionFailed,
    validation_errors,
)
from app.initiatives import queries as initiative_queries
from app.listing import Paging
from app.milestones import queries as milestone_queries
from app.versioning import check_version
from app.vocab import STATUS_RANK, ReviewState


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
        conditions=condition_rows(session, data.conditions),
    )
    session.add(claim)
    session.flush()
    _mark_duplicates(session, claim, [])
    return require_claim(session, claim.id)


def _mark_duplicates(session: Session, claim: Claim, groups: list[tuple[int, int]]) -> None:
    """Flag the claim if it repeats an earlier one, and re-check the claims of the (source,
    actor) `groups` a change or retraction may have made or unmade duplicates in."""
    for source_id, actor_id in sorted({(claim.source_id, claim.actor_id), *groups}):
        rows = queries.span_rows(session, [source_id], actor_id)
        found = rules.repeats(rows)
        changed = {r.id: found[r.id] for r in rows if found[r.id] != r.duplicate_of_id}
        queries.set_duplicate_flags(session, changed)
    session.expire(claim, ["duplicate_of_id"])


def duplicates_of_new(
    session: Session, ids: Sequence[int], columns: Mapping[str, Sequence[Any]]
) -> dict[int, int]:
    """For claims about to be written in bulk (their ids, and their values column by
    column), the earlier claim each repeats, among those stored and those before it."""
    n = len(ids)

    def column(name: str) -> Sequence[Any]:
        return columns.get(name) or [None] * n

    new = [
        queries.SpanRow(i, src, actor, kind, role, initiative, start, end, quote, False, None)
        for i, src, actor, kind, role, initiative, start, end, quote in zip(
            ids,
            column("source_id"),
            column("actor_id"),
            column("kind"),
            column("role"),
            column("initiative_id"),
            column("evidence_start"),
            column("evidence_end"),
            column("evidence_text"),
            strict=True,
        )
    ]
    stored = queries.span_rows(session, sorted({r.source_id for r in new}))
    found = rules.repeats([*stored, *new])
    return {r.id: d for r in new if (d := found[r.id]) is not None}


def flag_duplicates(session: Session, claim_ids: Sequence[int]) -> dict[int, int]:
    """Flag the claims written in bulk that repeat an earlier claim; {claim id: the claim
    it repeats}. Claims written before keep their flags: a new claim is never earlier."""
    if not claim_ids:
        return {}
    wanted = set(claim_ids)
    source_ids = queries.sources_of(session, min(wanted), max(wanted))
    found = rules.repeats(queries.span_rows(session, source_ids))
    flags = {c: d for c, d in found.items() if c in wanted and d is not None}
    queries.set_duplicate_flags(session, flags)
    return flags


def _groups_touched(claim: Claim) -> list[tuple[int, int]]:
    """The (source, actor) pairs the claim is in and was in before its unsaved changes."""
    state = inspect(claim)
    sources = state.attrs.source_id.history
    actors = state.attrs.actor_id.history
    pairs = {(claim.source_id, claim.actor_id)}
    for source in [*sources.deleted, claim.source_id]:
        for actor in [*actors.deleted, claim.actor_id]:
            pairs.add((source, actor))
    return sorted(pairs)


def condition_rows(session: Session, conditions: Sequence[ConditionIn]) -> list[ClaimCondition]:
    """The conditions' rows, their milestones and required actors resolved; one 422 names
    every unknown slug or code, and a required rung that is off the ladder."""
    slugs = [c.milestone for c in conditions if c.milestone is not None]
    codes = [c.requires.actor for c in conditions if c.requires is not None]
    milestone_ids = milestone_queries.milestone_ids_by_slug(session, slugs)
    actor_ids = actor_queries.actor_ids_by_code(session, codes)
    errors: list[FieldError] = []
    rows = []
    for n, condition in enumerate(conditions):
        row = ClaimCondition(type=condition.type.value, text=condition.text)
        if condition.milestone is not None:
            row.milestone_id = milestone_ids.get(condition.milestone)
            if row.milestone_id is None:
                errors.append(
                    FieldError(
                        f"conditions.{n}.milestone", f"unknown milestone '{condition.milestone}'"
                    )
                )
        required = condition.requires
        if required is not None:
            row.requires_actor_id = actor_ids.get(required.actor)
            row.requires_role = required.role.value
            row.requires_status = required.status_at_least.value
            if row.requires_actor_id is None:
                field = f"conditions.{n}.requires.actor"
                errors.append(FieldError(field, f"unknown actor '{required.actor}'"))
            if STATUS_RANK[required.status_at_least] is None:
                errors.append(
                    FieldError(
                        f"conditions.{n}.requires.status_at_least",
                        f"'{required.status_at_least}' is not a rung of the ladder",
                    )
                )
        rows.append(row)
    if errors:
        raise InvalidInput.of(errors)
    return rows


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
        raise InvalidInput.of(errors) from exc
    values = resolve_claim(session, merged_fields)
    for key, value in values.items():
        setattr(claim, key, value)
    if "conditions" in changes:
        claim.conditions = condition_rows(session, merged_fields.conditions)


def _saved(session: Session, claim: Claim) -> Claim:
    claim.version += 1
    claim.updated_at = utcnow()
    groups = _groups_touched(claim)
    session.flush()
    _mark_duplicates(session, claim, groups)
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


@dataclass(frozen=True)
class Decision:
    """A reviewer's decision on one proposed claim, at the version they read."""

    claim_id: int
    version: int
    accept: bool
    reason: str | None = None


# A refused batch answers with the most basic problem found: the request itself (422), then
# a claim changed since it was read (412), then a claim that cannot be decided now (409).
_REFUSAL_ORDER: tuple[type[AppError], ...] = (InvalidInput, PreconditionFailed, Conflict)


def decide_claims(
    session: Session, decisions: Sequence[Decision], *, allow_self_review: bool = False
) -> list[Claim]:
    """Accept and reject proposed claims, each at the version given, all or none: the
    claims as decided, in the decisions' order.

    Every decision that cannot be applied is named in one refusal (`decisions.N.claim`,
    `.version` or `.reason`), and nothing is written.
    """
    problems: list[tuple[type[AppError], FieldError]] = []
    first_at: dict[int, int] = {}
    for n, d in enumerate(decisions):
        if d.claim_id in first_at:
            message = f"claim {d.claim_id} is decided twice (also decisions.{first_at[d.claim_id]})"
            problems.append((InvalidInput, FieldError(f"decisions.{n}.claim", message)))
        first_at.setdefault(d.claim_id, n)
        if not d.accept and not d.reason:
            message = "a rejection needs a reason"
            problems.append((InvalidInput, FieldError(f"decisions.{n}.reason", message)))
    reviewer = current_user(session)
    # Locked in id order, so that two reviewers' batches never wait on each other in a ring.
    for claim_id in sorted(first_at):
        n = first_at[claim_id]
        problem = _undecidable(session, decisions[n], reviewer, allow_self_review)
        if problem is not None:
            kind, message, field = problem
            problems.append((kind, FieldError(f"decisions.{n}.{field}", message)))
    if problems:
        raise _refusal(problems, len(decisions))
    decided: list[Claim] = []
    for d in decisions:
        # The audit trail records each claim under its own verb, as one accept or reject.
        with audit.action(session, "accept" if d.accept else "reject"):
            claim = require_claim(session, d.claim_id)
            state = ReviewState.ACCEPTED if d.accept else ReviewState.REJECTED
            claim.review_state = state.value
            _mark_reviewed(session, claim, d.reason)
            decided.append(_saved(session, claim))
    return decided


def _undecidable(
    session: Session, decision: Decision, reviewer: int | None, allow_self_review: bool
) -> tuple[type[AppError], str, str] | None:
    """Why this decision cannot be applied now (problem kind, message, field), if so."""
    claim_id = decision.claim_id
    current = locked_version(session, Claim.version, Claim.id == claim_id)
    if current is None:
        return InvalidInput, f"no claim has the id {claim_id}", "claim"
    if current != decision.version:
        message = f"claim {claim_id} is at version {current} now, not {decision.version}"
        return PreconditionFailed, message, "version"
    claim = require_claim(session, claim_id)
    if claim.retracted_at is not None:
        return Conflict, f"claim {claim_id} is retracted", "claim"
    if claim.review_state != ReviewState.PROPOSED:
        return Conflict, f"claim {claim_id} is {claim.review_state}, not proposed", "claim"
    own = reviewer is not None and claim.created_by == reviewer
    if decision.accept and own and not allow_self_review:
        message = f"you recorded claim {claim_id}: another reviewer must accept it"
        return Conflict, message, "claim"
    return None


def _refusal(problems: list[tuple[type[AppError], FieldError]], asked: int) -> AppError:
    kinds = {kind for kind, _ in problems}
    kind = next(k for k in _REFUSAL_ORDER if k in kinds)
    bad = len({str(e["field"]).split(".")[1] for _, e in problems})
    detail = f"{bad} of the {asked} decisions cannot be applied, so none was: " + "; ".join(
        f"{e['field']}: {e['message']}" for _, e in problems
    )
    return kind(detail, errors=[e for _, e in problems])


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
    # Claims that repeated this one repeat an earlier one, or none, now.
    _mark_duplicates(session, claim, [(claim.source_id, claim.actor_id)])
    return claim


def _known_ids(found: dict[str, int], wanted: Sequence[str], field: str, what: str) -> list[int]:
    missing = [w for w in wanted if w not in found]
    if missing:
        raise InvalidInput.field(field, f"unknown {what} {', '.join(repr(m) for m in missing)}")
    return [found[w] for w in wanted]


class ClaimFilter(queries.ClaimColumnFilter, total=False):
    """A claim list's filters as a client names them (actors by code, initiatives by slug)."""

    actors: Sequence[str]
    initiatives: Sequence[str]


def claim_criteria(session: Session, **filters: Unpack[ClaimFilter]) -> queries.ClaimCriteria:
    """The list's criteria, codes and slugs resolved to ids.

    Refuses (422) a date range that ends before it starts, and an unknown actor code or
    initiative slug.
    """
    stated_from, stated_to = filters.get("stated_from"), filters.get("stated_to")
    if stated_from and stated_to and stated_to < stated_from:
        raise InvalidInput.field("stated_to", "is before stated_from")
    actors = filters.get("actors", ())
    initiatives = filters.get("initiatives", ())
    found_actors = actor_queries.actor_ids_by_code(session, actors)
    found_initiatives = initiative_queries.initiative_ids_by_slug(session, initiatives)
    rest = {k: v for k, v in filters.items() if k not in ("actors", "initiatives")}
    criteria = cast(queries.ClaimCriteria, rest)
    criteria["actor_ids"] = _known_ids(found_actors, actors, "actor", "actor")
    criteria["initiative_ids"] = _known_ids(
        found_initiatives, initiatives, "initiative", "initiative"
    )
    return criteria


def claim_page(
    session: Session, asked: Paging, sort: str | None, **filters: Unpack[ClaimFilter]
) -> tuple[list[ClaimRead], int]:
    """A page of the claims the filters match (newest first unless `sort` says otherwise),
    and the total; 422 for a filter or sort field that names nothing."""
    rows, total = queries.claim_page(session, asked, sort, **claim_criteria(session, **filters))
    return [claim_read(c) for c in rows], total


def claim_records(
    session: Session, sort: str | None, **filters: Unpack[ClaimFilter]
) -> list[dict[str, Any]]:
    """Every claim the filters match, as export records (the CSV)."""
    claims = queries.all_claims(session, sort, **claim_criteria(session, **filters))
    return [claim_record(c) for c in claims]


def accept_claim_as_asked(
    session: Session,
    claim_id: int,
    data: ClaimAccept | None,
    *,
    expected_version: int | None = None,
    allow_self_review: bool = False,
) -> Claim:
    """Accept a proposed claim with what an accept request gives: the reviewer's note, and
    field changes to make first (edit-and-accept) if it gives any."""
    changes = None
    note = None
    if data is not None:
        note = data.review_note
        fields = data.model_dump(exclude_unset=True, exclude={"review_note"})
        changes = ClaimUpdate.model_validate(fields) if fields else None
    return accept_claim(
        session,
        claim_id,
        expected_version=expected_version,
        changes=changes,
        note=note,
        allow_self_review=allow_self_review,
    )
