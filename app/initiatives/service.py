"""Rules about initiatives: unique slugs, known proposers, one need per role; and how far
the needs are filled."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors.service import filter_actor_id
from app.claims.models import Claim
from app.claims.service import claim_read
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.initiatives import queries
from app.initiatives.models import Initiative, InitiativeNeed
from app.initiatives.schemas import (
    InitiativeCreate,
    InitiativeNeeds,
    InitiativeRead,
    InitiativeUpdate,
    NeedActor,
    NeedFill,
    NeedIn,
    NeedRead,
    RoleFillers,
)
from app.listing import Paging
from app.positions import service as positions
from app.positions.conditions import assumed_milestones
from app.versioning import check_version
from app.vocab import BASIS_PRIORITY, STATUS_RANK, Basis, Role, Status

ROLE_ORDER = {r.value: n for n, r in enumerate(Role)}
# A need counts actors at this rung or above (pledged, active).
PLEDGED_RANK = 4


def initiative_page(
    session: Session,
    asked: Paging,
    *,
    q: str | None = None,
    proposer: str | None = None,
    sort: str | None = None,
    by_name: bool = False,
) -> tuple[list[InitiativeRead], int]:
    """A page of initiatives matching a text or proposed by an actor, and the total; 422
    naming `proposer` when it names no actor."""
    proposer_id = filter_actor_id(session, proposer, "proposer") if proposer else None
    rows, total = queries.initiative_page(
        session, asked, q=q, proposer_id=proposer_id, sort=sort, by_name=by_name
    )
    return [initiative_read(r) for r in rows], total


def require_initiative(session: Session, slug: str) -> Initiative:
    """The initiative with this slug, or 404."""
    initiative = queries.initiative_by_slug(session, slug)
    if initiative is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    return initiative


def _proposer_id(session: Session, code: str | None) -> int | None:
    if code is None:
        return None
    found = actor_queries.actor_ids_by_code(session, [code])
    if code not in found:
        raise InvalidInput.field("proposer", f"unknown actor '{code}'")
    return found[code]


def initiative_read(row: Any) -> InitiativeRead:
    """Shape an (initiative, proposer code, proposer name) row."""
    initiative, code, name = row
    return InitiativeRead.model_validate(
        {
            **{
                k: getattr(initiative, k)
                for k in (
                    "slug",
                    "name",
                    "description",
                    "first_reported_on",
                    "version",
                    "created_at",
                    "updated_at",
                )
            },
            "proposer": code,
            "proposer_name": name,
            "needs": [
                NeedRead.model_validate(n)
                for n in sorted(initiative.needs, key=lambda n: ROLE_ORDER.get(n.role, 0))
            ],
        }
    )


def read_initiative(session: Session, slug: str) -> InitiativeRead:
    """One initiative as the API shows it, or 404."""
    row = queries.initiative_row(session, slug)
    if row is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    return initiative_read(row)


def create_initiative(session: Session, data: InitiativeCreate) -> Initiative:
    """Record a new initiative."""
    if queries.initiative_by_slug(session, data.slug) is not None:
        raise Conflict(
            f"An initiative with the slug '{data.slug}' already exists.",
            errors=[FieldError("slug", "already taken")],
            extra={"existing_id": data.slug},
        )
    check_needs(data.needs)
    initiative = Initiative(
        slug=data.slug,
        name=data.name,
        description=data.description,
        proposer_id=_proposer_id(session, data.proposer),
        first_reported_on=data.first_reported_on,
        needs=[_need_row(n) for n in data.needs],
    )
    session.add(initiative)
    session.flush()
    return initiative


def update_initiative(
    session: Session, slug: str, data: InitiativeUpdate, *, expected_version: int | None = None
) -> Initiative:
    """Change an initiative's fields (refused with 412 if changed since `expected_version`)."""
    check_version(
        session,
        Initiative.version,
        Initiative.slug == slug,
        expected_version,
        f"Initiative {slug}",
    )
    initiative = queries.initiative_by_slug(session, slug, with_needs=True)
    if initiative is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    fields = data.model_fields_set
    if "needs" in fields:
        replace_needs(initiative, data.needs or [])
    if "name" in fields:
        if data.name is None:
            raise InvalidInput.field("name", "cannot be empty")
        initiative.name = data.name
    if "description" in fields:
        initiative.description = data.description
    if "proposer" in fields:
        initiative.proposer_id = _proposer_id(session, data.proposer)
    if "first_reported_on" in fields:
        initiative.first_reported_on = data.first_reported_on
    initiative.version += 1
    initiative.updated_at = utcnow()
    session.flush()
    return initiative


