"""Application errors and their rendering as RFC 9457 problem details."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://posture.example/problems/"


class FieldError(dict[str, object]):
    """One `{field, message}` entry of a problem's `errors` list (`line` for file imports)."""

    def __init__(self, field: str, message: str, *, line: int | None = None) -> None:
        super().__init__(field=field, message=message)
        if line is not None:
            self["line"] = line


class AppError(Exception):
    """An error a client can act on; rendered as problem+json by one handler."""

    status = 400
    title = "Bad request"
    slug = "bad-request"

    def __init__(
        self,
        detail: str,
        *,
        errors: Sequence[FieldError] = (),
        extra: dict[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = list(errors)
        self.extra = extra or {}
        self.headers = dict(headers or {})


class NotFound(AppError):
    """The named record does not exist."""

    status = 404
    title = "Not found"
    slug = "not-found"


class Conflict(AppError):
    """The write clashes with a record that already exists."""

    status = 409
    title = "Conflict"
    slug = "conflict"


class PreconditionFailed(AppError):
    """The record changed since the version the client read (If-Match is stale)."""

    status = 412
    title = "Precondition failed"
    slug = "precondition-failed"


class PreconditionRequired(AppError):
    """A write that must say which version it changes (If-Match) did not."""

    status = 428
    title = "Precondition required"
    slug = "precondition-required"


class Unauthorized(AppError):
    """Nobody is signed in, or the credentials sent are not valid (any more)."""

    status = 401
    title = "Unauthorized"
    slug = "unauthorized"


class Forbidden(AppError):
    """The signed-in user may not do this (role too low, or a missing CSRF token)."""

    status = 403
    title = "Forbidden"
    slug = "forbidden"


class TooManyRequests(AppError):
    """Too many attempts in a short time; `Retry-After` says when to try again."""

    status = 429
    title = "Too many requests"
    slug = "too-many-requests"


class InvalidInput(AppError):
    """The input breaks a codebook rule or names something unknown."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"

    @classmethod
    def field(cls, field: str, message: str) -> "InvalidInput":
        """An error about a single field, whose detail repeats the field's message."""
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str = "about:blank",
    errors: Sequence[dict[str, object]] = (),
    extra: dict[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + slug if slug != "about:blank" else slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = list(errors)
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(loc: Sequence[Any]) -> str:
    # FastAPI prefixes locations with where the value came from ("query", "body").
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_errors(raw: Sequence[Any]) -> list[dict[str, object]]:
    """Pydantic's error list as `{field, message}` pairs."""
    out: list[dict[str, object]] = []
    for err in raw:
        message = str(err.get("msg", "is invalid"))
        message = message.removeprefix("Value error, ")
        # A body that is not JSON is located at a character offset, not at a field.
        field = "body" if err.get("type") == "json_invalid" else _field_name(err.get("loc", ()))
        out.append({"field": field, "message": message})
    return out


class RejectNulInQuery:
    """Refuse a query string holding a NUL character (422 naming the parameter): no
    database text type should receive one; PostgreSQL refuses it with an error.

    Plain ASGI: the check costs nothing unless the query string has "%00" or a raw NUL.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        query = scope.get("query_string", b"") if scope["type"] == "http" else b""
        if b"%00" in query or b"\x00" in query:
            for name, value in Request(scope).query_params.multi_items():
                if "\x00" in name or "\x00" in value:
                    message = "must not contain a NUL character"
                    response = problem(
                        422,
                        "Invalid input",
                        f"{name}: {message}",
                        slug="invalid-input",
                        errors=[FieldError(name.replace("\x00", ""), message)],
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Render AppError, FastAPI's validation errors and HTTP errors as problem+json."""

    app.add_middleware(RejectNulInQuery)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        if wants_page(request):
            if isinstance(exc, Unauthorized):
                return sign_in_redirect(request)
            return page_error(
                request, exc.status, exc.title, exc.detail, exc.errors, headers=exc.headers
            )
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            slug=exc.slug,
            errors=exc.errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc.errors())
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if wants_page(request):
            return page_error(request, 422, "Invalid input", detail, errors)
        return problem(422, "Invalid input", detail, slug="invalid-input", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        title = _http_title(exc.status_code)
        if wants_page(request):
            return page_error(
                request, exc.status_code, title, str(exc.detail), [], headers=exc.headers
            )
        # Keep the exception's headers: a 405 says which methods are allowed (Allow).
        return problem(exc.status_code, title, str(exc.detail), headers=exc.headers)


def wants_page(request: Request) -> bool:
    """Whether an error should be an HTML page (dashboard) rather than problem+json (API)."""
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/openapi.json", "/feed.atom"))


def sign_in_redirect(request: Request) -> Response:
    """Send a visitor who must sign in to /sign-in, coming back here afterwards."""
    from urllib.parse import urlencode

    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        # After signing in, show the form again rather than replaying a POST.
        target = request.url.path
    location = "/sign-in?" + urlencode({"next": target})
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the sign-in page into a fragment; make it load the whole page.
        return Response(status_code=401, headers={"HX-Redirect": location})
    return Response(status_code=303, headers={"Location": location})


def page_error(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: Sequence[Mapping[str, object]],
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The dashboard's error page (a fragment for htmx)."""
    from app.web import render

    response = render(
        request,
        "errors/error.html",
        {"title": title, "status": status, "detail": detail, "errors": list(errors)},
        fragment="errors/_error.html",
        status_code=status,
    )
    if headers:
        response.headers.update(headers)
    return response


def _http_title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
