"""An oracle test of the positions engine: random claim histories, each checked at many
dates against a plain-Python reading of codebook section 7 (the as-of rule)."""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy.orm import Session

from app.actors.schemas import ActorUpdate, MembershipIn
from app.actors.service import update_actor
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.schemas import ClaimUpdate
from app.positions import service
from app.positions.queries import CellFilter
from app.positions.schemas import PositionCell, Step
from app.sources.models import Source
from app.sources.schemas import SourceUpdate
from app.sources.service import update_source
from app.vocab import ClaimKind, Role
from tests.factories import make_actor, make_claim, make_initiative, make_source

SEEDS = [4, 5, 8, 9]
START = date(2025, 6, 2)  # a Monday
SPAN_DAYS = 56
GROUP = "EU"
STATE_POOL = ["GB", "FR", "DE", "PL", "FI", "IT", "ES"]
ROLE_POOL = ["ground_forces", "air_cover", "sanctions", "training", "financial_support"]
INITIATIVE_POOL = ["peace-framework", "ceasefire-plan", "security-guarantees"]

# Written from the codebook, not from the engine.
# Section 4: the ladder's ranks; withdrawn and undisclosed stand apart.
LADDER: dict[str, int | None] = {
    "ruled_out": 0,
    "reluctant": 1,
    "considering": 2,
    "willing": 3,
    "pledged": 4,
    "active": 5,
    "withdrawn": None,
    "undisclosed": None,
}
# Section 5.
STANCES = ["supports", "conditional", "undecided", "opposes", "rejects"]
# Section 7: on the same day a statement beats a report, which beats a plan.
BASIS_STRENGTH = {"plan": 0, "report": 1, "statement": 2}

Key = tuple[str, str, str | None, str | None]  # (actor, kind, role, initiative)


@dataclass(frozen=True)
class Fact:
    """A claim as the reference reads it."""

    id: int
    actor: str
    kind: str
    role: str | None
    initiative: str | None
    status: str | None
    stance: str | None
    conditional: bool
    basis: str
    stated_on: date
    source_id: int
    published_on: date
    review_state: str
    retracted: bool

    @property
    def value(self) -> str | None:
        return self.status if self.kind == "commitment" else self.stance

    @property
    def cell(self) -> Key:
        """The object is the role of a commitment and the initiative of a stance."""
        if self.kind == "commitment":
            return (self.actor, self.kind, self.role, None)
        return (self.actor, self.kind, None, self.initiative)

    def counts(self, known_as_of: date | None) -> bool:
        """Accepted, not retracted, and (given K) from a source published on or before K."""
        return (
            self.review_state == "accepted"
            and not self.retracted
            and (known_as_of is None or self.published_on <= known_as_of)
        )


