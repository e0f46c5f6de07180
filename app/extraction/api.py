"""POST /api/v1/extract: propose claims for a news text; nothing is stored."""

import math

from fastapi import APIRouter, Depends, Request

from app.config import SettingsDep
from app.db import SessionDep
from app.errors import (
    API_RESPONSES,
    BODY_RESPONSES,
    ContentTooLarge,
    FieldError,
    TooManyRequests,
    problem_responses,
)
from app.extraction import service
from app.extraction.ratelimit import TokenBucket
from app.extraction.schemas import MAX_TEXT_CHARS, ExtractRequest, ExtractResponse

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
