"""Conditional, cached HTTP answers for the position endpoints: ETag from the data
version, 304 on If-None-Match, gzip made once per cached answer."""

from collections.abc import Callable, Hashable
from typing import TypeVar

from fastapi import Request, Response
from sqlalchemy.orm import Session

from app.ops.metrics import record_cache
from app.positions.cache import AnswerCache, Body, answer, question

T = TypeVar("T")

# Clients may keep an answer but must ask again (cheaply, with If-None-Match) before use.
CACHE_CONTROL = "no-cache"


def answer_cache(request: Request) -> AnswerCache:
    """This process's answer cache (made by create_app)."""
    cache: AnswerCache = request.app.state.answer_cache
    return cache


def _not_modified(request: Request, etag: str) -> bool:
    sent = request.headers.get("if-none-match")
    if not sent:
        return False
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def cached_response(
    request: Request,
    session: Session,
    name: str,
    params: tuple[Hashable, ...],
    compute: Callable[[], Body],
) -> Response:
    """The answer to a question as a response: 304 when the client holds it, else the
    cached or computed body (gzipped when the client takes gzip)."""
    asked = question(session, name, params)
    headers = {"ETag": asked.etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding"}
    if _not_modified(request, asked.etag):
        return Response(status_code=304, headers=headers)
    body = answer(
        answer_cache(request), asked, compute, on_lookup=lambda hit: record_cache(name, hit)
    )
    if body.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=body.media_type, headers=headers)
    return Response(body.content, media_type=body.media_type, headers=headers)


def cached_value(
    request: Request,
    session: Session,
    name: str,
    params: tuple[Hashable, ...],
    compute: Callable[[], T],
) -> T:
    """A computed answer (a matrix, a series) for a page, cached by the data version like
    the API's; the page itself is rendered for each request (it names who is signed in)."""
    asked = question(session, name, params)
    return answer(
        answer_cache(request), asked, compute, on_lookup=lambda hit: record_cache(name, hit)
    )
