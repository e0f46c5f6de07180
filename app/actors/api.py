"""Actor endpoints: /api/v1/actors."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response, status

from app.accounts.deps import RequireEditor
from app.actors import queries, service
from app.actors.schemas import ActorCreate, ActorDetail, ActorRead, ActorUpdate
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
from app.openapi import ETAG_HEADER, LOCATION_HEADER, record_links
from app.schemas import IsoDate
from app.versioning import IfMatch, set_etag
from app.vocab import ActorKind

router = APIRouter(prefix="/api/v1/actors", tags=["actors"], responses=API_RESPONSES)

ACTOR = "/api/v1/actors/{code}"


def _actor_links(key: str) -> dict[str, Any]:
    # Where an answer about one actor leads: the actor, its timeline, and a change to it.
    return record_links(
        "code",
        key,
        reads={"GetActor": ("get", ACTOR), "GetActorTimeline": ("get", ACTOR + "/timeline")},
        writes={"UpdateActor": ("patch", ACTOR)},
    )


@router.get("", response_model=Page[ActorRead])
def list_actors(
    session: SessionDep,
    asked: PagingDep,
    kind: ActorKind | None = None,
    q: Annotated[
        QueryText | None, Query(description="Substring of the code, name or an alias.")
    ] = None,
    group: Annotated[
        QueryText | None, Query(description="Members of this group or organisation.")
    ] = None,
    on: Annotated[IsoDate | None, Query(description="With `group`: members on this date.")] = None,
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
) -> Page[ActorRead]:
    """List actors, filtered by kind, text or group membership."""
    rows, total = service.actor_page(session, asked, kind=kind, q=q, group=group, on=on, sort=sort)
    return page_of([ActorRead.model_validate(a) for a in rows], total, asked)


@router.post(
    "",
    response_model=ActorDetail,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
    responses={
        201: {
            "description": "The actor as recorded.",
            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
            "links": _actor_links("$response.body#/code"),
        },
        **WRITE_RESPONSES,
        **problem_responses(Conflict),
    },
)
def create_actor(
    data: Annotated[
        ActorCreate,
        Body(
            openapi_examples={
                "group": {
                    "summary": "A group of states",
                    "value": {"code": "JEF", "kind": "group", "name": "Joint Expeditionary Force"},
                }
            }
        ),
    ],
    session: SessionDep,
    response: Response,
) -> ActorDetail:
    """Record a new actor."""
    actor = service.create_actor(session, data)
    response.headers["Location"] = f"/api/v1/actors/{actor.code}"
    set_etag(response, actor.version)
    return service.actor_detail(session, actor)


@router.get(
    "/{code}",
    response_model=ActorDetail,
    responses={
        200: {"headers": ETAG_HEADER, "links": _actor_links("$request.path.code")},
        **problem_responses(NotFound),
    },
)
def get_actor(code: str, session: SessionDep, response: Response) -> ActorDetail:
    """One actor with its aliases, memberships, members and affiliations; ETag: its version."""
    actor = service.require_actor(session, code)
    set_etag(response, actor.version)
    return service.actor_detail(session, actor)


@router.patch(
    "/{code}",
    response_model=ActorDetail,
    dependencies=[RequireEditor],
    responses={
        200: {"headers": ETAG_HEADER, "links": _actor_links("$request.path.code")},
        **WRITE_RESPONSES,
        **IF_MATCH_RESPONSES,
        **problem_responses(NotFound),
    },
)
def update_actor(
    code: str, data: ActorUpdate, session: SessionDep, version: IfMatch, response: Response
) -> ActorDetail:
    """Change an actor's name, description, aliases, memberships or affiliations (If-Match)."""
    actor = service.update_actor(session, code, data, expected_version=version)
    set_etag(response, actor.version)
    return service.actor_detail(session, actor)
