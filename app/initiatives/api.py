"""Initiative endpoints: /api/v1/initiatives."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response, status

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
from app.initiatives import queries, service
from app.initiatives.schemas import (
    InitiativeCreate,
    InitiativeNeeds,
    InitiativeRead,
    InitiativeUpdate,
)
from app.listing import Page, PagingDep, QueryName, QueryText, page_of, sort_query
from app.openapi import ETAG_HEADER, LOCATION_HEADER, record_links
from app.positions.api import CACHED_ANSWER, NOT_MODIFIED, model_body
from app.positions.cache import Body as AnswerBody
from app.positions.responses import cached_response
from app.schemas import IsoDate
from app.versioning import IfMatch, set_etag

router = APIRouter(prefix="/api/v1/initiatives", tags=["initiatives"], responses=API_RESPONSES)

INITIATIVE = "/api/v1/initiatives/{slug}"


def _initiative_links(key: str) -> dict[str, Any]:
    return record_links(
        "slug",
        key,
        reads={"GetInitiative": ("get", INITIATIVE)},
        writes={"UpdateInitiative": ("patch", INITIATIVE)},
    )


@router.get("", response_model=Page[InitiativeRead])
def list_initiatives(
    session: SessionDep,
    asked: PagingDep,
    q: Annotated[
        QueryText | None, Query(description="Substring of the slug, name or description.")
    ] = None,
    proposer: Annotated[QueryText | None, Query(description="Code of the proposer.")] = None,
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
) -> Page[InitiativeRead]:
    """List initiatives."""
    items, total = service.initiative_page(session, asked, q=q, proposer=proposer, sort=sort)
    return page_of(items, total, asked)


@router.post(
    "",
    response_model=InitiativeRead,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
    responses={
        201: {
            "description": "The initiative as recorded.",
            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
            "links": _initiative_links("$response.body#/slug"),
        },
        **WRITE_RESPONSES,
        **problem_responses(Conflict),
    },
)
def create_initiative(
    data: Annotated[
        InitiativeCreate,
        Body(
            openapi_examples={
                "initiative": {
                    "summary": "An initiative and who proposed it",
                    "value": {
                        "slug": "reassurance-force",
                        "name": "Multinational reassurance force",
                        "proposer": "GB",
                        "first_reported_on": "2025-08-20",
                        "needs": [
                            {
                                "role": "ground_forces",
                                "quantity_amount": "25000",
                                "quantity_unit": "troops",
                            },
                            {"role": "air_cover"},
                        ],
                    },
                }
            }
        ),
    ],
    session: SessionDep,
    response: Response,
) -> InitiativeRead:
    """Record a new initiative."""
    initiative = service.create_initiative(session, data)
    response.headers["Location"] = f"/api/v1/initiatives/{initiative.slug}"
    set_etag(response, initiative.version)
    return service.read_initiative(session, initiative.slug)


@router.get(
    "/{slug}",
    response_model=InitiativeRead,
    responses={
        200: {"headers": ETAG_HEADER, "links": _initiative_links("$request.path.slug")},
        **problem_responses(NotFound),
    },
)
def get_initiative(slug: str, session: SessionDep, response: Response) -> InitiativeRead:
    """One initiative; its ETag is its version."""
    initiative = service.read_initiative(session, slug)
    set_etag(response, initiative.version)
    return initiative


@router.patch(
    "/{slug}",
    response_model=InitiativeRead,
    dependencies=[RequireEditor],
    responses={
        200: {"headers": ETAG_HEADER, "links": _initiative_links("$request.path.slug")},
        **WRITE_RESPONSES,
        **IF_MATCH_RESPONSES,
        **problem_responses(NotFound),
    },
)
def update_initiative(
    slug: str, data: InitiativeUpdate, session: SessionDep, version: IfMatch, response: Response
) -> InitiativeRead:
    """Change an initiative (If-Match: the version changed)."""
    service.update_initiative(session, slug, data, expected_version=version)
    initiative = service.read_initiative(session, slug)
    set_etag(response, initiative.version)
    return initiative


@router.get(
    "/{slug}/needs",
    response_model=InitiativeNeeds,
    responses={200: CACHED_ANSWER, **NOT_MODIFIED, **problem_responses(NotFound)},
)
def initiative_needs(
    request: Request,
    slug: str,
    session: SessionDep,
    as_of: Annotated[IsoDate | None, Query(description="Defaults to today.")] = None,
    known_as_of: Annotated[
        IsoDate | None, Query(description="Use only sources published on or before this date.")
    ] = None,
    assume: Annotated[
        list[QueryName], Query(description="Milestone slug to take as met; repeatable.")
    ] = [],
) -> Response:
    """How far each role the initiative needs is filled as of a date: who stands on each
    rung, and the quantities pledged (at `pledged` or above) in the need's unit, each
    traceable to its claim and evidence; unfilled needs first."""
    day = as_of or date.today()

    def compute() -> AnswerBody:
        return model_body(
            service.initiative_needs(session, slug, day, known_as_of=known_as_of, assume=assume)
        )

    params = (slug, day, known_as_of, tuple(assume))
    return cached_response(request, session, "needs", params, compute)
