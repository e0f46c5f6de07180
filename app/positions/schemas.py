"""Position response bodies: matrix cells, counts, timelines, changes."""

from datetime import date
from enum import StrEnum

from app.claims.schemas import ClaimRead
from app.schemas import OutputModel


class RequiredPosition(OutputModel):
    """A condition waiting on another actor's position: `actor` on `role` at
    `status_at_least` or above."""

    actor: str
    role: str
    status_at_least: str


class CellCondition(OutputModel):
    """A condition of the deciding claim and its state as of the cell's date."""

    type: str
    text: str
    state: str
    milestone: str | None = None
    requires: RequiredPosition | None = None


class PositionCell(OutputModel):
    """One actor's position on one object as of a date, and the claim that decides it.

    `in_effect`: the position is unconditional, or every condition is met (with the
    milestones assumed met); `in_effect_by_assumption`: in effect only because of them.
    `inherited_from`: the organisation or group whose position a member without a claim
    of its own takes (`inherit=true`); `opt_out`: the member's own claim differs from its
    bloc's."""

    actor: str
    actor_name: str
    actor_kind: str
    kind: str
    role: str | None
    initiative: str | None
    initiative_name: str | None
    status: str | None
    status_rank: int | None
    stance: str | None
    claim_id: int
    stated_on: date
    conditional: bool
    certainty: str
    basis: str
    contested: bool
    speaker: str | None
    evidence: str
    source_id: int
    source_title: str
    source_outlet: str | None
    published_on: date
    conditions: list[CellCondition] = []
    in_effect: bool = True
    in_effect_by_assumption: bool = False
    inherited_from: str | None = None
    opt_out: bool = False


class PositionMatrix(OutputModel):
    """Every cell as of a date (known as of another, when given)."""

    as_of: date
    known_as_of: date | None
    assume: list[str] = []
    inherit: bool = False
    total: int
    cells: list[PositionCell]


class Step(StrEnum):
    """Spacing of the points of a counts series."""

    WEEK = "week"
    MONTH = "month"


class CountPoint(OutputModel):
    """How many actors hold each value on one date (`in_effect`, when asked for: how many
    of them hold it in effect, their conditions met or assumed met)."""

    as_of: date
    total: int
    counts: dict[str, int]
    in_effect: dict[str, int] | None = None


class PositionCounts(OutputModel):
    """A coalition-size series for one role (statuses) or one initiative (stances)."""

    role: str | None
    initiative: str | None
    step: Step
    known_as_of: date | None
    assume: list[str] = []
    values: list[str]
    series: list[CountPoint]


class TimelineOrder(StrEnum):
    """Which end of an actor's history a timeline page starts from."""

    ASC = "asc"
    DESC = "desc"


class TimelineEntry(ClaimRead):
    """A claim in an actor's history; `changed` marks a claim that moved its cell."""

    changed: bool
    previous: str | None


class ActorTimeline(OutputModel):
    """An actor's claims in date order, a page at a time (`total` counts them all)."""

    actor: str
    actor_name: str
    total: int
    limit: int
    offset: int
    claims: list[TimelineEntry]


class ChangeKind(StrEnum):
    """How a cell moved between two dates."""

    NEW = "new"
    CHANGED = "changed"
    ENDED = "ended"


class PositionChange(OutputModel):
    """A cell whose position differs between two dates; `reversal`: the actor moved down
    the ladder (a lower rank, or to ruled_out or withdrawn) or flipped its stance between
    backing (supports, conditional) and opposing (opposes, rejects)."""

    actor: str
    actor_name: str
    kind: str
    role: str | None
    initiative: str | None
    initiative_name: str | None
    change: ChangeKind
    reversal: bool = False
    before: PositionCell | None
    after: PositionCell | None


class PositionChanges(OutputModel):
    """The cells that changed between two dates, a page at a time (`total` counts them
    all; `next_cursor`, when given, asks for the next page)."""

    from_on: date
    to_on: date
    known_as_of: date | None
    reversals: bool = False
    total: int
    next_cursor: str | None = None
    changes: list[PositionChange]


class FeedEntry(OutputModel):
    """A claim that moved its cell (`previous` is the value before, None for a new cell),
    or a retracted claim."""

    claim: ClaimRead
    previous: str | None
    retracted: bool
    reversal: bool = False


class ComparedActor(OutputModel):
    """An actor in a side-by-side comparison."""

    code: str
    name: str
    kind: str


class Comparison(OutputModel):
    """Several actors' positions on every role and initiative as of a date."""

    as_of: date
    actors: list[ComparedActor]
    cells: list[PositionCell]
