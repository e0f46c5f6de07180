"""Application errors and their rendering as RFC 9457 problem details."""

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
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


class ContentTooLarge(AppError):
    """The request body (or the text in it) is larger than the server reads."""

    status = 413
    title = "Content too large"
    slug = "content-too-large"


class InvalidInput(AppError):
    """The input breaks a codebook rule or names something unknown."""

    status = 422
    title = "Invalid input"
    slug = "invalid-input"

    @classmethod
    def field(cls, field: str, message: str) -> "InvalidInput":
        """An error about a single field, whose detail repeats the field's message."""
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class ProblemFieldError(BaseModel):
    """One entry of a problem's `errors`: which field is wrong and why."""

    field: str = Field(description="The field (a dotted path), `body`, or a header's name.")
    message: str = Field(description="What is wrong with it.")
    line: int | SkipJsonSchema[None] = Field(
        default=None, description="The line of the imported file (file imports only)."
    )


class Problem(BaseModel):
    """An RFC 9457 problem details body (`application/problem+json`); some problems add
    members of their own (a 409's `existing_id`, a 412's `current_version`)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="A URI naming the kind of problem, or `about:blank`.")
    title: str = Field(description="A short summary of the kind of problem.")
    status: int = Field(description="The HTTP status code.")
    detail: str = Field(description="What went wrong this time, for a person to read.")
    instance: str | SkipJsonSchema[None] = Field(
        default=None, description="A URI naming this occurrence."
    )
    errors: list[ProblemFieldError] | SkipJsonSchema[None] = Field(
        default=None, description="Each bad field with its reason (invalid input)."
    )


# Where the OpenAPI document keeps the problem schema (app.openapi puts it there).
PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}

# What each status means on this API, for the OpenAPI document's response descriptions.
STATUS_DESCRIPTIONS = {
    304: "Not modified: the ETag sent as If-None-Match is still current (no body).",
    400: "The request body cannot be read (it is not UTF-8 text).",
    401: "Nobody is signed in, or the credentials sent are not valid (WWW-Authenticate).",
    403: "The signed-in user's role is too low (or a session's write lacks its CSRF token).",
    404: "The record named in the path does not exist.",
    409: "The write clashes with a stored record (or the record's state).",
    412: (
        "The record changed since the version named in If-Match: nothing was changed "
        "(its ETag header and `current_version` name the current version)."
    ),
    413: "The request body is larger than the server reads.",
    422: "Invalid input: each bad field is named in `errors`.",
    428: "This write needs an If-Match header with the ETag of the version you read.",
    429: "Too many requests: Retry-After says when to try again.",
    503: (
        "The database is not answering, is read-only, or another write held it too long: "
        "nothing was changed; Retry-After says when to try again."
    ),
    507: "The database has no space left for this write: nothing was changed.",
}


def problem_responses(*statuses: int | type[AppError]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` declaring problem+json answers for these statuses (an AppError
    subclass stands for its status); 304 is declared without a body."""
    out: dict[int | str, dict[str, Any]] = {}
    for item in statuses:
        status = item if isinstance(item, int) else item.status
        if status == 304:
            out[status] = {"description": STATUS_DESCRIPTIONS[304]}
            continue
        out[status] = {
            "description": STATUS_DESCRIPTIONS.get(status) or _http_title(status),
            "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}},
        }
    return out


# Every API route: a bearer token that is not valid (or, when reading needs a sign-in,
# none) gets 401, a query holding a NUL character or a bad value 422, and a database that
# fails 503 (app/ops/database.py).
API_RESPONSES = problem_responses(Unauthorized, InvalidInput, 503)
# A request with a body: one that cannot be read (400: not UTF-8) or is larger than
# POSTURE_BODY_SIZE_MAX (413).
BODY_RESPONSES = problem_responses(400, ContentTooLarge)
# A write: a role too low (403), what refuses a body, and a full disk (507).
WRITE_RESPONSES = {**problem_responses(Forbidden, 507), **BODY_RESPONSES}
# A write to a versioned record (If-Match): 428 without the header, 412 when stale.
IF_MATCH_RESPONSES = problem_responses(PreconditionFailed, PreconditionRequired)


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
            page_headers = exc.headers
            if exc.status_code == 405:
                page_headers = {**(page_headers or {}), "Allow": allowed_methods(request)}
            return page_error(
                request, exc.status_code, title, str(exc.detail), [], headers=page_headers
            )
        # Keep the exception's headers: a 405 says which methods are allowed (Allow).
        headers = exc.headers
        if exc.status_code == 405:
            headers = {**(headers or {}), "Allow": allowed_methods(request)}
        return problem(exc.status_code, title, str(exc.detail), headers=headers)


def allowed_methods(request: Request) -> str:
    """Every method the request's path answers, for a 405's `Allow` header.

    Starlette's router names only the methods of the first route matching the path, and a
    path often has several routes (GET and PATCH /api/v1/actors/{code}). Where routes of
    several templates match, the most specific one names the resource: /api/v1/claims/import
    is the import, not a claim whose id is "import".
    """
    from fastapi.routing import iter_route_contexts

    found: dict[int, set[str]] = {}
    scope = dict(request.scope)
    for route in iter_route_contexts(request.app.router.routes):
        methods = route.methods
        if methods and route.matches(scope)[0] is not Match.NONE:
            found.setdefault(str(route.path).count("{"), set()).update(methods)
    return ", ".join(sorted(found[min(found)])) if found else ""


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
