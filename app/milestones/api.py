"""Milestone endpoints: /api/v1/milestones."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from app.accounts.deps import RequireEditor
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    IF_MATCH_RESPONSES,
    WRITE_RESPONSES,
    Conflict,
    NotFound,
    problem_responses,
)
from app.listing import Page, PagingDep, QueryText, page_of, sort_query
from app.milestones import queries, service
from app.milestones.schemas import MilestoneCreate, MilestoneRead, MilestoneUpdate
from app.openapi import ETAG_HEADER, LOCATION_HEADER, record_links
from app.schemas import IsoDate
from app.versioning import IfMatch, set_etag
from app.vocab import ConditionType

router = APIRouter(prefix="/api/v1/milestones", tags=["milestones"], responses=API_RESPONSES)

MILESTONE = "/api/v1/milestones/{slug}"

AsOf = Annotated[
    IsoDate | None,
    Query(description="The day each milestone's `state` is given for (YYYY-MM-DD); today."),
]


def _milestone_links(key: str) -> dict[str, Any]:
    return record_links(
        "slug",
        key,
        reads={"GetMilestone": ("get", MILESTONE)},
        writes={"UpdateMilestone": ("patch", MILESTONE)},
    )


@router.get("", response_model=Page[MilestoneRead])
def list_milestones(
    session: SessionDep,
    asked: PagingDep,
    q: Annotated[
        QueryText | None, Query(description="Substring of the slug, name or description.")
    ] = None,
    condition_type: Annotated[
        ConditionType | None, Query(description="Only milestones of this condition type.")
    ] = None,
    as_of: AsOf = None,
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
) -> Page[MilestoneRead]:
    """List milestones, each with its history and its state as of a day."""
    items, total = service.milestone_page(
        session, asked, q=q, condition_type=condition_type, sort=sort, as_of=as_of
    )
    return page_of(items, total, asked)


@router.post(
    "",
    response_model=MilestoneRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
    responses={
        201: {
            "description": "The milestone as recorded (its state as of today).",
            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
            "links": _milestone_links("$response.body#/slug"),
        },
        **WRITE_RESPONSES,
        **problem_responses(Conflict),
    },
)
def create_milestone(
    data: Annotated[
        MilestoneCreate,
        Body(
            openapi_examples={
                "milestone": {
                    "summary": "A milestone still pending, on a source's word",
                    "value": {
                        "slug": "ukraine-ceasefire",
                        "name": "Ceasefire in Ukraine",
                        "condition_type": "ceasefire",
                        "states": [
                            {
                                "state": "pending",
                                "from_on": "2025-08-20",
                                "source_id": 1,
                                "evidence_text": "an effective cessation of hostilities",
                            }
                        ],
                    },
                }
            }
        ),
    ],
    session: SessionDep,
    response: Response,
) -> MilestoneRead:
    """Record a new milestone; each state's evidence must be verbatim in its source."""
    milestone = service.create_milestone(session, data)
    response.headers["Location"] = f"/api/v1/milestones/{milestone.slug}"
    set_etag(response, milestone.version)
    return service.read_milestone(session, milestone.slug)


@router.get(
    "/{slug}",
    response_model=MilestoneRead,
    responses={
        200: {"headers": ETAG_HEADER, "links": _milestone_links("$request.path.slug")},
        **problem_responses(NotFound),
    },
)
def get_milestone(
    slug: str, session: SessionDep, response: Response, as_of: AsOf = None
) -> MilestoneRead:
    """One milestone with its history and its state as of a day; its ETag is its version."""
    milestone = service.read_milestone(session, slug, as_of)
    set_etag(response, milestone.version)
    return milestone


@router.patch(
    "/{slug}",
    response_model=MilestoneRead,
    dependencies=[RequireEditor],
    responses={
        200: {"headers": ETAG_HEADER, "links": _milestone_links("$request.path.slug")},
        **WRITE_RESPONSES,
        **IF_MATCH_RESPONSES,
        **problem_responses(NotFound),
    },
)
def update_milestone(
    slug: str, data: MilestoneUpdate, session: SessionDep, version: IfMatch, response: Response
) -> MilestoneRead:
    """Change a milestone (If-Match: the version changed); `states` replaces the history."""
    service.update_milestone(session, slug, data, expected_version=version)
    milestone = service.read_milestone(session, slug)
    set_etag(response, milestone.version)
    return milestone
