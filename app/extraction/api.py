"""POST /api/v1/extract: propose claims for a news text, nothing stored; POST
/api/v1/sources/{id}/extract: propose a stored source's claims for review; GET
/api/v1/sources/{id}/reading: a selection of a source's text read as a claim."""

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from app.accounts.deps import RequireEditor
from app.config import SettingsDep
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    BODY_RESPONSES,
    WRITE_RESPONSES,
    ContentTooLarge,
    FieldError,
    InvalidInput,
    NotFound,
    TooManyRequests,
    problem_responses,
)
from app.extraction import reading, service
from app.extraction.ratelimit import TokenBucket
from app.extraction.schemas import (
    MAX_TEXT_CHARS,
    ExtractRequest,
    ExtractResponse,
    SelectionReading,
    SourceExtraction,
)
from app.listing import INT_MAX, IdPath

router = APIRouter(prefix="/api/v1", tags=["extraction"], responses=API_RESPONSES)

# A body larger than this cannot hold a text within the limit (4 bytes a character at
# most in UTF-8, JSON escapes aside): it is refused before it is read.
MAX_BODY_BYTES = MAX_TEXT_CHARS * 4 + 64_000


class TextTooLarge(ContentTooLarge):
    """The text is longer than the extractor reads in one request."""


def _limit_body(request: Request) -> None:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
        message = f"at most {MAX_TEXT_CHARS} characters"
        raise TextTooLarge(f"text: {message}", errors=[FieldError("text", message)])


def _rate_limit(request: Request, settings: SettingsDep) -> None:
    bucket: TokenBucket | None = getattr(request.app.state, "extract_bucket", None)
    if bucket is None or bucket.rate != settings.extract_rate_per_minute:
        bucket = TokenBucket(settings.extract_rate_per_minute)
        request.app.state.extract_bucket = bucket
    client = request.client.host if request.client else "unknown"
    wait = bucket.take(client)
    if wait > 0:
        raise TooManyRequests(
            f"At most {bucket.rate} extractions a minute; retry in {math.ceil(wait)} s.",
            headers={"Retry-After": str(math.ceil(wait))},
        )


@router.post(
    "/extract",
    response_model=ExtractResponse,
    dependencies=[Depends(_limit_body), Depends(_rate_limit)],
    responses={**BODY_RESPONSES, **problem_responses(TooManyRequests)},
)
def extract(data: ExtractRequest, session: SessionDep) -> ExtractResponse:
    """Claims the text supports, proposed by the rule-based extractor; nothing is stored."""
    return service.extract_claims(session, data)


@router.post(
    "/sources/{source_id:int}/extract",
    response_model=SourceExtraction,
    dependencies=[RequireEditor, Depends(_rate_limit)],
    responses={
        **WRITE_RESPONSES,
        **problem_responses(NotFound, InvalidInput, TooManyRequests),
    },
)
def extract_for_source(source_id: IdPath, session: SessionDep) -> SourceExtraction:
    """Propose the claims a stored source's text supports, for review (review_state
    `proposed`): after the rules improved, or for a source recorded without `extract`.

    A claim the source already has (same actor and object, overlapping evidence) is
    skipped and counted in `duplicates`; a text the rules cannot read (not English) gives
    `readable: false` and no claim.
    """
    return service.extract_for_source(session, source_id)


@router.get(
    "/sources/{source_id:int}/reading",
    response_model=SelectionReading,
    dependencies=[Depends(_rate_limit)],
    responses={**problem_responses(NotFound, InvalidInput, TooManyRequests)},
)
def read_selection(
    source_id: IdPath,
    session: SessionDep,
    start: Annotated[
        int,
        Query(
            ge=0,
            le=INT_MAX,
            description="Where the selection starts: a character offset into the stored text.",
            openapi_examples={"seed": {"summary": "The seed article", "value": 267}},
        ),
    ],
    end: Annotated[
        int,
        Query(
            ge=1,
            le=INT_MAX,
            description="Where it ends (exclusive); greater than `start`, at most the "
            "text's length.",
            openapi_examples={"seed": {"summary": "The seed article", "value": 455}},
        ),
    ],
) -> SelectionReading:
    """A selection of the source's stored text read as a claim, to prefill a claim form:
    the selection trimmed of white space as the evidence (with its offsets), and the claim
    fields of the extractor's proposal whose evidence overlaps it most (the others in
    `alternatives`); where none overlaps, what the selection's sentence gives (`read_from`
    and `message` say so). Nothing is stored. A source without text, or offsets that are
    not a selection of its text, get 422 naming the field; an unknown source 404.
    """
    return reading.read_selection(session, source_id, start, end)
