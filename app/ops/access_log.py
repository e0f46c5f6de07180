"""One JSON line per request on the `posture.access` logger, with a request id that is
taken from `X-Request-ID` when sane, generated otherwise, and echoed in the response.
The same middleware feeds the request-latency histogram (app.ops.metrics)."""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops import metrics

logger = logging.getLogger("posture.access")
REQUEST_ID_HEADER = b"x-request-id"
# Ids from proxies and tracers (UUIDs, hex, "Root=1-5e1b..."): no spaces, quotes, commas,
# semicolons or control characters, and short, so a log line cannot be forged or bloated.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")
UNMATCHED = "unmatched"
_PATH_MAX = 2048


def request_id_of(scope: Scope) -> str:
    """The client's or proxy's `X-Request-ID` when sane, else a new random one."""
    for name, value in scope.get("headers", []):
        if name == REQUEST_ID_HEADER:
            sent: str = value.decode("latin-1")
            if _SANE_REQUEST_ID.fullmatch(sent):
                return sent
            break
    return uuid.uuid4().hex


def route_template(scope: Scope, root_path: str = "") -> str:
    """The matched route's path template (`/api/v1/actors/{code}`), or "unmatched".

    Metrics are labelled with it, never with the raw path, so that their number of series
    stays bounded whatever paths clients send. A mounted app (`/static`) extends
    `root_path` on its way down: it is `/static/{path}`. `root_path` is the scope's before
    routing.
    """
    path_format = getattr(scope.get("route"), "path_format", None)
    if isinstance(path_format, str):
        return path_format
    mounted: str = scope.get("root_path", "")
    if mounted != root_path and mounted.startswith(root_path):
        return mounted.removeprefix(root_path) + "/{path}"
    return UNMATCHED


class AccessLogMiddleware:
    """Times each request, logs it as one JSON line and observes it in the metrics (ASGI).

    Installed outermost, so it also sees the answers the other middleware give (413).
    At the app's startup and shutdown it puts the worker's pool into the shared metrics'
    sums and takes it out again.
    """

    def __init__(self, app: ASGIApp, *, observe: bool) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, _with_worker_hooks(send, _engine_of(scope)))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        # Handlers see it as request.state.request_id.
        scope.setdefault("state", {})["request_id"] = request_id
        root_path: str = scope.get("root_path", "")
        arrived = datetime.now(UTC)
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception the server answers with 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != REQUEST_ID_HEADER
                ]
                message["headers"] = [*headers, (REQUEST_ID_HEADER, request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope, root_path)
            method: str = scope["method"]
            if self.observe:
                metrics.observe_request(_engine_of(scope), route, method, status, seconds)
            if logger.isEnabledFor(logging.INFO):
                client = scope.get("client")
                entry = {
                    "time": arrived.isoformat(timespec="milliseconds"),
                    "request_id": request_id,
                    "method": method,
                    "path": scope.get("path", "")[:_PATH_MAX],
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "client": client[0] if client else None,
                }
                logger.info(access_line(entry), extra={"access": entry})


def _engine_of(scope: Scope) -> Engine | None:
    engine = getattr(getattr(scope.get("app"), "state", None), "engine", None)
    return engine if isinstance(engine, Engine) else None


def _with_worker_hooks(send: Send, engine: Engine | None) -> Send:
    """Tell the metrics when the worker has started and when it stops (lifespan)."""

    async def send_and_tell(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            metrics.worker_started(engine)
        elif message["type"] == "lifespan.shutdown.complete":
            metrics.worker_stopped()
        await send(message)

    return send_and_tell


def access_line(entry: dict[str, Any]) -> str:
    """An access entry as one compact JSON line."""
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
