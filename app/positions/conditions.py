"""Conditions as of a date: each condition of a deciding claim is `met`, `pending`,
`failed` or `unknown`, from the milestone it waits on or the position it requires, and a
position is in effect when it is unconditional or every condition is met.

"What if" assumptions take milestones as met on every date asked about. A condition that
requires another position looks at that position's rung only, not at whether that
position is itself in effect: chains of conditions are not followed.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.errors import InvalidInput
from app.milestones import queries as milestone_queries
from app.positions import queries
from app.positions.queries import CellFilter
from app.vocab import STATUS_RANK, ConditionState, Status

# A required position that the actor ruled out or withdrew will not come by itself.
REFUSED = frozenset({Status.RULED_OUT.value, Status.WITHDRAWN.value})


def assumed_milestones(session: Session, slugs: Sequence[str]) -> frozenset[int]:
    """The ids of the milestones to assume met; an unknown slug is refused naming `assume`."""
    wanted = list(dict.fromkeys(slugs))
    found = milestone_queries.milestone_ids_by_slug(session, wanted)
    missing = [slug for slug in wanted if slug not in found]
    if missing:
        raise InvalidInput.field("assume", f"unknown milestone {', '.join(map(repr, missing))}")
    return frozenset(found.values())


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


class _Evidence:
    """What the conditions of a set of cells wait on, read once for all of them."""

    def __init__(
        self,
        session: Session,
        conditions: Sequence[Any],
        dates: Collection[date],
        known_as_of: date | None,
    ) -> None:
        milestone_ids = sorted({c.milestone_id for c in conditions if c.milestone_id})
        self._milestone_states: dict[tuple[int, date], str] = {}
        self.states: dict[int, list[tuple[date, str]]] = defaultdict(list)
        for row in queries.milestone_states(session, milestone_ids, known_as_of=known_as_of):
            self.states[row.milestone_id].append((_as_date(row.from_on), row.state))
        required = [c for c in conditions if c.requires_actor_id]
        self.positions: dict[tuple[date, int, str], str] = {}
        if required:
            cells = CellFilter(
                kind="commitment",
                roles=tuple(sorted({c.requires_role for c in required})),
                actor_ids=tuple(sorted({c.requires_actor_id for c in required})),
            )
            for row in queries.decided_values(
                session, sorted(dates), known_as_of=known_as_of, cells=cells
            ):
                self.positions[(_as_date(row.as_of), row.actor_id, row.role)] = row.value

    def milestone_state(self, milestone_id: int, day: date) -> str:
        state = ConditionState.PENDING.value
        for since, value in self.states.get(milestone_id, ()):
            if since > day:
                break
            state = value
        return state

    def required_state(self, condition: Any, day: date) -> str:
        status = self.positions.get((day, condition.requires_actor_id, condition.requires_role))
        if status is None:
            return ConditionState.PENDING.value
        if status in REFUSED:
            return ConditionState.FAILED.value
        rank = STATUS_RANK[Status(status)]
        wanted = STATUS_RANK[Status(condition.requires_status)]
        met = rank is not None and wanted is not None and rank >= wanted
        return ConditionState.MET.value if met else ConditionState.PENDING.value

    def state(self, condition: Any, day: date) -> str:
        if condition.milestone_id:
            key = (condition.milestone_id, day)
            found = self._milestone_states.get(key)
            if found is None:
                found = self._milestone_states[key] = self.milestone_state(*key)
            return found
        if condition.requires_actor_id:
            return self.required_state(condition, day)
        return ConditionState.UNKNOWN.value


def _described(condition: Any, state: str) -> dict[str, Any]:
    return {
        "type": condition.type,
        "text": condition.text,
        "state": state,
        "milestone": condition.milestone,
        "requires": (
            {
                "actor": condition.requires_actor,
                "role": condition.requires_role,
                "status_at_least": condition.requires_status,
            }
            if condition.requires_actor_id
            else None
        ),
    }


# What an unconditional cell says of its conditions (a tuple: shared by every such cell,
# never changed, written out as an empty list).
UNCONDITIONAL: dict[str, Any] = {
    "conditions": (),
    "in_effect": True,
    "in_effect_by_assumption": False,
}


def attach_conditions(
    session: Session,
    dated_cells: Iterable[tuple[date, dict[str, Any]]],
    *,
    known_as_of: date | None,
    assumed: frozenset[int] = frozenset(),
) -> None:
    """Give each cell its `conditions` with their states as of the cell's date, whether
    it is `in_effect`, and whether only the assumed milestones put it there."""
    conditional: list[tuple[date, dict[str, Any]]] = []
    for day, cell in dated_cells:
        cell.update(UNCONDITIONAL)
        if cell["conditional"]:
            conditional.append((day, cell))
    if not conditional:
        return
    claim_ids = sorted({cell["claim_id"] for _, cell in conditional})
    rows = queries.claim_conditions(session, claim_ids)
    of_claim: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        of_claim[row.claim_id].append(row)
    evidence = _Evidence(session, rows, {day for day, _ in conditional}, known_as_of)
    met = ConditionState.MET.value
    for day, cell in conditional:
        conditions = of_claim.get(cell["claim_id"], [])
        found = [evidence.state(c, day) for c in conditions]
        assumed_states = [
            met if c.milestone_id in assumed else state
            for c, state in zip(conditions, found, strict=True)
        ]
        cell["conditions"] = [
            _described(c, state) for c, state in zip(conditions, assumed_states, strict=True)
        ]
        # A conditional claim always has conditions (the claims' rules); none read means
        # nothing is known of them, so the position is not taken to be in effect.
        in_effect = bool(conditions) and all(state == met for state in assumed_states)
        without = bool(conditions) and all(state == met for state in found)
        cell["in_effect"] = in_effect
        cell["in_effect_by_assumption"] = in_effect and not without
