"""Position endpoints: the matrix, coalition counts, actor timelines and changes."""

import json
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.config import SettingsDep
from app.db import SessionDep
from app.errors import API_RESPONSES, NotFound, problem_responses
from app.listing import INT_MAX, QueryName, QueryText, check_limit, limit_query
from app.positions import service
from app.positions.cache import Body
from app.positions.responses import cached_response
from app.positions.schemas import (
    ActorTimeline,
    PositionChanges,
    PositionCounts,
    PositionMatrix,
    Step,
    TimelineOrder,
)
from app.schemas import IsoDate
from app.tabular import CSV_MEDIA_TYPE, Format, csv_lines, wants_csv
from app.vocab import ClaimKind, Role

router = APIRouter(prefix="/api/v1", tags=["positions"], responses=API_RESPONSES)

CHANGES_PAGE_SIZE = 100

ActorsParam = Annotated[
    list[QueryName], Query(alias="actor", description="Actor code; repeatable.")
]
RolesParam = Annotated[list[Role], Query(alias="role", description="Role; repeatable.")]
InitiativesParam = Annotated[
    list[QueryName], Query(alias="initiative", description="Initiative slug; repeatable.")
]
GroupParam = Annotated[
    QueryName | None,
    Query(description="Only members of this group or organisation at the date."),
]


@dataclass(frozen=True)
class CellQuery:
    """Which cells a matrix question asks about: the filters the matrix and the changes
    share (its fields are the cache key's part)."""

    kind: ClaimKind | None
    roles: tuple[Role, ...]
    initiatives: tuple[str, ...]
    actors: tuple[str, ...]
    group: str | None

    def key(self) -> tuple[Any, ...]:
        return (self.kind, self.roles, self.initiatives, self.actors, self.group)


def cell_query(
    kind: ClaimKind | None = None,
    roles: RolesParam = [],
    initiatives: InitiativesParam = [],
    actors: ActorsParam = [],
    group: GroupParam = None,
) -> CellQuery:
    """The `kind`, `role`, `initiative`, `actor` and `group` query parameters."""
    return CellQuery(kind, tuple(roles), tuple(initiatives), tuple(actors), group)


CellQueryDep = Annotated[CellQuery, Depends(cell_query)]


def cell_filter(session: Session, asked: CellQuery) -> Any:
    """The engine's filter of the cells asked about (422 naming an unknown one)."""
    return service.cell_filter(
        session,
        kind=asked.kind,
        roles=list(asked.roles),
        initiatives=list(asked.initiatives),
        actors=list(asked.actors),
        group=asked.group,
    )


# The answers of the cached questions: an ETag for If-None-Match, and 304 while it holds.
CACHED_ANSWER = {
    "headers": {
        "ETag": {
            "description": "The data version the answer is of: send it as If-None-Match.",
            "required": True,
            "schema": {"type": "string"},
        }
    }
}
NOT_MODIFIED = problem_responses(304)
KnownParam = Annotated[
    IsoDate | None, Query(description="Use only sources published on or before this date.")
]
AssumeParam = Annotated[
    list[QueryName],
    Query(
        alias="assume",
        description="Milestone slug to take as met on every date asked about (what if); "
        "repeatable.",
    ),
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
    "in_effect",
    "in_effect_by_assumption",
    "conditions",
    "inherited_from",
    "opt_out",
]


def _csv_value(key: str, value: Any) -> Any:
    if key == "conditions":
        # One cell: "type: text (state)", separated by semicolons.
        return "; ".join(f"{c['type']}: {c['text']} ({c['state']})" for c in value)
    return value


def json_bytes(data: dict[str, Any]) -> bytes:
    """Plain data as compact JSON, dates as ISO dates: what PositionMatrix's serializer
    writes. The standard library's encoder takes a tenth of pydantic-core's time on
    12,600 untyped cells (it infers each value's type)."""
    return json.dumps(
        data, default=date.isoformat, separators=(",", ":"), ensure_ascii=False
    ).encode()


def model_body(model: BaseModel) -> Body:
    """A response model as a cacheable JSON body."""
    return Body.of(model.__pydantic_serializer__.to_json(model), "application/json")


@router.get(
    "/positions",
    response_model=PositionMatrix,
    responses={
        200: {**CACHED_ANSWER, "content": {"text/csv": {"schema": {"type": "string"}}}},
        **NOT_MODIFIED,
    },
)
def positions(
    request: Request,
    session: SessionDep,
    asked: CellQueryDep,
    as_of: Annotated[IsoDate | None, Query(description="Defaults to today.")] = None,
    known_as_of: KnownParam = None,
    assume: AssumeParam = [],
    inherit: Annotated[
        bool,
        Query(
            description="Give members of an organisation or group without a claim of their "
            "own the bloc's position (`inherited_from`); mark members whose own claim "
            "differs (`opt_out`)."
        ),
    ] = False,
    format: Format | None = None,
) -> Response:
    """The positions matrix as of a date: one cell per actor and role or initiative, each
    with its conditions' states and whether it is in effect.

    Answers carry an ETag that changes with any write to the data; send it back as
    If-None-Match to get 304 when nothing changed."""
    day = as_of or date.today()
    as_csv = wants_csv(request, format)

    def compute() -> Body:
        cells = cell_filter(session, asked)
        matrix = service.position_matrix(
            session, day, known_as_of=known_as_of, cells=cells, assume=assume, inherit=inherit
        )
        if not as_csv:
            return Body.of(json_bytes(matrix), "application/json")
        rows = (
            [
                matrix["as_of"],
                matrix["known_as_of"],
                *(_csv_value(k, c[k]) for k in CSV_COLUMNS[2:]),
            ]
            for c in matrix["cells"]
        )
        return Body.of("".join(csv_lines(CSV_COLUMNS, rows)).encode(), CSV_MEDIA_TYPE)

    params = (day, known_as_of, *asked.key(), tuple(assume), inherit)
    download = {"Content-Disposition": f'attachment; filename="positions-{day}.csv"'}
    return cached_response(
        request, session, "positions", (*params, as_csv), compute, download if as_csv else None
    )


