"""Errors as responses: error_response is the one place that chooses between an RFC 9457
problem (problem+json, for the API) and the dashboard's error page (a fragment for htmx)."""

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import (
    PROBLEM_BASE,
    PROBLEM_JSON,
    AppError,
    FieldError,
    HttpError,
    InvalidInput,
    Unauthorized,
    validation_errors,
)
from app.web import is_htmx, render


def error_response(request: Request, error: AppError) -> Response:
    """The answer to an error: problem+json on the API, otherwise the dashboard's error
    page, or the sign-in page for a visitor who must sign in (Unauthorized)."""
    if not wants_page(request):
        return problem(
            error.status,
            error.title,
            error.detail,
            slug=error.slug,
            errors=error.errors,
            extra=error.extra,
            headers=error.headers,
        )
    if isinstance(error, Unauthorized):
        return sign_in_redirect(request)
    return _page(request, error)


def wants_page(request: Request) -> bool:
    """Whether an error should be an HTML page (dashboard) rather than problem+json (API)."""
    path = request.url.path
    return not (path.startswith("/api/") or path in ("/openapi.json", "/feed.atom"))


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    slug: str = "about:blank",
    errors: Sequence[Mapping[str, object]] = (),
    extra: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response, for routes that only ever answer one (/readyz, /metrics)."""
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


def _page(request: Request, error: AppError) -> Response:
    """The dashboard's error page (a fragment for htmx)."""
    context = {
        "title": error.title,
        "status": error.status,
        "detail": error.detail,
        "errors": list(error.errors),
    }
    response = render(
        request,
        "errors/error.html",
        context,
        fragment="errors/_error.html",
        status_code=error.status,
    )
    if error.headers:
        response.headers.update(error.headers)
    return response


def sign_in_redirect(request: Request) -> Response:
    """Send a visitor who must sign in to /sign-in, coming back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":
        # After signing in, show the form again rather than replaying a POST.
        target = request.url.path
    location = "/sign-in?" + urlencode({"next": target})
    if is_htmx(request):
        # htmx would swap the sign-in page into a fragment; make it load the whole page.
        return Response(status_code=401, headers={"HX-Redirect": location})
    return Response(status_code=303, headers={"Location": location})


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers, for a 405's `Allow` header.

    Starlette's router names only the methods of the first route matching the path, and a
    path often has several routes (GET and PATCH /api/v1/actors/{code}). Where routes of
    several templates match, the most specific one names the resource: /api/v1/claims/import
    is the import, not a claim whose id is "import".
    """
    found: dict[int, set[str]] = {}
    scope = dict(request.scope)
    for route in iter_route_contexts(request.app.router.routes):
        methods = route.methods
        if methods and route.matches(scope)[0] is not Match.NONE:
            found.setdefault(str(route.path).count("{"), set()).update(methods)
    return ", ".join(sorted(found[min(found)])) if found else ""


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
                    error = InvalidInput(
                        f"{name}: {message}",
                        errors=[FieldError(name.replace("\x00", ""), message)],
                    )
                    # Always problem+json, pages included: it is refused before routing.
                    response = problem(
                        error.status,
                        error.title,
                        error.detail,
                        slug=error.slug,
                        errors=error.errors,
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Answer AppError, FastAPI's validation errors and HTTP errors through error_response."""

    app.add_middleware(RejectNulInQuery)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            FieldError(str(e["field"]), str(e["message"])) for e in validation_errors(exc.errors())
        ]
        return error_response(request, InvalidInput.of(errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Keep the exception's headers: a 405 says which methods are allowed (Allow).
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request)
        return error_response(request, HttpError(exc.status_code, str(exc.detail), headers=headers))
