"""The database's own failures as answers a client can act on: 503 while it is busy,
down or read-only (retry later), 507 when its disk is full. Nothing was written: every
request is one transaction, rolled back on the error."""

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError

from app.db import DatabaseFailure, database_failure
from app.errors import HttpError
from app.problems import error_response

# status, title, detail and Retry-After (seconds) of each failure.
_ANSWERS = {
    DatabaseFailure.BUSY: (
        503,
        "Service unavailable",
        "Another write was being saved at the same moment; nothing was changed. Retry.",
        "1",
    ),
    DatabaseFailure.UNAVAILABLE: (
        503,
        "Service unavailable",
        "The database is not answering; nothing was changed. Retry in a moment.",
        "5",
    ),
    DatabaseFailure.READ_ONLY: (
        503,
        "Service unavailable",
        "The database accepts no writes at the moment (read-only); nothing was changed.",
        "60",
    ),
    DatabaseFailure.FULL: (
        507,
        "Insufficient storage",
        "The database has no space left for this write; nothing was changed.",
        "60",
    ),
}


def install_database_failure_handler(app: FastAPI) -> None:
    """Answer the database's failures with 503 or 507 and a problem (or a page)."""

    @app.exception_handler(DBAPIError)
    async def _database_failure(request: Request, exc: DBAPIError) -> Response:
        kind = database_failure(exc)
        if kind is None:
            raise exc  # a bug: the server error handler answers 500 and logs it
        status, title, detail, retry_after = _ANSWERS[kind]
        error = HttpError(
            status,
            detail,
            title=title,
            slug=kind.value.replace("_", "-"),
            headers={"Retry-After": retry_after},
        )
        return error_response(request, error)
