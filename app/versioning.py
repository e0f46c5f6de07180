"""No silent overwrite: a record's version is its ETag, and every write names the version
it changes (If-Match). A stale version is refused (412), a missing one too (428).

The check reads the version with SELECT ... FOR UPDATE (a row lock on PostgreSQL, so a
second writer waits and then sees the new version), and every UPDATE of a versioned row
says WHERE version = <the version read> (the models' version_id_col), so even two writers
that both passed the check cannot both write: the second one's UPDATE matches no row.
"""

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Request, Response
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.exc import StaleDataError

from app.db import locked_version
from app.errors import InvalidInput, PreconditionFailed, PreconditionRequired
from app.problems import error_response

# What a write refused for a version that moved on raises: the check before the write
# (412), or the UPDATE that matched no row because another write came first.
STALE = (PreconditionFailed, StaleDataError)


def etag(version: int) -> str:
    """The ETag of a record's version (a strong validator: the version, quoted)."""
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    """Send the record's version as its ETag."""
    response.headers["ETag"] = etag(version)


def parse_if_match(value: str | None) -> int:
    """The version an If-Match header names; 428 without one, 412 for a tag never sent."""
    if value is None or not value.strip():
        raise PreconditionRequired(
            "This write needs an If-Match header with the ETag of the version you read "
            "(GET the record: its ETag header), so that it never overwrites someone "
            "else's change unseen."
        )
    tags = [t.strip() for t in value.split(",") if t.strip()]
    if tags == ["*"]:
        raise PreconditionRequired(
            "If-Match: * would overwrite any version; send the ETag of the version you read."
        )
    if len(tags) != 1:
        raise InvalidInput.field("If-Match", "send the one ETag of the version you read")
    tag = tags[0].removeprefix("W/")
    if len(tag) >= 2 and tag[0] == tag[-1] == '"':
        tag = tag[1:-1]
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 12:
        raise PreconditionFailed(f"{tags[0]} is not the ETag of any version of this record.")
    return int(tag)


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag of the version you read, e.g. "3" (required).',
        ),
    ] = None,
) -> int:
    return parse_if_match(if_match)


# The version a write changes, from its If-Match header.
IfMatch = Annotated[int, Depends(_if_match)]


def check_version(
    session: Session,
    version: InstrumentedAttribute[int],
    where: ColumnElement[bool],
    expected: int | None,
    what: str,
) -> None:
    """Refuse the write (412) unless the stored version is the expected one.

    The row stays locked (PostgreSQL) until the transaction ends. None means "no
    version given" (commands, the seed): nothing is checked. A missing row is left for
    the caller to report.
    """
    if expected is None:
        return
    current = locked_version(session, version, where)
    if current is not None and current != expected:
        raise stale(what, current, expected)


def stale(what: str, current: int, expected: int | None = None) -> PreconditionFailed:
    """The 412 for a record whose version moved on."""
    read = f"version {expected}" if expected is not None else "the version you read"
    return PreconditionFailed(
        f"{what} has changed since you read it ({read}; it is now at version {current}). "
        "Nothing was changed: read it again and apply your change to the new version.",
        extra={"current_version": current},
        headers={"ETag": etag(current)},
    )


def install_handlers(app: FastAPI) -> None:
    """Two writers at once: the one that lost the race gets a 412."""

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, _exc: StaleDataError) -> Response:
        detail = (
            "The record changed while this write was being saved; nothing was changed. "
            "Read it again and apply your change to the new version."
        )
        return error_response(request, PreconditionFailed(detail))


def form_version(fields: Mapping[str, Any]) -> int:
    """The version a dashboard form was opened at (its hidden `version` input)."""
    value = fields.get("version")
    if isinstance(value, list):
        value = value[-1] if value else None
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise PreconditionRequired(
            "The form did not say which version it edits; open the form again and save it."
        )
    return int(text)


def conflict_notice(
    what: str,
    labels: Mapping[str, str],
    stored: Mapping[str, str],
    yours: Mapping[str, str],
    *,
    yours_version: int,
    current_version: int,
    reload: str,
    by: str | None = None,
) -> dict[str, Any]:
    """What a form shows when its record changed since it was opened: the stored values
    beside the user's, for each field where they differ."""

    def same(a: str, b: str) -> bool:
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()

    def clip(text: str) -> str:
        return text if len(text) <= 400 else text[:400] + "…"

    rows = [
        {"label": label, "current": clip(stored.get(name, "")), "yours": clip(yours.get(name, ""))}
        for name, label in labels.items()
        if name in yours and not same(stored.get(name, ""), yours.get(name, ""))
    ]
    return {
        "what": what,
        "rows": rows,
        "yours_version": yours_version,
        "current_version": current_version,
        "reload": reload,
        "by": by,
    }