def check_needs(needs: Sequence[NeedIn]) -> None:
    """One need per role, and an amount with its unit or neither: 422 naming each bad
    field (`needs.<i>.role`, `needs.<i>.quantity_amount`, `needs.<i>.quantity_unit`)."""
    errors: list[FieldError] = []
    first: dict[str, int] = {}
    for n, need in enumerate(needs):
        role = need.role.value
        if role in first:
            errors.append(
                FieldError(f"needs.{n}.role", f"repeats needs.{first[role]}.role ('{role}')")
            )
        first.setdefault(role, n)
        if need.quantity_amount is not None and need.quantity_unit is None:
            errors.append(FieldError(f"needs.{n}.quantity_unit", "give the amount's unit"))
        if need.quantity_unit is not None and need.quantity_amount is None:
            errors.append(FieldError(f"needs.{n}.quantity_amount", "give an amount in the unit"))
    if errors:
        raise InvalidInput.of(errors)


def _need_row(need: NeedIn) -> InitiativeNeed:
    return InitiativeNeed(
        role=need.role.value,
        quantity_amount=need.quantity_amount,
        quantity_unit=need.quantity_unit,
    )


def replace_needs(initiative: Initiative, needs: Sequence[NeedIn]) -> None:
    """Make the initiative's needs these (its needs loaded). A role kept keeps its row:
    deleting and inserting it again in one flush would break the one-per-role rule, as
    the inserts run first."""
    check_needs(needs)
    stored = {row.role: row for row in initiative.needs}
    rows = []
    for need in needs:
        row = stored.get(need.role.value) or InitiativeNeed(role=need.role.value)
        row.quantity_amount = need.quantity_amount
        row.quantity_unit = need.quantity_unit
        rows.append(row)
    initiative.needs = rows


def _quantity_sum(
    need: InitiativeNeed, actors: Sequence[NeedActor], ranks: Sequence[int]
) -> Decimal | None:
    # The amounts in the need's unit (any case) of the actors at pledged or above.
    if need.quantity_amount is None or need.quantity_unit is None:
        return None
    unit = need.quantity_unit.casefold()
    return sum(
        (
            a.quantity_amount
            for a, rank in zip(actors, ranks, strict=True)
            if rank >= PLEDGED_RANK
            and a.quantity_amount is not None
            and a.quantity_unit is not None
            and a.quantity_unit.casefold() == unit
        ),
        Decimal(0),
    )


def _is_filled(need: InitiativeNeed, quantity: Decimal | None, ranks: Sequence[int]) -> bool:
    if need.quantity_amount is None:
        return any(rank >= PLEDGED_RANK for rank in ranks)
    return quantity is not None and quantity >= need.quantity_amount


def _rank(cell: dict[str, Any]) -> int:
    rank = cell["status_rank"]
    return -1 if rank is None else int(rank)


def _need_fill(need: InitiativeNeed, counted: Sequence[tuple[dict[str, Any], Any]]) -> NeedFill:
    """How far one need is filled by these (cell, claim) pairs."""
    # Most engaged first, by name; withdrawn and undisclosed (no rank) last.
    counted = sorted(counted, key=lambda pair: (-_rank(pair[0]), pair[0]["actor_name"]))
    # Built without validation: the engine's cells and the claims are typed already, and
    # a need may count a thousand actors.
    actors = [
        NeedActor.model_construct(
            actor=cell["actor"],
            actor_name=cell["actor_name"],
            status=cell["status"],
            claim_id=cell["claim_id"],
            quantity_amount=claim.quantity_amount,
            quantity_unit=claim.quantity_unit,
            in_effect=bool(cell.get("in_effect", True)),
            evidence=cell["evidence"],
            source_id=cell["source_id"],
        )
        for cell, claim in counted
    ]
    ranks = [_rank(cell) for cell, _ in counted]
    effect = [rank if a.in_effect else -1 for a, rank in zip(actors, ranks, strict=True)]
    rungs: dict[str, list[str]] = {s.value: [] for s in Status}
    for a in actors:
        if a.status in rungs:
            rungs[a.status].append(a.actor)
    pledged = _quantity_sum(need, actors, ranks)
    in_effect = _quantity_sum(need, actors, effect)
    return NeedFill(
        role=need.role,
        quantity_amount=need.quantity_amount,
        quantity_unit=need.quantity_unit,
        rungs=rungs,
        actors=actors,
        pledged_quantity=pledged,
        in_effect_quantity=in_effect,
        filled=_is_filled(need, pledged, ranks),
        filled_in_effect=_is_filled(need, in_effect, effect),
    )


