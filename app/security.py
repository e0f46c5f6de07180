"""Response hardening and request limits: security headers on every response, a body
size limit (413), and CORS only for the origins a setting lists."""

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ContentTooLarge
from app.problems import error_response

# No inline script or style anywhere in the dashboard: an injected <script> cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
]


class SecurityHeaders:
    """Adds the security headers to every response (pure ASGI). It wraps the whole
    middleware stack, Starlette's server error handler included, so that a 500 carries
    them too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodySizeLimit:
    """Enforces the body size limit (413) before anything reads the body (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, body_size_max: int) -> None:
        self.app = app
        self.body_size_max = body_size_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None or not _has_header(scope, b"transfer-encoding"):
            declared = declared or 0
            # The server (h11, httptools) never passes on more than Content-Length.
            if declared > self.body_size_max:
                await self._too_large(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        # A chunked body: read it here, up to the limit, and hand it on whole.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.body_size_max:
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {self.body_size_max} bytes."
        response = error_response(Request(scope, receive), ContentTooLarge(detail))
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope.get("headers", []))


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def install_security(app: FastAPI, *, body_size_max: int, cors_origins: Sequence[str]) -> None:
    """Register CORS (only when origins are configured), the body size limit, and the
    security headers outermost, so that CORS preflights and 500s carry them too."""
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(cors_origins),
            # Bearer tokens only: a browser on another site never sends Posture's cookies.
            allow_credentials=False,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "X-CSRF-Token"],
            expose_headers=["ETag", "Location"],
            max_age=600,
        )
    app.add_middleware(BodySizeLimit, body_size_max=body_size_max)
    stack = app.build_middleware_stack

    def stack_with_headers() -> ASGIApp:
        return SecurityHeaders(stack())

    # Outside the server error handler, which add_middleware cannot reach.
    app.build_middleware_stack = stack_with_headers  # type: ignore[method-assign]
