"""Source endpoints: /api/v1/sources."""

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
from app.extraction.service import record_source
from app.listing import IdPath, Page, PagingDep, QueryText, page_of, sort_query
from app.openapi import ETAG_HEADER, LOCATION_HEADER, record_links
from app.schemas import IsoDate
from app.sources import queries, service
from app.sources.schemas import SourceCreate, SourceDetail, SourceRead, SourceUpdate
from app.versioning import IfMatch, set_etag

router = APIRouter(prefix="/api/v1/sources", tags=["sources"], responses=API_RESPONSES)

SOURCE = "/api/v1/sources/{source_id}"


def _source_links(key: str) -> dict[str, Any]:
    return record_links(
        "source_id",
        key,
        reads={"GetSource": ("get", SOURCE)},
        writes={"UpdateSource": ("patch", SOURCE)},
    )


@router.get("", response_model=Page[SourceRead])
def list_sources(
    session: SessionDep,
    asked: PagingDep,
    q: Annotated[QueryText | None, Query(description="Substring of the title or URL.")] = None,
    outlet: Annotated[QueryText | None, Query(description="The outlet (any case).")] = None,
    published_from: IsoDate | None = None,
    published_to: IsoDate | None = None,
    sort: Annotated[str | None, sort_query(queries.SORTABLE)] = None,
) -> Page[SourceRead]:
    """List sources (newest first unless sorted otherwise)."""
    items, total = service.source_page(
        session,
        asked,
        q=q,
        outlet=outlet,
        published_from=published_from,
        published_to=published_to,
        sort=sort,
    )
    return page_of(items, total, asked)


@router.post(
    "",
    response_model=SourceDetail,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
    responses={
        201: {
            "description": "The source as recorded.",
            "headers": {**ETAG_HEADER, **LOCATION_HEADER},
            "links": _source_links("$response.body#/id"),
        },
        **WRITE_RESPONSES,
        **problem_responses(Conflict),
    },
)
def create_source(
    data: Annotated[
        SourceCreate,
        Body(
            openapi_examples={
                "article": {
                    "summary": "A news article with its text",
                    "value": {
                        "title": "Poland offers logistics hub for a reassurance force",
                        "outlet": "Example Wire",
                        "url": "https://news.example/poland-logistics-hub",
                        "published_on": "2025-08-21",
                        "text": "Poland said on Thursday it is willing to host the logistics "
                        "hub of a multinational force in Ukraine.",
                    },
                }
            }
        ),
    ],
    session: SessionDep,
    response: Response,
) -> SourceDetail:
    """Record a new source (409 with `existing_id` when its text or URL is stored already);
    with `extract: true`, its proposed claims go to the review queue."""
    detail = record_source(session, data)
    response.headers["Location"] = f"/api/v1/sources/{detail.id}"
    set_etag(response, detail.version)
    return detail


@router.get(
    "/{source_id}",
    response_model=SourceDetail,
    responses={
        200: {"headers": ETAG_HEADER, "links": _source_links("$request.path.source_id")},
        **problem_responses(NotFound),
    },
)
def get_source(source_id: IdPath, session: SessionDep, response: Response) -> SourceDetail:
    """One source with its text; its ETag is its version."""
    source = service.require_source(session, source_id)
    set_etag(response, source.version)
    return service.source_detail(source)


@router.patch(
    "/{source_id}",
    response_model=SourceDetail,
    dependencies=[RequireEditor],
    responses={
        200: {"headers": ETAG_HEADER, "links": _source_links("$request.path.source_id")},
        **WRITE_RESPONSES,
        **IF_MATCH_RESPONSES,
        **problem_responses(NotFound, Conflict),
    },
)
def update_source(
    source_id: IdPath, data: SourceUpdate, session: SessionDep, version: IfMatch, response: Response
) -> SourceDetail:
    """Change a source's metadata or text (If-Match: the version changed)."""
    source = service.update_source(session, source_id, data, expected_version=version)
    set_etag(response, source.version)
    return service.source_detail(source)
