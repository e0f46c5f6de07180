"""Position endpoints: the matrix, coalition counts, actor timelines and changes."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from app.db import SessionDep
from app.positions import service
from app.positions.schemas import (
    ActorTimeline,
    PositionChanges,
    PositionCounts,
    PositionMatrix,
    Step,
)
from app.tabular import Format, csv_response, wants_csv
from app.vocab import ClaimKind, Role

router = APIRouter(prefix="/api/v1", tags=["positions"])

ActorsParam = Annotated[list[str], Query(alias="actor", description="Actor code; repeatable.")]
RolesParam = Annotated[list[Role], Query(alias="role", description="Role; repeatable.")]
InitiativesParam = Annotated[
    list[str], Query(alias="initiative", description="Initiative slug; repeatable.")
]
GroupParam = Annotated[
    str | None, Query(description="Only members of this group or organisation at the date.")
]
KnownParam = Annotated[
    date | None, Query(description="Use only sources published on or before this date.")
]

CSV_COLUMNS = [
    "as_of",
    "known_as_of",
    "actor",
    "actor_name",
    "actor_kind",
    "kind",
    "role",
    "initiative",
    "initiative_name",
    "status",
    "status_rank",
    "stance",
    "conditional",
    "contested",
    "certainty",
    "basis",
    "stated_on",
    "claim_id",
    "speaker",
    "evidence",
    "source_id",
    "source_title",
    "source_outlet",
    "published_on",
]


@router.get(
    "/positions", response_model=PositionMatrix, responses={200: {"content": {"text/csv": {}}}}
)
def positions(
    request: Request,
    session: SessionDep,
    as_of: Annotated[date | None, Query(description="Defaults to today.")] = None,
    known_as_of: KnownParam = None,
    kind: ClaimKind | None = None,
    roles: RolesParam = [],
    initiatives: InitiativesParam = [],
    actors: ActorsParam = [],
    group: GroupParam = None,
    format: Format | None = None,
) -> Any:
    """The positions matrix as of a date: one cell per actor and role or initiative."""
    day = as_of or date.today()
    cells = service.cell_filter(
        session, kind=kind, roles=roles, initiatives=initiatives, actors=actors, group=group
    )
    matrix = service.positions_as_of(session, day, known_as_of=known_as_of, cells=cells)
    if wants_csv(request, format):
        rows = (
            [matrix.as_of, matrix.known_as_of, *(getattr(c, k) for k in CSV_COLUMNS[2:])]
            for c in matrix.cells
        )
        return csv_response(f"positions-{day}.csv", CSV_COLUMNS, rows)
    return matrix


@router.get("/positions/counts", response_model=PositionCounts)
def position_counts(
    session: SessionDep,
    from_: Annotated[date, Query(alias="from", description="First date of the series.")],
    to: Annotated[date, Query(description="Last date of the series.")],
    role: Role | None = None,
    initiative: Annotated[str | None, Query(description="Initiative slug.")] = None,
    step: Step = Step.MONTH,
    known_as_of: KnownParam = None,
    group: GroupParam = None,
) -> PositionCounts:
    """How many actors stood on each rung of a role (or each stance) over time."""
    return service.position_counts(
        session,
        role=role,
        initiative=initiative,
        start=from_,
        end=to,
        step=step,
        known_as_of=known_as_of,
        group=group,
    )


@router.get("/actors/{code}/timeline", response_model=ActorTimeline, tags=["actors"])
def actor_timeline(code: str, session: SessionDep) -> ActorTimeline:
    """Every claim of an actor in date order, marking the ones that changed a position."""
    return service.actor_timeline(session, code)


@router.get("/changes", response_model=PositionChanges)
def changes(
    session: SessionDep,
    from_: Annotated[date, Query(alias="from", description="Earlier date.")],
    to: Annotated[date, Query(description="Later date.")],
    known_as_of: KnownParam = None,
    kind: ClaimKind | None = None,
    roles: RolesParam = [],
    initiatives: InitiativesParam = [],
    actors: ActorsParam = [],
    group: GroupParam = None,
) -> PositionChanges:
    """The cells whose position differs between two dates, with before and after."""
    cells = service.cell_filter(
        session, kind=kind, roles=roles, initiatives=initiatives, actors=actors, group=group
    )
    return service.position_changes(session, from_, to, known_as_of=known_as_of, cells=cells)
