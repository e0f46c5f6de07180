"""Review endpoints: /api/v1/review, the queue of proposed claims, and decisions on many of
them at once (one claim's accept and reject are /api/v1/claims/{id}/accept and /reject)."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.deps import RequireReviewer
from app.claims import service as claim_service
from app.claims.schemas import ClaimRead
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    WRITE_RESPONSES,
    Conflict,
    InvalidInput,
    PreconditionFailed,
    problem_responses,
)
from app.listing import INT_MAX, Page, PagingDep, page_of
from app.review import service
from app.review.schemas import ReviewDecisions, ReviewOutcome

router = APIRouter(prefix="/api/v1/review", tags=["review"], responses=API_RESPONSES)


@router.get("", response_model=Page[ClaimRead])
def review_queue(
    session: SessionDep,
    asked: PagingDep,
    source: Annotated[
        int | None, Query(ge=1, le=INT_MAX, description="Only this source's proposals.")
    ] = None,
) -> Page[ClaimRead]:
    """Proposed claims waiting for a reviewer, oldest first (retracted ones left out).

    A proposal that repeats an earlier claim of its source carries that claim's id in
    `duplicates`."""
    rows, total = service.proposal_page(session, asked, source)
    return page_of([claim_service.claim_read(c) for c in rows], total, asked)


@router.post(
    "/decisions",
    response_model=ReviewOutcome,
    dependencies=[RequireReviewer],
    responses={
        **WRITE_RESPONSES,
        **problem_responses(InvalidInput, PreconditionFailed, Conflict),
    },
)
def decide(data: ReviewDecisions, session: SessionDep, settings: SettingsDep) -> ReviewOutcome:
    """Accept or reject many proposed claims in one call, each at the version read (its
    If-Match): all of them or none.

    A refused call writes nothing and names every decision that cannot be applied in
    `errors` (`decisions.N.claim`, `decisions.N.version`, `decisions.N.reason`). Its status
    is 422 when the request itself is wrong (an unknown claim, a claim decided twice, a
    rejection without a reason), else 412 when a claim changed since it was read, else 409
    (a claim retracted or not proposed, or the reviewer's own claim to accept unless
    POSTURE_ALLOW_SELF_REVIEW allows it).
    """
    return service.decide(session, data, allow_self_review=settings.allow_self_review)
