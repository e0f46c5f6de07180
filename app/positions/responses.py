"""Conditional, cached HTTP answers for the position endpoints: ETag from the data
version, 304 on If-None-Match, gzip made once per cached answer, and a fast path that
serves a repeated request from the cache without routing, dependencies or a session."""

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from sqlalchemy.orm import Session
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from app.ops.metrics import record_cache
from app.positions import queries
from app.positions.cache import AnswerCache, Body, answer, question

T = TypeVar("T")

# Clients may keep an answer but must ask again (cheaply, with If-None-Match) before use.
CACHE_CONTROL = "no-cache"


@dataclass(frozen=True)
class Served:
    """An answer as it went out: what the fast path needs to send it again."""

    name: str
    etag: str
    body: Body
    headers: Mapping[str, str] = field(default_factory=dict)


def answer_cache(request: Request) -> AnswerCache:
    """This process's answer cache (made by create_app)."""
    cache: AnswerCache = request.app.state.answer_cache
    return cache


def _not_modified(headers: Headers, etag: str) -> bool:
    sent = headers.get("if-none-match")
    if not sent:
        return False
    tags = {t.strip().removeprefix("W/") for t in sent.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def request_key(scope: Scope) -> tuple[Hashable, ...]:
    """The request as the fast path sees it, before any parsing: the path, the query
    string as sent, what it accepts, and today (an absent `as_of` means today)."""
    accept = Headers(scope=scope).get("accept", "")
    return ("request", scope["path"], scope.get("query_string", b""), accept, date.today())


def _response(served: Served, headers: Headers, cache: str) -> Response:
    out = {
        "ETag": served.etag,
        "Cache-Control": CACHE_CONTROL,
        "Vary": "Accept-Encoding",
        # What the cache did: MISS (computed), HIT, EARLY (answered before routing).
        "X-Cache": cache,
        **served.headers,
    }
    if _not_modified(headers, served.etag):
        return Response(status_code=304, headers=out)
    body = served.body
    if body.gzipped is not None and "gzip" in headers.get("accept-encoding", ""):
        out["Content-Encoding"] = "gzip"
        return Response(body.gzipped, media_type=body.media_type, headers=out)
    return Response(body.content, media_type=body.media_type, headers=out)


def cached_response(
    request: Request,
    session: Session,
    name: str,
    params: tuple[Hashable, ...],
    compute: Callable[[], Body],
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The answer to a question as a response: 304 when the client holds it, else the
    cached or computed body (gzipped when the client takes gzip). The answer is also kept
    under the request as sent, for CachedAnswers to serve again."""
    asked = question(session, name, params)
    served = Served(name, asked.etag, Body(b"", "", None), headers or {})
    if _not_modified(request.headers, asked.etag):
        return _response(served, request.headers, "HIT")
    cache = answer_cache(request)
    hit = False

    def looked_up(found: bool) -> None:
        nonlocal hit
        hit = found
        record_cache(name, found)

    body = answer(cache, asked, compute, on_lookup=looked_up)
    served = Served(name, asked.etag, body, headers or {})
    cache.put((*request_key(request.scope), asked.version), served)
    return _response(served, request.headers, "HIT" if hit else "MISS")


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


class CachedAnswers:
    """Serve a GET that was answered before, at the same data version, straight from the
    cache: one read of the version, no routing, no dependencies, no session.

    Only requests byte-for-byte like one the route answered are served (the key is the
    raw path, query string and Accept header), so nothing is parsed twice and a request
    the route would refuse never reaches the cache. Off when reading needs a sign-in, and
    for requests with a bearer token (the route checks it).
    Everything outside it (security headers, access log, gzip) applies as usual.
    """

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI) -> None:
        self.app = app
        self.fastapi_app = fastapi_app
        self._routes: dict[str, Any] | None = None
        self._reader: queries.DataVersionReader | None = None

    def _version_reader(self) -> queries.DataVersionReader:
        # Made on first use: the engine may be replaced after the app is built (tests).
        engine = self.fastapi_app.state.engine
        if self._reader is None or self._reader.engine is not engine:
            self._reader = queries.DataVersionReader(engine)
        return self._reader

    def _route(self, path: str) -> Any:
        if self._routes is None:
            self._routes = {
                getattr(route, "path", ""): route
                for route in self.fastapi_app.routes
                if getattr(route, "path", None) in CACHED_PATHS
            }
        return self._routes.get(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.fastapi_app.state
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or scope["path"] not in CACHED_PATHS
            or state.settings.require_sign_in_to_read
            # A token is checked (and refused when bad) by the route: its path it is.
            or any(name == b"authorization" for name, _ in scope["headers"])
        ):
            await self.app(scope, receive, send)
            return
        cache: AnswerCache = state.answer_cache
        key = request_key(scope)
        try:
            # In a worker thread: a read may wait on a writer's lock (SQLite).
            version = await anyio.to_thread.run_sync(self._version_reader().read)
        except Exception:  # the route will say what is wrong, in its own words
            await self.app(scope, receive, send)
            return
        served = cache.peek((*key, version))
        if not isinstance(served, Served):
            await self.app(scope, receive, send)
            return
        record_cache(served.name, True)
        # The access log and metrics name the route the answer came from.
        scope["route"] = self._route(scope["path"])
        await _response(served, Headers(scope=scope), "EARLY")(scope, receive, send)


# The answers the fast path may serve: every one of them comes from cached_response.
CACHED_PATHS = frozenset(
    {"/api/v1/positions", "/api/v1/positions/counts", "/api/v1/changes", "/feed.atom"}
)
