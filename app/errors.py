"""Application errors, and how the OpenAPI document declares them as RFC 9457 problem
details; app.problems renders them (this module knows nothing of HTTP frameworks)."""

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://posture.example/problems/"


class FieldError(dict[str, object]):
    """One `{field, message}` entry of a problem's `errors` list (`line` for file imports)."""

    def __init__(self, field: str, message: str, *, line: int | None = None) -> None:
        super().__init__(field=field, message=message)
        if line is not None:
            self["line"] = line


class AppError(Exception):
    """An error a client can act on; app.problems.error_response renders every one."""

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

    @classmethod
    def of(cls, errors: Sequence[FieldError]) -> "InvalidInput":
        """An error about these fields, whose detail lists each ("field: message; ...")."""
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return cls(detail, errors=errors)


class HttpError(AppError):
    """An error whose status, title and problem type come with it: one that no subclass
    names (the router's 404 and 405, a database failure's 503)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        slug: str = "about:blank",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail, headers=headers)
        self.status = status
        self.title = title or http_title(status)
        self.slug = slug


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
            "description": STATUS_DESCRIPTIONS.get(status) or http_title(status),
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


def http_title(status: int) -> str:
    """The standard reason phrase of a status ("Not Found"), the title of its problems."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