@dataclass(frozen=True)
class CountQuery:
    """A counts series' question (its fields are the cache key's part)."""

    start: date
    end: date
    role: Role | None
    initiative: str | None
    step: Step
    known_as_of: date | None
    group: str | None
    assume: tuple[str, ...]
    in_effect: bool


def count_query(
    from_: Annotated[IsoDate, Query(alias="from", description="First date of the series.")],
    to: Annotated[IsoDate, Query(description="Last date of the series.")],
    role: Role | None = None,
    initiative: Annotated[QueryName | None, Query(description="Initiative slug.")] = None,
    step: Step = Step.MONTH,
    known_as_of: KnownParam = None,
    group: GroupParam = None,
    assume: AssumeParam = [],
    in_effect: Annotated[
        bool,
        Query(
            description="Also count, per point, the actors whose position is in effect "
            "(always with `assume`)."
        ),
    ] = False,
) -> CountQuery:
    """The counts' query parameters."""
    return CountQuery(
        from_, to, role, initiative, step, known_as_of, group, tuple(assume), in_effect
    )


@router.get(
    "/positions/counts",
    response_model=PositionCounts,
    responses={200: CACHED_ANSWER, **NOT_MODIFIED},
)
def position_counts(
    request: Request,
    session: SessionDep,
    asked: Annotated[CountQuery, Depends(count_query)],
) -> Response:
    """How many actors stood on each rung of a role (or each stance) over time."""

    def compute() -> Body:
        return model_body(
            service.position_counts(
                session,
                role=asked.role,
                initiative=asked.initiative,
                start=asked.start,
                end=asked.end,
                step=asked.step,
                known_as_of=asked.known_as_of,
                group=asked.group,
                assume=asked.assume,
                in_effect=asked.in_effect,
            )
        )

    params = tuple(asked.__dict__.values())
    return cached_response(request, session, "counts", params, compute)


@router.get(
    "/actors/{code}/timeline",
    response_model=ActorTimeline,
    tags=["actors"],
    responses=problem_responses(NotFound),
)
def actor_timeline(
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int, limit_query("Claims per page.")] = service.TIMELINE_PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=INT_MAX, description="Claims to skip.")] = 0,
    order: Annotated[
        TimelineOrder, Query(description="`asc`: oldest first; `desc`: newest first.")
    ] = TimelineOrder.ASC,
) -> ActorTimeline:
    """An actor's claims in date order, a page at a time, marking the ones that changed a
    position (`total` counts them all)."""
    check_limit(limit, settings.page_size_max)
    return service.actor_timeline(
        session, code, limit=limit, offset=offset, newest_first=order is TimelineOrder.DESC
    )


@dataclass(frozen=True)
class ChangeQuery:
    """Between which dates, on what could be known, and whether only reversals."""

    start: date
    end: date
    known_as_of: date | None
    reversals: bool


def change_query(
    from_: Annotated[IsoDate, Query(alias="from", description="Earlier date.")],
    to: Annotated[IsoDate, Query(description="Later date.")],
    known_as_of: KnownParam = None,
    reversals: Annotated[
        bool, Query(description="Only the changes that reverse a position (`reversal`).")
    ] = False,
) -> ChangeQuery:
    """The changes' dates and options."""
    return ChangeQuery(from_, to, known_as_of, reversals)


@router.get(
    "/changes", response_model=PositionChanges, responses={200: CACHED_ANSWER, **NOT_MODIFIED}
)
def changes(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    between: Annotated[ChangeQuery, Depends(change_query)],
    asked: CellQueryDep,
    limit: Annotated[int, limit_query("Changes per page.")] = CHANGES_PAGE_SIZE,
    cursor: Annotated[
        QueryText | None,
        Query(max_length=1000, description="The `next_cursor` of the page before."),
    ] = None,
) -> Response:
    """The cells whose position differs between two dates, with before and after, ordered
    by actor and object, a page at a time (`total` counts them all). Changes that move an
    actor down the ladder or flip its stance carry `reversal: true`."""
    check_limit(limit, settings.page_size_max)

    def compute() -> Body:
        cells = cell_filter(session, asked)
        found = service.position_changes(
            session,
            between.start,
            between.end,
            known_as_of=between.known_as_of,
            cells=cells,
            limit=limit,
            cursor=cursor,
            reversals=between.reversals,
        )
        return model_body(found)

    params = (*between.__dict__.values(), *asked.key(), limit, cursor)
    return cached_response(request, session, "changes", params, compute)