@dataclass
class History:
    """A generated history: its claims, memberships in GROUP, and the dates worth asking."""

    seed: int
    actors: list[str]
    roles: list[str]
    initiatives: list[str]
    facts: list[Fact] = field(default_factory=list)
    memberships: dict[str, list[tuple[date | None, date | None]]] = field(default_factory=dict)
    known_dates: list[date] = field(default_factory=list)

    def member_at(self, actor: str, day: date) -> bool:
        return any(
            (start is None or start <= day) and (until is None or day <= until)
            for start, until in self.memberships.get(actor, [])
        )

    def days(self) -> list[date]:
        """Every fourth day across the span and a little beyond, and each stated_on and
        the day before it."""
        days = {START + timedelta(days=n) for n in range(-3, SPAN_DAYS + 10, 4)}
        for fact in self.facts:
            days |= {fact.stated_on, fact.stated_on - timedelta(days=1)}
        return sorted(days)

    def membership_bounds(self) -> list[date]:
        """Each membership's first and last day."""
        spans = [span for spans in self.memberships.values() for span in spans]
        return sorted({bound for span in spans for bound in span if bound is not None})

    def membership_days(self) -> list[date]:
        """Each membership's first and last day, and the days either side."""
        bounds = self.membership_bounds()
        return sorted({b + timedelta(days=n) for b in bounds for n in (-1, 0, 1)})

    def describe_cell(self, key: Key) -> str:
        lines = [
            f"    claim {f.id}: {f.value} stated {f.stated_on} basis {f.basis} "
            f"source {f.source_id} published {f.published_on} conditional {f.conditional} "
            f"{f.review_state}{' retracted' if f.retracted else ''}"
            for f in sorted(self.facts, key=lambda f: (f.stated_on, f.id))
            if f.cell == key
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class Filter:
    """A cell filter in the codebook's terms (codes and slugs)."""

    kind: str | None = None
    roles: tuple[str, ...] = ()
    initiatives: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    group: str | None = None

    def keeps(self, fact: Fact, day: date, history: History) -> bool:
        if self.kind is not None and fact.kind != self.kind:
            return False
        if self.roles or self.initiatives:
            wanted = (fact.kind == "commitment" and fact.role in self.roles) or (
                fact.kind == "stance" and fact.initiative in self.initiatives
            )
            if not wanted:
                return False
        if self.actors and fact.actor not in self.actors:
            return False
        return self.group is None or history.member_at(fact.actor, day)

    def resolve(self, session: Session) -> CellFilter:
        return service.cell_filter(
            session,
            kind=ClaimKind(self.kind) if self.kind else None,
            roles=[Role(r) for r in self.roles],
            initiatives=list(self.initiatives),
            actors=list(self.actors),
            group=self.group,
        )


class Cell(NamedTuple):
    """What the oracle compares of a matrix cell."""

    claim_id: int
    status: str | None
    status_rank: int | None
    stance: str | None
    conditional: bool
    contested: bool
    stated_on: date
    basis: str
    source_id: int
    published_on: date


Matrix = dict[Key, Cell]


def precedence(fact: Fact) -> tuple[date, int, date, int]:
    """Latest stated_on, then statement > report > plan, then later publication, then the
    higher claim id (the project's documented last tie-break)."""
    return (fact.stated_on, BASIS_STRENGTH[fact.basis], fact.published_on, fact.id)


def reference_matrix(
    history: History, day: date, known_as_of: date | None, where: Filter = Filter()
) -> Matrix:
    """The position as of `day` (known as of `known_as_of`) of every cell, per section 7."""
    by_cell: dict[Key, list[Fact]] = {}
    for fact in history.facts:
        if fact.stated_on <= day and fact.counts(known_as_of) and where.keeps(fact, day, history):
            by_cell.setdefault(fact.cell, []).append(fact)
    matrix: Matrix = {}
    for key, facts in by_cell.items():
        winner = max(facts, key=precedence)
        that_day = [f for f in facts if f.stated_on == winner.stated_on]
        contested = any(
            a.source_id != b.source_id and a.value != b.value for a in that_day for b in that_day
        )
        matrix[key] = Cell(
            claim_id=winner.id,
            status=winner.status,
            status_rank=LADDER[winner.status] if winner.status else None,
            stance=winner.stance,
            conditional=winner.conditional,
            contested=contested,
            stated_on=winner.stated_on,
            basis=winner.basis,
            source_id=winner.source_id,
            published_on=winner.published_on,
        )
    return matrix


def as_cell(cell: PositionCell) -> tuple[Key, Cell]:
    key = (cell.actor, cell.kind, cell.role, cell.initiative)
    return key, Cell(
        claim_id=cell.claim_id,
        status=cell.status,
        status_rank=cell.status_rank,
        stance=cell.stance,
        conditional=cell.conditional,
        contested=cell.contested,
        stated_on=cell.stated_on,
        basis=cell.basis,
        source_id=cell.source_id,
        published_on=cell.published_on,
    )


def engine_matrix(
    session: Session, day: date, known_as_of: date | None, cells: CellFilter
) -> Matrix:
    found = service.positions_as_of(session, day, known_as_of=known_as_of, cells=cells)
    matrix = dict(as_cell(c) for c in found.cells)
    assert len(matrix) == len(found.cells) == found.total, f"a cell is repeated on {day}"
    return matrix


def differences(history: History, expected: Matrix, actual: Matrix) -> str:
    """The cells that differ, with the claims of each cell, for a failure message."""
    out = []
    for key in sorted(set(expected) | set(actual), key=lambda k: tuple(x or "" for x in k)):
        if expected.get(key) != actual.get(key):
            out.append(
                f"  cell {key}:\n    expected {expected.get(key)}\n    engine   {actual.get(key)}"
            )
            out.append(history.describe_cell(key))
    return "\n".join(out)


# Building histories through the project's own services.


def fact_of(claim: Claim) -> Fact:
    """The reference's reading of a claim as the claims service returned it."""
    return Fact(
        id=claim.id,
        actor=claim.actor.code,
        kind=claim.kind,
        role=claim.role,
        initiative=claim.initiative.slug if claim.initiative else None,
        status=claim.status,
        stance=claim.stance,
        conditional=claim.conditional,
        basis=claim.basis,
        stated_on=claim.stated_on,
        source_id=claim.source_id,
        published_on=claim.source.published_on,
        review_state=claim.review_state,
        retracted=claim.retracted_at is not None,
    )


MEMBERSHIP_SHAPES = ["none", "always", "joins", "leaves", "between", "leaves_and_rejoins"]


def pick_membership(rng: random.Random, shape: str) -> list[tuple[date | None, date | None]]:
    """No membership, an open one, or spans that start and end within the history."""

    def day(lo: int, hi: int) -> date:
        return START + timedelta(days=rng.randint(lo, hi))

    if shape == "none":
        return []
    if shape == "always":
        return [(None, None)]
    if shape == "joins":
        return [(day(5, 45), None)]
    if shape == "leaves":
        return [(None, day(5, 45))]
    if shape == "between":
        joined = day(0, 30)
        return [(joined, joined + timedelta(days=rng.randint(0, 25)))]
    left = day(5, 20)
    return [(None, left), (left + timedelta(days=rng.randint(2, 15)), None)]


class Builder:
    """Writes a random history through the services, keeping the reference's copy."""

    def __init__(self, session: Session, seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed)
        rng = self.rng
        states = rng.sample(STATE_POOL, rng.randint(3, 4))
        self.history = History(
            seed=seed,
            actors=[*states, GROUP],
            roles=rng.sample(ROLE_POOL, rng.randint(2, 3)),
            initiatives=rng.sample(INITIATIVE_POOL, rng.randint(1, 2)),
        )
        self.facts: dict[int, Fact] = {}
        self.sources: list[Source] = []
        self.event_days: list[date] = []

    def cells(self) -> list[tuple[str, str, str]]:
        h = self.history
        return [(a, "commitment", r) for a in h.actors for r in h.roles] + [
            (a, "stance", i) for a in h.actors for i in h.initiatives
        ]

    def values(self, kind: str) -> list[str]:
        return list(LADDER) if kind == "commitment" else STANCES

    def build(self) -> History:
        rng, h = self.rng, self.history
        make_actor(self.session, GROUP, kind="organization", name="European Union")
        for code in h.actors[:-1]:
            make_actor(self.session, code)
        for slug in INITIATIVE_POOL:
            make_initiative(self.session, slug)
        self.event_days = sorted(START + timedelta(days=n) for n in rng.sample(range(SPAN_DAYS), 9))
        for day in self.event_days:
            for _ in range(rng.randint(1, 3)):
                published = day + timedelta(days=rng.choice([0, 0, 0, 1, 2, 5, 12, 30]))
                self.sources.append(make_source(self.session, published_on=published))
        self.record_claims()
        self.edit_claims()
        self.move_publications()
        # Memberships last: an engine that keeps state must notice them after the claims.
        # One state always leaves (so that a group's cells can end), the others at random.
        shapes = [rng.choice(["leaves", "between", "leaves_and_rejoins"])]
        shapes += [rng.choice(MEMBERSHIP_SHAPES) for _ in h.actors[2:]]
        for code, shape in zip(h.actors[:-1], shapes, strict=True):
            spans = pick_membership(rng, shape)
            if spans:
                memberships = [MembershipIn(group=GROUP, from_on=a, until_on=b) for a, b in spans]
                update_actor(self.session, code, ActorUpdate(memberships=memberships))
                h.memberships[code] = spans
        h.facts = sorted(self.facts.values(), key=lambda f: f.id)
        published_days = sorted({s.published_on for s in self.sources})
        # Known-as-of dates: exactly a publication day (the bound is inclusive), and the
        # day before another, so that the sources published from then on are left out.
        h.known_dates = [
            rng.choice(published_days[2:-2]),
            rng.choice(published_days[3:]) - timedelta(days=1),
        ]
        return h

    def record_claims(self) -> None:
        """Some 40-80 claims crowded onto nine days and a few hot cells, in bursts:
        several claims of one cell and day, from one source or several, agreeing or not.

        The codebook asks for one claim per actor and object per source, but the service
        accepts more (two analysts, or an analyst and the extractor, coding one article),
        and the as-of rule must still decide such a cell.
        """
        rng = self.rng
        cells = self.cells()
        hot = rng.sample(cells, 6)
        target = rng.randint(40, 80)
        said: dict[tuple[str, str, str], str] = {}
        while len(self.facts) < target:
            cell = rng.choice(hot) if rng.random() < 0.6 else rng.choice(cells)
            day = rng.choice(self.event_days)
            palette = rng.sample(self.values(cell[1]), 2)
            if cell in said and rng.random() < 0.4:
                # A position restated, maybe now with conditions, maybe without them.
                palette = [said[cell]] * 2
            conditional = rng.random() < 0.3
            candidates = [s for s in self.sources if s.published_on >= day]
            source = rng.choice(candidates)
            for _ in range(rng.randint(1, 4)):
                if rng.random() < 0.5:
                    # Another source for the next claim (maybe published the same day).
                    source = rng.choice(candidates)
                value = rng.choice(palette)
                # Claims of one moment mostly agree on the conditions, not always.
                fact = self.record(cell, value, conditional ^ (rng.random() < 0.15), day, source)
                self.facts[fact.id] = fact
                said[cell] = value

    def record(
        self, cell: tuple[str, str, str], value: str, conditional: bool, day: date, source: Source
    ) -> Fact:
        """One claim with a random basis and review fate."""
        rng = self.rng
        actor, kind, obj = cell
        fields: dict[str, object] = {
            "actor": actor,
            "kind": kind,
            "basis": rng.choice(["statement", "statement", "report", "report", "plan"]),
            "stated_on": day,
            "source": source,
        }
        if kind == "commitment":
            fields |= {"role": obj, "status": value}
            if rng.random() < 0.25:
                # A commitment may name the initiative its role belongs to; its cell is
                # still the role.
                fields["initiative"] = rng.choice(INITIATIVE_POOL)
        else:
            fields |= {"initiative": obj, "stance": value, "role": None, "status": None}
        if conditional:
            fields["conditions"] = [{"type": "ceasefire", "text": "once the guns fall silent"}]
        fates = ["accepted", "retracted", "proposed", "rejected", "accepted on review"]
        fate = rng.choices(fates, weights=[72, 8, 9, 7, 4])[0]
        state = "accepted" if fate in ("accepted", "retracted") else "proposed"
        claim = make_claim(self.session, review_state=state, **fields)
        if fate == "retracted":
            claim = claim_service.retract_claim(self.session, claim.id, "miscoded")
        elif fate == "rejected":
            claim = claim_service.reject_claim(self.session, claim.id, "not in the text")
        elif fate == "accepted on review":
            claim = claim_service.accept_claim(self.session, claim.id)
        return fact_of(claim)

    def edit_claims(self) -> None:
        """Edit a few claims after the fact: a new value, basis, day or conditions, another
        actor or object, even another kind."""
        rng = self.rng
        editable = [f for f in self.facts.values() if not f.retracted]
        for fact in rng.sample(editable, max(3, len(editable) // 8)):
            edit = rng.choice(["value", "basis", "day", "conditions", "actor", "object", "kind"])
            changes: dict[str, object]
            if edit == "value":
                key = "status" if fact.kind == "commitment" else "stance"
                changes = {key: rng.choice(self.values(fact.kind))}
            elif edit == "basis":
                changes = {"basis": rng.choice(list(BASIS_STRENGTH))}
            elif edit == "day":
                earlier = [d for d in self.event_days if d <= fact.published_on]
                changes = {"stated_on": rng.choice(earlier)}
            elif edit == "conditions":
                conditions = [] if fact.conditional else [{"type": "other", "text": "if asked"}]
                changes = {"conditions": conditions}
            elif edit == "actor":
                changes = {"actor": rng.choice(self.history.actors)}
            elif edit == "object" and fact.kind == "commitment":
                changes = {"role": rng.choice(self.history.roles)}
            elif edit == "object":
                changes = {"initiative": rng.choice(self.history.initiatives)}
            elif fact.kind == "commitment":
                changes = {
                    "kind": "stance",
                    "role": None,
                    "status": None,
                    "initiative": rng.choice(self.history.initiatives),
                    "stance": rng.choice(STANCES),
                }
            else:
                changes = {
                    "kind": "commitment",
                    "initiative": None,
                    "stance": None,
                    "role": rng.choice(self.history.roles),
                    "status": rng.choice(list(LADDER)),
                }
            claim = claim_service.update_claim(
                self.session, fact.id, ClaimUpdate.model_validate(changes)
            )
            self.facts[fact.id] = fact_of(claim)

    def move_publications(self) -> None:
        """Move a few sources' publication days (never before a claim's stated_on)."""
        rng = self.rng
        for source in rng.sample(self.sources, 3):
            stated = [f.stated_on for f in self.facts.values() if f.source_id == source.id]
            moved = max(stated, default=START) + timedelta(days=rng.choice([0, 1, 4, 20]))
            update_source(self.session, source.id, SourceUpdate(published_on=moved))
            for fact in list(self.facts.values()):
                if fact.source_id == source.id:
                    self.facts[fact.id] = replace(fact, published_on=moved)


def build_history(session: Session, seed: int) -> History:
    """A small random history written through the services (see Builder)."""
    return Builder(session, seed).build()


# The oracle.


def filters_for(history: History) -> list[Filter]:
    """Each filter alone and a few together."""
    role, initiative = history.roles[0], history.initiatives[0]
    return [
        Filter(roles=(role,)),
        Filter(roles=tuple(history.roles[1:])),
        Filter(initiatives=(initiative,)),
        Filter(roles=(role,), initiatives=(initiative,)),
        Filter(kind="stance"),
        Filter(kind="commitment", roles=(role,)),
        Filter(actors=(history.actors[0], GROUP)),
        Filter(group=GROUP),
        Filter(group=GROUP, roles=(role,), actors=tuple(history.actors[:2])),
    ]


TIE_BREAKS = ("later stated_on", "basis", "later publication", "higher claim id")
EXERCISED = {
    *TIE_BREAKS,
    "contested",
    "same-day disagreement within one source, not contested",
    "a claim that does not count would have won",
    "known_as_of changes the winner",
}


def exercised(history: History, days: Sequence[date]) -> set[str]:
    """Which parts of the rule the history puts to the test (so that a change to the
    generator cannot quietly make the oracle toothless)."""
    seen: set[str] = set()
    for day in days:
        plain = reference_matrix(history, day, None)
        for known in history.known_dates:
            if reference_matrix(history, day, known) != plain:
                seen.add("known_as_of changes the winner")
        for key, cell in plain.items():
            facts = [f for f in history.facts if f.cell == key and f.stated_on <= day]
            counting = sorted((f for f in facts if f.counts(None)), key=precedence)
            if len(counting) > 1:
                winner, runner_up = precedence(counting[-1]), precedence(counting[-2])
                level = next(n for n in range(4) if winner[n] != runner_up[n])
                seen.add(TIE_BREAKS[level])
            if any(precedence(f) > precedence(counting[-1]) for f in facts if not f.counts(None)):
                seen.add("a claim that does not count would have won")
            if cell.contested:
                seen.add("contested")
            else:
                values = {f.value for f in counting if f.stated_on == cell.stated_on}
                if len(values) > 1:
                    seen.add("same-day disagreement within one source, not contested")
    return seen


@pytest.mark.parametrize("seed", SEEDS)
def test_matrix_follows_the_as_of_rule_at_every_date_and_filter(
    session: Session, seed: int
) -> None:
    history = build_history(session, seed)
    days = history.days()
    everything = Filter().resolve(session)
    for n, day in enumerate(days):
        for known in [None, history.known_dates[n % 2]]:
            expected = reference_matrix(history, day, known)
            actual = engine_matrix(session, day, known, everything)
            assert actual == expected, (
                f"seed {seed}, as of {day}, known as of {known}:\n"
                f"{differences(history, expected, actual)}"
            )
    knowns = [None, *history.known_dates]
    for m, where in enumerate(filters_for(history)):
        resolved = where.resolve(session)
        # Each filter on every fifth day (from its own offset); a group filter also on
        # each membership's first and last days.
        some_days = days[m % 5 :: 5]
        if where.group:
            some_days = sorted({*some_days, *history.membership_days()})
        for n, day in enumerate(some_days):
            known = knowns[n % 3]
            expected = reference_matrix(history, day, known, where)
            actual = engine_matrix(session, day, known, resolved)
            assert actual == expected, (
                f"seed {seed}, as of {day}, known as of {known}, {where}:\n"
                f"{differences(history, expected, actual)}"
            )
    missing = EXERCISED - exercised(history, days)
    assert not missing, f"seed {seed}: the history never tests {sorted(missing)}"


class Change(NamedTuple):
    """A changed cell as the oracle compares it."""

    change: str
    before: Cell | None
    after: Cell | None


def reference_changes(
    history: History, start: date, end: date, known_as_of: date | None, where: Filter
) -> dict[Key, Change]:
    """The cells that are new, ended, or whose status, stance or conditionality differ
    between two reference matrices."""
    before = reference_matrix(history, start, known_as_of, where)
    after = reference_matrix(history, end, known_as_of, where)
    changes: dict[Key, Change] = {}
    for key in set(before) | set(after):
        old, new = before.get(key), after.get(key)
        if old is None and new is not None:
            changes[key] = Change("new", None, new)
        elif new is None and old is not None:
            changes[key] = Change("ended", old, None)
        elif old is not None and new is not None and position(old) != position(new):
            changes[key] = Change("changed", old, new)
    return changes


def position(cell: Cell) -> tuple[str | None, str | None, bool]:
    return (cell.status, cell.stance, cell.conditional)


def reference_counts(
    history: History, where: Filter, start: date, end: date, known_as_of: date | None
) -> dict[date, dict[str, int]]:
    """Every week from start, and end: how many cells hold each value."""
    values = list(LADDER) if where.roles else STANCES
    days = [start + timedelta(weeks=n) for n in range((end - start).days // 7 + 1)]
    series: dict[date, dict[str, int]] = {}
    for day in [d for d in days if d < end] + [end]:
        counts = dict.fromkeys(values, 0)
        for cell in reference_matrix(history, day, known_as_of, where).values():
            counts[cell.status or cell.stance or ""] += 1
        series[day] = counts
    return series


@pytest.mark.parametrize("seed", SEEDS)
def test_changes_and_weekly_counts_follow_the_reference_matrices(
    session: Session, seed: int
) -> None:
    history = build_history(session, seed)
    rng = random.Random(seed)
    days = history.days()
    stated = sorted({f.stated_on for f in history.facts})
    # The day before and the day of each statement (one claim moves), a few spans, and
    # no span at all; for the group filter also across each membership bound (an actor
    # joins or leaves).
    pairs = [(d - timedelta(days=1), d) for d in stated]
    pairs += [(min(a, b), max(a, b)) for a, b in (rng.sample(days, 2) for _ in range(4))]
    pairs += [(days[0], days[-1]), (stated[0], stated[0])]
    knowns = [None, history.known_dates[1]]
    questions = [(a, b, knowns[n % 2]) for n, (a, b) in enumerate(pairs)]
    across = [
        (b - timedelta(days=1), b + timedelta(days=1), known)
        for b in history.membership_bounds()
        for known in knowns
    ]
    seen: set[str] = set()
    wheres = [Filter(), Filter(group=GROUP), Filter(roles=(history.roles[0],))]
    for where, resolved in [(w, w.resolve(session)) for w in wheres]:
        for start, end, known in questions + across if where.group else questions:
            expected = reference_changes(history, start, end, known, where)
            found = service.position_changes(session, start, end, known_as_of=known, cells=resolved)
            actual = {
                (c.actor, c.kind, c.role, c.initiative): Change(
                    c.change.value,
                    as_cell(c.before)[1] if c.before else None,
                    as_cell(c.after)[1] if c.after else None,
                )
                for c in found.changes
            }
            assert len(actual) == len(found.changes) == found.total
            assert actual == expected, (
                f"seed {seed}, changes from {start} to {end}, known as of {known}, {where}:\n"
                + "\n".join(
                    f"  cell {key}:\n    expected {expected.get(key)}\n"
                    f"    engine   {actual.get(key)}"
                    for key in set(expected) | set(actual)
                    if expected.get(key) != actual.get(key)
                )
            )
            seen |= {c.change for c in expected.values()}
            seen |= {
                "conditionality alone"
                for c in expected.values()
                if c.before and c.after and c.before.conditional != c.after.conditional
                if (c.before.status, c.before.stance) == (c.after.status, c.after.stance)
            }
    missing = {"new", "changed", "ended", "conditionality alone"} - seen
    assert not missing, f"seed {seed}: the changes never show {sorted(missing)}"

    start, end = START - timedelta(days=4), START + timedelta(days=SPAN_DAYS + 33)
    objects = [Filter(roles=(r,)) for r in history.roles]
    objects += [Filter(initiatives=(i,)) for i in history.initiatives]
    for n, where in enumerate(replace(o, group=g) for o in objects for g in [None, GROUP]):
        known = [None, history.known_dates[0]][n % 2]
        expected = reference_counts(history, where, start, end, known)
        counts = service.position_counts(
            session,
            role=Role(where.roles[0]) if where.roles else None,
            initiative=where.initiatives[0] if where.initiatives else None,
            start=start,
            end=end,
            step=Step.WEEK,
            known_as_of=known,
            group=where.group,
        )
        actual = {p.as_of: p.counts for p in counts.series}
        assert all(p.total == sum(p.counts.values()) for p in counts.series)
        for day in sorted(set(expected) | set(actual)):
            assert actual.get(day) == expected.get(day), (
                f"seed {seed}, counts as of {day}, known as of {known}, {where}:\n"
                f"  expected {expected.get(day)}\n  engine   {actual.get(day)}"
            )
