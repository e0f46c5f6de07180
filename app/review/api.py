"""Review endpoints: /api/v1/review, the queue of proposed claims (accept and reject are
/api/v1/claims/{id}/accept and /reject)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.claims import service as claim_service
from app.claims.schemas import ClaimRead
from app.db import SessionDep
from app.errors import API_RESPONSES
from app.listing import INT_MAX, Page, PagingDep, page_of
from app.review import service

router = APIRouter(prefix="/api/v1/review", tags=["review"], responses=API_RESPONSES)


@router.get("", response_model=Page[ClaimRead])
def review_queue(
    session: SessionDep,
    asked: PagingDep,
    source: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Only this source's proposals.")
    ] = None,
) -> Page[ClaimRead]:
    """Proposed claims waiting for a reviewer, oldest first (retracted ones left out)."""
    rows, total = service.proposal_page(session, asked, source)
    return page_of([claim_service.claim_read(c) for c in rows], total, asked)
