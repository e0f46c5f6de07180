"""Rules about milestones: unique slugs, one state per date, verbatim evidence in a known
source, and the state as of a day."""

from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from app.claims.rules import StoredReferences, check_evidence
from app.db import utcnow
from app.errors import Conflict, FieldError, InvalidInput, NotFound
from app.listing import Paging
from app.milestones import queries
from app.milestones.models import Milestone, MilestoneState
from app.milestones.schemas import (
    MilestoneCreate,
    MilestoneRead,
    MilestoneStateIn,
    MilestoneStateRead,
    MilestoneUpdate,
)
from app.versioning import check_version
from app.vocab import ConditionType, MilestoneStateValue

# Where a claim's evidence problem is named (app.claims.rules.check_evidence), and the
# field of a state that holds the same thing.
EVIDENCE_FIELDS = {"evidence.text": "evidence_text", "evidence": "evidence_start"}

# How a problem of the n-th state names its field: `states.n.from_on` in the API (as the
# request's validation names list items); the
# dashboard's form for one new state names its own inputs (`from_on`).
FieldName = Callable[[int, str], str]


def _in_states(n: int, field: str) -> str:
    return f"states.{n}.{field}"


def _bare(_n: int, field: str) -> str:
    return field


def state_as_of(
    states: Sequence[MilestoneState], day: date
) -> tuple[MilestoneStateValue, date | None]:
    """The latest state that began on or before `day`, with its date; `pending` and no date
    when none had begun."""
    begun = [s for s in states if s.from_on <= day]
    if not begun:
        return MilestoneStateValue.PENDING, None
    latest = max(begun, key=lambda s: (s.from_on, s.id or 0))
    return MilestoneStateValue(latest.state), latest.from_on


def milestone_read(milestone: Milestone, titles: dict[int, str], day: date) -> MilestoneRead:
    """Shape a milestone (its states loaded) as of `day`; `titles` names its states' sources."""
    states = sorted(milestone.states, key=lambda s: (s.from_on, s.id or 0))
    state, since = state_as_of(states, day)
    return MilestoneRead(
        slug=milestone.slug,
        name=milestone.name,
        condition_type=ConditionType(milestone.condition_type),
        description=milestone.description,
        state=state,
        state_since=since,
        states=[
            MilestoneStateRead(
                state=MilestoneStateValue(s.state),
                from_on=s.from_on,
                source_id=s.source_id,
                source_title=titles.get(s.source_id, f"Source {s.source_id}"),
                evidence_text=s.evidence_text,
                evidence_start=s.evidence_start,
                evidence_end=s.evidence_end,
                note=s.note,
            )
            for s in states
        ],
        version=milestone.version,
        created_at=milestone.created_at,
        updated_at=milestone.updated_at,
    )


def _reads(
    session: Session, milestones: Sequence[Milestone], as_of: date | None
) -> list[MilestoneRead]:
    titles = queries.source_titles(session, [s.source_id for m in milestones for s in m.states])
    day = as_of or date.today()
    return [milestone_read(m, titles, day) for m in milestones]


def milestone_page(
    session: Session,
    asked: Paging,
    *,
    q: str | None = None,
    condition_type: ConditionType | None = None,
    sort: str | None = None,
    as_of: date | None = None,
    by_name: bool = False,
) -> tuple[list[MilestoneRead], int]:
    """A page of milestones matching a text or of a condition type, each with its state as
    of `as_of` (default today), and the total."""
    rows, total = queries.milestone_page(
        session,
        asked,
        q=q,
        condition_type=condition_type.value if condition_type else None,
        sort=sort,
        by_name=by_name,
    )
    return _reads(session, rows, as_of), total


def milestone_choices(session: Session) -> list[tuple[str, str]]:
    """Every milestone as (slug, name), by name: what a page may assume met."""
    return [(row.slug, row.name) for row in queries.milestone_choices(session)]


def require_milestone(session: Session, slug: str) -> Milestone:
    """The milestone with this slug (states loaded), or 404."""
    milestone = queries.milestone_by_slug(session, slug)
    if milestone is None:
        raise NotFound(f"No milestone has the slug '{slug}'.")
    return milestone


def read_milestone(session: Session, slug: str, as_of: date | None = None) -> MilestoneRead:
    """One milestone as the API shows it, its state as of `as_of` (default today), or 404."""
    return _reads(session, [require_milestone(session, slug)], as_of)[0]


