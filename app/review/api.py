"""Review endpoints: /api/v1/review, the queue of proposed claims (accept and reject are
/api/v1/claims/{id}/accept and /reject)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.claims import service as claim_service
from app.claims.schemas import ClaimRead
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import API_RESPONSES
from app.listing import INT_MAX, LimitParam, OffsetParam, Page, check_limit, paginate
from app.review import queries, service

router = APIRouter(prefix="/api/v1/review", tags=["review"], responses=API_RESPONSES)


@router.get("", response_model=Page[ClaimRead])
def review_queue(
    session: SessionDep,
    settings: SettingsDep,
    source: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Only this source's proposals.")
    ] = None,
    limit: LimitParam = 50,
    offset: OffsetParam = 0,
) -> Page[ClaimRead]:
    """Proposed claims waiting for a reviewer, oldest first (retracted ones left out)."""
    check_limit(limit, settings.page_size_max)
    service.require_filter_source(session, source)
    rows, total = paginate(session, queries.proposals(source_id=source), limit=limit, offset=offset)
    return Page[ClaimRead](
        items=[claim_service.claim_read(c) for c in rows], total=total, limit=limit, offset=offset
    )
