"""Source endpoints: /api/v1/sources."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from app.accounts.deps import RequireEditor
from app.config import SettingsDep
from app.db import SessionDep
from app.extraction.service import propose_for_source
from app.listing import (
    IdPath,
    LimitParam,
    OffsetParam,
    Page,
    SortParam,
    check_limit,
    order_by_clauses,
    paginate,
)
from app.sources import queries, service
from app.sources.models import Source
from app.sources.schemas import SourceCreate, SourceDetail, SourceRead, SourceUpdate
from app.versioning import IfMatch, set_etag

router = APIRouter(prefix="/api/v1/sources", tags=["sources"])

SORTABLE = {
    "id": Source.id,
    "title": Source.title,
    "outlet": Source.outlet,
    "published_on": Source.published_on,
    "updated_at": Source.updated_at,
}


@router.get("", response_model=Page[SourceRead])
def list_sources(
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[str | None, Query(description="Substring of the title or URL.")] = None,
    outlet: str | None = None,
    published_from: date | None = None,
    published_to: date | None = None,
    sort: SortParam = None,
    limit: LimitParam = 50,
    offset: OffsetParam = 0,
) -> Page[SourceRead]:
    """List sources (newest first unless sorted otherwise)."""
    check_limit(limit, settings.page_size_max)
    stmt = queries.source_list(
        q=q, outlet=outlet, published_from=published_from, published_to=published_to
    )
    stmt = stmt.order_by(
        *order_by_clauses(sort, SORTABLE, [Source.published_on.desc(), Source.id.desc()])
    )
    rows, total = paginate(session, stmt, limit=limit, offset=offset)
    return Page[SourceRead](
        items=[service.source_read(s) for s in rows], total=total, limit=limit, offset=offset
    )


@router.post(
    "",
    response_model=SourceDetail,
    status_code=status.HTTP_201_CREATED,
    dependencies=[RequireEditor],
)
def create_source(data: SourceCreate, session: SessionDep, response: Response) -> SourceDetail:
    """Record a new source (409 with `existing_id` when its text or URL is stored already);
    with `extract: true`, its proposed claims go to the review queue."""
    source = service.create_source(session, data)
    response.headers["Location"] = f"/api/v1/sources/{source.id}"
    set_etag(response, source.version)
    detail = service.source_detail(source)
    if data.extract:
        result = propose_for_source(session, source)
        detail.proposed_claims = result.claim_ids
        detail.extraction_warnings = result.warnings
    return detail


@router.get("/{source_id}", response_model=SourceDetail)
def get_source(source_id: IdPath, session: SessionDep, response: Response) -> SourceDetail:
    """One source with its text; its ETag is its version."""
    source = service.require_source(session, source_id)
    set_etag(response, source.version)
    return service.source_detail(source)


@router.patch("/{source_id}", response_model=SourceDetail, dependencies=[RequireEditor])
def update_source(
    source_id: IdPath, data: SourceUpdate, session: SessionDep, version: IfMatch, response: Response
) -> SourceDetail:
    """Change a source's metadata or text (If-Match: the version changed)."""
    source = service.update_source(session, source_id, data, expected_version=version)
    set_etag(response, source.version)
    return service.source_detail(source)
