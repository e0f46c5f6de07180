"""Snapshot endpoints: /api/v1/snapshots, frozen matrices to cite."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response, status

from app.accounts.deps import Viewer
from app.db import SessionDep
from app.errors import API_RESPONSES, WRITE_RESPONSES, NotFound, problem_responses
from app.listing import Page, PagingDep, page_of, sort_query
from app.openapi import LOCATION_HEADER, record_links
from app.positions.api import CSV_COLUMNS
from app.snapshots import queries, service
from app.snapshots.schemas import SnapshotCreate, SnapshotRead, SnapshotSummary
from app.tabular import CSV_MEDIA_TYPE, Format, csv_lines, wants_csv

router = APIRouter(prefix="/api/v1/snapshots", tags=["snapshots"], responses=API_RESPONSES)

SNAPSHOT = "/api/v1/snapshots/{snapshot_id}"
# The positions CSV's columns, then what a cell says of its conditions and its bloc.
SNAPSHOT_CSV_COLUMNS = [*CSV_COLUMNS, "in_effect", "inherited_from", "opt_out"]
SnapshotId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The snapshot's id.",
    ),
]


def _snapshot_links(key: str) -> dict[str, Any]:
    return record_links("snapshot_id", key, reads={"GetSnapshot": ("get", SNAPSHOT)})


def base_url(request: Request) -> str:
    """Where this server is, as the client reached it: citations name absolute URLs."""
    return str(request.base_url)


@router.get("", response_model=Page[SnapshotSummary])
def list_snapshots(
    request: Request,
    session: SessionDep,
    asked: PagingDep,
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
) -> Page[SnapshotSummary]:
    """List snapshots, newest first, without their cells."""
    items, total = service.snapshot_page(session, asked, base_url=base_url(request), sort=sort)
    return page_of(items, total, asked)


@router.post(
    "",
    response_model=SnapshotSummary,
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {
            "description": "The snapshot as stored (GET its Location for the cells).",
            "headers": LOCATION_HEADER,
            "links": _snapshot_links("$response.body#/id"),
        },
        **WRITE_RESPONSES,
    },
)
def create_snapshot(
    data: Annotated[
        SnapshotCreate,
        Body(
            openapi_examples={
                "role": {
                    "summary": "Who would send ground forces, as of a date",
                    "value": {
                        "as_of": "2025-09-01",
                        "role": "ground_forces",
                        "title": "Ground forces pledges, 1 September 2025",
                    },
                },
                "everything": {
                    "summary": "The whole matrix as known on a date",
                    "value": {"as_of": "2025-09-01", "known_as_of": "2025-08-25"},
                },
            }
        ),
    ],
    request: Request,
    session: SessionDep,
    user: Viewer,
    response: Response,
) -> SnapshotSummary:
    """Freeze the positions matrix a question asks for (the filters of GET
    /api/v1/positions): its cells are stored as they are now, with their SHA-256, and
    never change, whatever is edited, retracted or imported later. Any signed-in user."""
    snapshot = service.take_snapshot(session, data, user_id=user.id, username=user.username)
    response.headers["Location"] = f"/api/v1/snapshots/{snapshot.id}"
    return service.snapshot_summary(snapshot, user.username, base_url=base_url(request))


@router.get(
    "/{snapshot_id}",
    response_model=SnapshotRead,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "links": _snapshot_links("$request.path.snapshot_id"),
        },
        **problem_responses(NotFound),
    },
)
def get_snapshot(
    snapshot_id: SnapshotId,
    request: Request,
    session: SessionDep,
    format: Format | None = None,
) -> Response:
    """One snapshot with its cells exactly as frozen (`format=csv`, or Accept: text/csv,
    for the positions CSV's columns and in_effect, inherited_from, opt_out)."""
    frozen = service.read_snapshot(session, snapshot_id, base_url=base_url(request))
    if not wants_csv(request, format):
        return Response(frozen.json_bytes(), media_type="application/json")
    summary = frozen.summary
    rows = (
        [summary.as_of, summary.known_as_of, *(cell.get(k) for k in SNAPSHOT_CSV_COLUMNS[2:])]
        for cell in frozen.cells()
    )
    return Response(
        "".join(csv_lines(SNAPSHOT_CSV_COLUMNS, rows)),
        media_type=CSV_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="snapshot-{snapshot_id}.csv"'},
    )
