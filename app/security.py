"""Response hardening and request limits: security headers on every response, a body
size limit (413), and CORS only for the origins a setting lists."""

from collections.abc import Sequence

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No inline script or style anywhere in the dashboard: an injected <script> cannot run.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive API docs load Swagger UI and ReDoc from a CDN and start them with
# an inline script; those pages show no stored data, and only they get this policy.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


class SecurityMiddleware:
    """Adds the security headers and enforces the body size limit (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, body_size_max: int) -> None:
        self.app = app
        self.body_size_max = body_size_max

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        policy = (
            DOCS_CONTENT_SECURITY_POLICY
            if path == "/docs/oauth2-redirect" or path in DOCS_PATHS
            else CONTENT_SECURITY_POLICY
        )
        headers_to_add = [
            (b"content-security-policy", policy.encode()),
            *((k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()),
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers_to_add if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        declared = _content_length(scope)
        if declared is not None or not _has_header(scope, b"transfer-encoding"):
            declared = declared or 0
            # The server (h11, httptools) never passes on more than Content-Length.
            if declared > self.body_size_max:
                await self._too_large(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
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
                await self._too_large(scope, receive, send_with_headers)
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

        await self.app(scope, replay, send_with_headers)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        from app.errors import page_error, problem, wants_page

        request = Request(scope, receive)
        detail = f"The request body is larger than {self.body_size_max} bytes."
        if wants_page(request):
            response = page_error(request, 413, "Content too large", detail, [])
        else:
            response = problem(413, "Content too large", detail, slug="content-too-large")
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
    """Register CORS (only when origins are configured), then the security middleware
    outermost, so that even CORS preflight answers carry the headers."""
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
    app.add_middleware(SecurityMiddleware, body_size_max=body_size_max)