def initiative_needs(
    session: Session,
    slug: str,
    as_of: date,
    *,
    known_as_of: date | None = None,
    assume: Sequence[str] = (),
) -> InitiativeNeeds:
    """How far each of the initiative's needs is filled as of a date: the actors whose
    position on the role (the codebook's as-of rule) rests on a claim naming this
    initiative or none, unfilled needs first, then by role. 404 for an unknown initiative,
    422 naming `assume` for an unknown milestone."""
    initiative = queries.initiative_by_slug(session, slug, with_needs=True)
    if initiative is None:
        raise NotFound(f"No initiative has the slug '{slug}'.")
    assumed = list(dict.fromkeys(assume))
    # Checked here too: without needs, no matrix is asked for that would check them.
    assumed_milestones(session, assumed)
    by_role: dict[str, list[tuple[dict[str, Any], Any]]] = {}
    if initiative.needs:
        cells = positions.cell_filter(session, roles=[Role(n.role) for n in initiative.needs])
        matrix = positions.position_matrix(
            session, as_of, known_as_of=known_as_of, cells=cells, assume=assumed
        )
        claims = queries.claim_objects(session, [c["claim_id"] for c in matrix["cells"]])
        for cell in matrix["cells"]:
            claim = claims.get(cell["claim_id"])
            # A commitment naming another initiative fills that one, not this.
            if claim is None or claim.initiative_id not in (None, initiative.id):
                continue
            by_role.setdefault(cell["role"], []).append((cell, claim))
    fills = [_need_fill(need, by_role.get(need.role, [])) for need in initiative.needs]
    fills.sort(key=lambda f: (f.filled, ROLE_ORDER.get(f.role, len(ROLE_ORDER))))
    return InitiativeNeeds(
        initiative=initiative.slug,
        initiative_name=initiative.name,
        as_of=as_of,
        known_as_of=known_as_of,
        assume=assumed,
        needs=fills,
    )


def _recency(claim: Claim) -> tuple[date, int, date, int]:
    # The as-of rule's order (codebook section 7): latest stated, then statement over
    # report over plan, then the later publication; the id keeps ties stable.
    return (
        claim.stated_on,
        -BASIS_PRIORITY[Basis(claim.basis)],
        claim.source.published_on,
        claim.id,
    )


def _ladder_rank(claim: Claim) -> int:
    # Most engaged first; withdrawn and undisclosed (no rank) last.
    rank = STATUS_RANK[Status(claim.status)] if claim.status else None
    return -1 if rank is None else rank


def initiative_roles(session: Session, slug: str) -> list[RoleFillers]:
    """The roles the initiative involves: each actor's latest counting claim per role."""
    initiative = require_initiative(session, slug)
    latest: dict[tuple[int, str], Claim] = {}
    for claim in queries.role_claims(session, initiative.id):
        key = (claim.actor_id, claim.role or "")
        if key not in latest or _recency(claim) > _recency(latest[key]):
            latest[key] = claim
    by_role: dict[str, list[Claim]] = {}
    for (_, role), claim in latest.items():
        by_role.setdefault(role, []).append(claim)
    order = {r.value: n for n, r in enumerate(Role)}
    return [
        RoleFillers(
            role=role,
            claims=[
                claim_read(c)
                for c in sorted(
                    claims,
                    key=lambda c: (-_ladder_rank(c), c.actor.name),
                )
            ],
        )
        for role, claims in sorted(by_role.items(), key=lambda kv: order.get(kv[0], len(order)))
    ]
