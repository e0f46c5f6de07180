"""The dashboard's forms: one submitted value; the record forms of actors, initiatives, sources."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.errors import AppError, Conflict, InvalidInput
from app.versioning import STALE, conflict_notice, form_version
from app.web import form_errors, render


class Versioned(Protocol):
    """A record as its form shows it, read at a version."""

    @property
    def version(self) -> int: ...


def blank_to_none(value: Any) -> Any:
    """A form's empty input or "any" option arrives as "", which means "not given"."""
    return None if value == "" else value


def one_value(fields: Mapping[str, Any], name: str) -> str:
    """One input's submitted text ("" when absent), line breaks as LF.

    A browser sends each input once; a name repeated (FormFields makes it a list) comes
    only from a hand-made request, and its first value is the one taken. Browsers send a
    textarea's line breaks as CRLF; the stored texts use LF.
    """
    value = fields.get(name, "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value).replace("\r\n", "\n")


KeyT = TypeVar("KeyT", bound=str | int)
RecordT = TypeVar("RecordT", bound=Versioned)


@dataclass(frozen=True)
class RecordForm(Generic[KeyT, RecordT]):
    """What the shared form code needs to know of one domain's form."""

    # The record's type as the audit trail names it ("actor"); also the name the
    # template knows the record by, and the noun of "New actor" and of the conflict notice.
    what: str
    path: str  # the records' pages: path + "/" + key, path + "/new", path + "/" + key + "/edit"
    template: str
    labels: Mapping[str, str]  # the fields, in the form's order, as the user reads them
    read: Callable[[Session, KeyT], RecordT]  # the record as stored, or 404
    stored_values: Callable[[RecordT], dict[str, str]]  # the record as the form's text
    edit_title: Callable[[RecordT], str]
    extra_context: Mapping[str, Any] = field(default_factory=dict)


def render_form(
    request: Request,
    form: RecordForm[Any, RecordT],
    values: Mapping[str, str],
    errors: Mapping[str, str],
    record: RecordT | None = None,
    *,
    version: int | None = None,
    conflict: Mapping[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The form for a new record, or for editing `record`, showing these values and errors."""
    context = {
        "title": f"New {form.what}" if record is None else form.edit_title(record),
        "mode": "new" if record is None else "edit",
        form.what: record,
        "version": version,
        "conflict": conflict,
        "values": values,
        "errors": errors,
        "field_labels": form.labels,
        **form.extra_context,
    }
    return render(request, form.template, context, status_code=status_code)


def save_new_form(
    request: Request,
    session: Session,
    form: RecordForm[KeyT, Any],
    *,
    values: Mapping[str, str],
    create: Callable[[], KeyT],
    errors: Callable[[AppError], dict[str, str]] = form_errors,
) -> Response:
    """Create the record and go to its page; on a problem, the form again.

    `create()` parses `values`, calls the service and returns the new record's key.
    """
    try:
        # A savepoint: a write half done before the error must not be committed.
        with session.begin_nested():
            key = create()
    except (InvalidInput, Conflict) as exc:
        return render_form(request, form, values, errors(exc), status_code=exc.status)
    return RedirectResponse(f"{form.path}/{key}", status_code=303)


def save_edit_form(
    request: Request,
    session: Session,
    form: RecordForm[KeyT, RecordT],
    key: KeyT,
    record: RecordT,
    *,
    values: Mapping[str, str],
    fields: Mapping[str, Any],
    save: Callable[[int], object],
    errors: Callable[[AppError], dict[str, str]] = form_errors,
) -> Response:
    """Save an edit form and go to the record's page; on a problem, the form again.

    `save(version)` parses `values` and calls the service with the version the form was
    opened at. If someone saved the record since, the form shows their values beside the
    user's (409); a refused input shows its message beside the input.
    """
    version = form_version(fields)
    try:
        # A savepoint: a write half done before the error must not be committed.
        with session.begin_nested():
            save(version)
    except STALE:
        # Someone saved the record since this form was opened: show theirs beside ours.
        stored = form.read(session, key)
        conflict = conflict_notice(
            form.what,
            form.labels,
            form.stored_values(stored),
            values,
            yours_version=version,
            current_version=stored.version,
            reload=f"{form.path}/{key}/edit",
            by=audit.last_writer(session, form.what, key),
        )
        return render_form(
            request,
            form,
            values,
            {},
            stored,
            version=stored.version,
            conflict=conflict,
            status_code=409,
        )
    except (InvalidInput, Conflict) as exc:
        return render_form(
            request, form, values, errors(exc), record, version=version, status_code=exc.status
        )
    return RedirectResponse(f"{form.path}/{key}", status_code=303)
