"""Rules about initiatives: unique slugs, known proposers."""

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors.service import filter_actor_id
from app.claims.models import Claim
from app.claims.service import claim_read
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.initiatives import queries
from app.initiatives.models import Initiative
from app.initiatives.schemas import (
    InitiativeCreate,
    InitiativeRead,
    InitiativeUpdate,
    RoleFillers,
)
from app.listing import Paging
from app.versioning import check_version
from app.vocab import BASIS_PRIORITY, STATUS_RANK, Basis, Role, Status


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
    initiative = Initiative(
        slug=data.slug,
        name=data.name,
        description=data.description,
        proposer_id=_proposer_id(session, data.proposer),
        first_reported_on=data.first_reported_on,
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
    initiative = require_initiative(session, slug)
    fields = data.model_fields_set
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
