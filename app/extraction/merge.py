"""Candidates, the evidence of one sentence, merged into one claim per actor and object."""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from app.extraction.actors import ActorIndex
from app.extraction.schemas import (
    ProposedClaim,
    ProposedCondition,
    ProposedEvidence,
    ProposedQuantity,
)
from app.vocab import STATUS_RANK, Status

# Merging the evidence of one source: the strongest rung wins; a reported reversal
# is the latest word, so it outranks the ladder; undisclosed sits beside considering.
MERGE_RANK: dict[str, float] = {
    **{s.value: float(r) for s, r in STATUS_RANK.items() if r is not None},
    Status.WITHDRAWN.value: 6.0,
    Status.UNDISCLOSED.value: 1.5,
}


@dataclass
class Candidate:
    """One piece of evidence for one (actor, role) or (actor, initiative)."""

    actor: str
    kind: str
    role: str | None
    initiative: str | None
    status: str | None
    stance: str | None
    conditions: list[tuple[str, str]]
    limits: list[str]
    quantity: tuple[Decimal, str] | None
    certainty: str
    basis: str
    speaker: str | None
    via: list[str]
    stated_on: date
    dated: bool
    start: int
    end: int
    notes: list[str] = field(default_factory=list)


def merge(
    candidates: list[Candidate], text: str, index: ActorIndex, outlet: str | None
) -> list[ProposedClaim]:
    """One claim per actor and object: the strongest rung, the first among equals."""
    groups: dict[tuple[str, str, str], list[Candidate]] = {}
    for c in candidates:
        key = (c.actor, c.kind, c.role or c.initiative or "")
        groups.setdefault(key, []).append(c)
    claims: list[ProposedClaim] = []
    for group in groups.values():
        best = max(
            enumerate(group),
            key=lambda ic: (MERGE_RANK.get(ic[1].status or "", 0.0), -ic[0]),
        )[1]
        chosen = replace(best)
        if not chosen.dated:
            # An undated winner takes the day of dated evidence of the same rung.
            dated = [c for c in group if c.dated and c.status == chosen.status]
            if dated:
                chosen.stated_on = dated[0].stated_on
        limits: list[str] = []
        for c in group:
            for limit in c.limits:
                if limit not in limits:
                    limits.append(limit)
        claims.append(_claim(chosen, limits, text, index, outlet))
    claims.sort(key=lambda c: (c.evidence.start, c.actor, c.role or c.initiative or ""))
    return claims


def _claim(
    c: Candidate, limits: list[str], text: str, index: ActorIndex, outlet: str | None
) -> ProposedClaim:
    return ProposedClaim(
        actor=c.actor,
        actor_name=index.actor_names.get(c.actor),
        kind=c.kind,
        role=c.role,
        initiative=c.initiative,
        status=c.status,
        stance=c.stance,
        conditional=bool(c.conditions),
        conditions=[ProposedCondition(type=t, text=x) for t, x in c.conditions],
        limits="; ".join(limits) or None,
        quantity=ProposedQuantity(amount=c.quantity[0], unit=c.quantity[1]) if c.quantity else None,
        certainty=c.certainty,
        basis=c.basis,
        speaker=c.speaker,
        reported_by=outlet,
        via=c.via,
        stated_on=c.stated_on,
        evidence=ProposedEvidence(start=c.start, end=c.end, text=text[c.start : c.end]),
        note="; ".join(c.notes),
    )
