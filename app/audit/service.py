"""Reading the audit trail: the API's entries and the History panel of a record's page."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app.audit import queries
from app.audit.models import AuditEntry
from app.audit.schemas import AuditEntryRead
from app.errors import InvalidInput, NotFound
from app.listing import Paging

# What the History panel leaves out of "what changed": bookkeeping every write changes.
QUIET_FIELDS = frozenset({"version", "id"})
HISTORY_LIMIT = 50


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """The fields whose value differs (every field of a new or a removed record)."""
    old, new = before or {}, after or {}
    return [k for k in {**old, **new} if old.get(k) != new.get(k)]


def entry_reads(session: Session, entries: Sequence[AuditEntry]) -> list[AuditEntryRead]:
    """Entries as the API shows them, with the users' names."""
    names = queries.user_names(session, [e.user_id for e in entries if e.user_id is not None])
    return [
        AuditEntryRead(
            id=e.id,
            at=e.at,
            user_id=e.user_id,
            user_name=names.get(e.user_id) if e.user_id is not None else None,
            agent=e.agent,
            action=e.action,
            record_type=e.record_type,
            record_key=e.record_key,
            before=e.before,
            after=e.after,
            changed=changed_fields(e.before, e.after),
        )
        for e in entries
    ]


def require_entry(session: Session, entry_id: int) -> AuditEntry:
    """The entry with this id, or 404."""
    entry = queries.entry_by_id(session, entry_id)
    if entry is None:
        raise NotFound(f"No audit entry has the id {entry_id}.")
    return entry


def parse_moment(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """A `from`/`to` filter: a date (the whole day; `to` includes it) or a date and time
    (UTC unless it says otherwise)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, tzinfo=UTC)
            return moment + timedelta(days=1) if end else moment
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput.field(
            field, f"'{text}' is not a date (YYYY-MM-DD) or a date and time (ISO 8601)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AuditFilter:
    """The audit list's filters as a client sends them (times as text, a user's name)."""

    record_type: str | None = None
    record: str | None = None
    user: str | None = None
    action: str | None = None
    from_: str | None = None
    to: str | None = None


def _criteria(session: Session, asked: AuditFilter) -> dict[str, Any]:
    """The filters for audit_list: times parsed (422 naming `from` or `to`, and `to` not
    after `from`), the user resolved."""
    at_from = parse_moment(asked.from_, "from")
    at_to = parse_moment(asked.to, "to", end=True)
    if at_from and at_to and at_to <= at_from:
        raise InvalidInput.field("to", "is not after from")
    return {
        "record_type": asked.record_type,
        "record_key": asked.record,
        "user_id": user_filter(session, asked.user),
        "action": asked.action,
        "at_from": at_from,
        "at_to": at_to,
    }


def entry_page(
    session: Session, asked: AuditFilter, paging: Paging
) -> tuple[list[AuditEntryRead], int]:
    """A page of the entries the filters match, newest first, and the total."""
    rows, total = queries.audit_page(session, paging, _criteria(session, asked))
    return entry_reads(session, rows), total


def export_lines(session: Session, asked: AuditFilter) -> list[str]:
    """Every entry the filters match, oldest first, as JSON Lines."""
    entries = queries.audit_entries(session, _criteria(session, asked))
    return list(jsonl_lines(entry_reads(session, entries)))


def user_filter(session: Session, user: str | None) -> int | None:
    """The `user` filter: a user id, or a username the accounts know."""
    if user is None or not user.strip():
        return None
    text = user.strip()
    if text.isdigit():
        return int(text)
    found = queries.user_id_by_username(session, text)
    if found is None:
        raise InvalidInput.field("user", f"unknown user '{text}'")
    return found


def shown(value: Any) -> str:
    """A field's value as the History panel prints it."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(shown(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(str(v) for v in value.values() if v is not None and v != "")
    return str(value)


def _label(field: str) -> str:
    return field.replace("_", " ").capitalize()


@dataclass(frozen=True)
class FieldChange:
    """One field of a History entry: its label, and its values before and after, as shown."""

    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One write in a record's History panel: who, when, the action and what changed."""

    id: int
    at: datetime
    who: str
    action: str
    version: Any
    created: bool
    changes: list[FieldChange]


@dataclass(frozen=True)
class HistoryContext:
    """The History panel of a record's page: the include reads it as `audit_history`."""

    type: str
    key: str
    entries: list[HistoryEntry]


def record_history(
    session: Session, record_type: str, record_key: str | int, limit: int = HISTORY_LIMIT
) -> list[HistoryEntry]:
    """A record's entries, newest first, each with who, when, the action and what changed."""
    entries = queries.record_history(session, record_type, str(record_key), limit)
    names = queries.user_names(session, [e.user_id for e in entries if e.user_id is not None])
    history = []
    for entry in entries:
        fields = [f for f in changed_fields(entry.before, entry.after) if f not in QUIET_FIELDS]
        old, new = entry.before or {}, entry.after or {}
        history.append(
            HistoryEntry(
                id=entry.id,
                at=entry.at,
                who=_who(entry, names),
                action=entry.action,
                version=new.get("version", old.get("version")),
                created=entry.before is None,
                changes=[
                    FieldChange(
                        field=f,
                        label=_label(f),
                        before=shown(old.get(f)),
                        after=shown(new.get(f)),
                    )
                    for f in fields
                    # A new record lists only the fields it was given.
                    if entry.before is not None or new.get(f) not in (None, "", [])
                ],
            )
        )
    return history


def _who(entry: AuditEntry, names: dict[int, str]) -> str:
    if entry.user_id is not None:
        return names.get(entry.user_id, f"user {entry.user_id}")
    return entry.agent or "system"


def history_context(session: Session, record_type: str, record_key: str | int) -> HistoryContext:
    """The History panel's context: the include reads `audit_history`."""
    return HistoryContext(
        type=record_type,
        key=str(record_key),
        entries=record_history(session, record_type, record_key),
    )


def last_writer(session: Session, record_type: str, record_key: str | int) -> str | None:
    """Who made the record's latest recorded write (for a conflict notice)."""
    entries = record_history(session, record_type, record_key, limit=1)
    return entries[0].who if entries else None


def jsonl_lines(entries: Iterable[AuditEntryRead]) -> Iterable[str]:
    """Entries as JSON Lines."""
    for entry in entries:
        yield entry.model_dump_json() + "\n"