def _state_rows(
    session: Session,
    states: Sequence[MilestoneStateIn],
    name: FieldName = _in_states,
    taken: Sequence[date] = (),
) -> list[MilestoneState]:
    """The states' rows, their evidence checked against their sources' texts as a claim's
    is; one 422 names every unknown source, quote not in its source, and second state on a
    date (also a date in `taken`)."""
    refs = StoredReferences(session)
    errors: list[FieldError] = []
    seen: dict[date, int | None] = dict.fromkeys(taken)
    rows = []
    for n, item in enumerate(states):
        if item.from_on in seen:
            first = seen[item.from_on]
            already = "another state" if first is None else f"states.{first}"
            message = f"{already} is already from {item.from_on}: one state per date"
            errors.append(FieldError(name(n, "from_on"), message))
        else:
            seen[item.from_on] = n
        start, end = item.evidence_start, item.evidence_end
        source = refs.source(item.source_id)
        if source is None:
            errors.append(FieldError(name(n, "source_id"), f"unknown source {item.source_id}"))
        else:
            start, end, problems = check_evidence(
                source, item.source_id, item.evidence_text, start, end
            )
            errors += [
                FieldError(
                    name(n, EVIDENCE_FIELDS.get(str(e["field"]), "evidence_text")),
                    str(e["message"]),
                )
                for e in problems
            ]
        rows.append(
            MilestoneState(
                state=item.state.value,
                from_on=item.from_on,
                source_id=item.source_id,
                evidence_text=item.evidence_text,
                evidence_start=start,
                evidence_end=end,
                note=item.note,
            )
        )
    if errors:
        raise InvalidInput.of(errors)
    return rows


def _replace_states(session: Session, milestone: Milestone, rows: list[MilestoneState]) -> None:
    # The old rows go first: a new state may take the date of one it replaces, and a flush
    # would insert before it deletes.
    milestone.states = []
    session.flush()
    milestone.states = rows


def create_milestone(session: Session, data: MilestoneCreate) -> Milestone:
    """Record a new milestone with its states."""
    if queries.milestone_by_slug(session, data.slug) is not None:
        raise Conflict(
            f"A milestone with the slug '{data.slug}' already exists.",
            errors=[FieldError("slug", "already taken")],
            extra={"existing_id": data.slug},
        )
    milestone = Milestone(
        slug=data.slug,
        name=data.name,
        condition_type=data.condition_type.value,
        description=data.description,
        states=_state_rows(session, data.states),
    )
    session.add(milestone)
    session.flush()
    return milestone


def update_milestone(
    session: Session, slug: str, data: MilestoneUpdate, *, expected_version: int | None = None
) -> Milestone:
    """Change a milestone's fields; `states` replaces its history (refused with 412 if it
    changed since `expected_version`)."""
    check_version(
        session, Milestone.version, Milestone.slug == slug, expected_version, f"Milestone {slug}"
    )
    milestone = require_milestone(session, slug)
    fields = data.model_fields_set
    if "name" in fields:
        if data.name is None:
            raise InvalidInput.field("name", "cannot be empty")
        milestone.name = data.name
    if "condition_type" in fields:
        if data.condition_type is None:
            raise InvalidInput.field("condition_type", "cannot be empty")
        milestone.condition_type = data.condition_type.value
    if "description" in fields:
        milestone.description = data.description
    if "states" in fields:
        if data.states is None:
            raise InvalidInput.field("states", "give a list of states ([] clears the history)")
        _replace_states(session, milestone, _state_rows(session, data.states))
    _bump(session, milestone)
    return milestone


def add_milestone_state(
    session: Session, slug: str, data: MilestoneStateIn, *, expected_version: int | None = None
) -> Milestone:
    """Add one state to the milestone's history; a problem names the state's own field
    (`from_on`, `source_id`, `evidence_text`), as the dashboard's form shows it."""
    check_version(
        session, Milestone.version, Milestone.slug == slug, expected_version, f"Milestone {slug}"
    )
    milestone = require_milestone(session, slug)
    taken = [s.from_on for s in milestone.states]
    milestone.states.extend(_state_rows(session, [data], _bare, taken))
    _bump(session, milestone)
    return milestone


def _bump(session: Session, milestone: Milestone) -> None:
    milestone.version += 1
    milestone.updated_at = utcnow()
    session.flush()


def save_milestone(session: Session, data: MilestoneCreate) -> tuple[Milestone, bool]:
    """Create the milestone, or replace the fields and states of the one with its slug (an
    import); whether it was new. The caller sets the version and timestamps."""
    milestone = queries.milestone_by_slug(session, data.slug)
    if milestone is None:
        return create_milestone(session, data), True
    rows = _state_rows(session, data.states)
    milestone.name = data.name
    milestone.condition_type = data.condition_type.value
    milestone.description = data.description
    _replace_states(session, milestone, rows)
    session.flush()
    return milestone, False
