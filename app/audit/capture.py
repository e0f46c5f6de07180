"""Capture every write as audit entries, without the services having to ask.

Listeners on the Session class note each audited record a transaction touches (a flush of
the record or of one of its child rows, or a bulk UPDATE/DELETE) and read the record's
fields from the database the first time, before the change. When the transaction (or a
savepoint) commits, each touched record is read again and one entry per record that
changed is appended: before and after are the whole record, child rows folded in, so one
write makes one entry per record however many flushes it took.

Nothing is recorded until install() registers the listeners (create_app and the
`posture` command call it).

Who wrote comes from `session.info["user_id"]` (None: a command, the seed, the system,
named by `session.info["audit_agent"]`); `session.info["audit_action"]` names the action
when the write itself does not say it (an import, a review).
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, event, inspect
from sqlalchemy.orm import Session, SessionTransaction, UOWTransaction
from sqlalchemy.orm.session import ORMExecuteState

from app.accounts.models import ApiToken, User
from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.audit import queries
from app.audit.models import AuditEntry
from app.claims.models import Claim, ClaimCondition
from app.db import utcnow
from app.initiatives.models import Initiative, InitiativeNeed
from app.milestones.models import Milestone, MilestoneState
from app.snapshots import models as snapshot_models
from app.sources.models import Source

P = ParamSpec("P")
R = TypeVar("R")
Snapshot = dict[str, Any]
SnapshotFn = Callable[[Connection, Sequence[Any]], dict[Any, Snapshot]]
VerbFn = Callable[[Snapshot, Snapshot], str | None]

STATE_KEY = "audit_state"
DEFER_KEY = "audit_defer"


def _no_verb(_before: Snapshot, _after: Snapshot) -> str | None:
    return None


@dataclass(frozen=True, eq=False)
class Audited:
    """How one kind of record is audited."""

    record_type: str
    model: type[Any]
    snapshots: SnapshotFn
    # The snapshot field that names the record (its code, slug, username); else its id.
    key_field: str | None = None
    # Actions read "<record_type>.<verb>" (user.create, token.revoke).
    namespaced: bool = False
    # A verb the change itself implies (retract, accept, reject, revoke), else "update".
    verb: VerbFn = _no_verb

    def key(self, pk: Any, snapshot: Snapshot | None) -> str:
        """The record's key as the entries hold it."""
        if self.key_field and snapshot is not None:
            return str(snapshot[self.key_field])
        return str(pk)


PARENTS: dict[type[Any], Audited] = {}
# Child model -> (its parent's Audited, the child's column holding the parent's id).
CHILDREN: dict[type[Any], tuple[Audited, str]] = {}
# Table name -> (Audited, column naming the record): bulk UPDATE and DELETE statements.
TABLES: dict[str, tuple[Audited, Any]] = {}


def register(audited: Audited, children: Sequence[tuple[type[Any], str]] = ()) -> Audited:
    """Audit a model; child rows (model, column with the parent id) fold into its entries."""
    PARENTS[audited.model] = audited
    table = inspect(audited.model).local_table
    (pk,) = table.primary_key.columns
    TABLES[table.name] = (audited, pk)
    for child, column in children:
        CHILDREN[child] = (audited, column)
        child_table = inspect(child).local_table
        TABLES[child_table.name] = (audited, child_table.c[column])
    return audited


def register_row_model(
    model: type[Any],
    record_type: str,
    *,
    key_field: str | None = None,
    exclude: Sequence[str] = (),
    namespaced: bool = True,
    verb: VerbFn = _no_verb,
) -> Audited:
    """Audit a plain table: every column but `exclude` (secrets, bookkeeping)."""
    table = inspect(model).local_table
    return register(
        Audited(
            record_type=record_type,
            model=model,
            snapshots=queries.row_snapshots(table, frozenset(exclude)),
            key_field=key_field,
            namespaced=namespaced,
            verb=verb,
        )
    )


def _claim_verb(before: Snapshot, after: Snapshot) -> str | None:
    if before.get("retracted_at") is None and after.get("retracted_at") is not None:
        return "retract"
    state = after.get("review_state")
    if before.get("review_state") != state and state in ("accepted", "rejected"):
        return "accept" if state == "accepted" else "reject"
    return None


def _token_verb(before: Snapshot, after: Snapshot) -> str | None:
    if before.get("revoked_at") is None and after.get("revoked_at") is not None:
        return "revoke"
    return None


register(
    Audited("actor", Actor, queries.actor_snapshots, key_field="code"),
    children=[(ActorAlias, "actor_id"), (Membership, "member_id"), (Affiliation, "person_id")],
)
register(
    Audited("initiative", Initiative, queries.initiative_snapshots, key_field="slug"),
    children=[(InitiativeNeed, "initiative_id")],
)
register(
    Audited("milestone", Milestone, queries.milestone_snapshots, key_field="slug"),
    children=[(MilestoneState, "milestone_id")],
)
register(Audited("source", Source, queries.source_snapshots))
register(
    Audited("claim", Claim, queries.claim_snapshots, verb=_claim_verb),
    children=[(ClaimCondition, "claim_id")],
)
# Never a password or token hash; a token's last use is not a write anyone made.
register_row_model(User, "user", key_field="username", exclude=("password_hash", "created_at"))
register_row_model(
    ApiToken,
    "token",
    exclude=("token_hash", "last_used_at", "created_at"),
    verb=_token_verb,
)
# A snapshot's cells are its hash's business: the entry says who took which question when.
register_row_model(snapshot_models.Snapshot, "snapshot", exclude=("cells",))


@dataclass(eq=False)
class Tracked:
    """A record this transaction touched, with its fields before the first change."""

    audited: Audited
    pk: Any
    before: Snapshot | None
    user_id: int | None
    agent: str | None
    action: str | None
    # A new record: the instance (its id comes with the flush) and the transaction it was
    # added in, so that a rolled-back savepoint forgets it.
    instance: Any = None
    transaction: SessionTransaction | None = None
    # The record's fields after the write, as its snapshot function would read them, when
    # the writer made them from what it wrote (a bulk import); else they are read.
    after: Snapshot | None = None


@dataclass
class AuditState:
    """What the session's current transaction has touched, in order."""

    items: list[Tracked] = field(default_factory=list)
    by_key: dict[tuple[str, Any], Tracked] = field(default_factory=dict)
    by_instance: dict[int, Tracked] = field(default_factory=dict)


def _state(session: Session) -> AuditState:
    state = session.info.get(STATE_KEY)
    if state is None:
        state = session.info[STATE_KEY] = AuditState()
    assert isinstance(state, AuditState)
    return state


def _who(session: Session) -> tuple[int | None, str | None, str | None]:
    user_id = session.info.get("user_id")
    return (
        int(user_id) if user_id is not None else None,
        session.info.get("audit_agent"),
        session.info.get("audit_action"),
    )


def _touch_new(session: Session, audited: Audited, instance: Any) -> None:
    state = _state(session)
    item = state.by_instance.get(id(instance))
    user_id, agent, action = _who(session)
    if item is not None:
        item.action = action or item.action
        return
    item = Tracked(
        audited,
        None,
        None,
        user_id,
        agent,
        action,
        instance=instance,
        transaction=session.get_nested_transaction() or session.get_transaction(),
    )
    state.items.append(item)
    state.by_instance[id(instance)] = item


def _touch_existing(session: Session, audited: Audited, pks: Sequence[Any]) -> None:
    """Note records about to change; read the ones not yet noted, before the change."""
    state = _state(session)
    user_id, agent, action = _who(session)
    missing = []
    for pk in pks:
        if pk is None:
            continue
        item = state.by_key.get((audited.record_type, pk))
        if item is None:
            missing.append(pk)
            continue
        # Changed again: what the writer said it wrote no longer holds; read it at the end.
        item.after = None
        if action:
            item.action = action
    if not missing:
        return
    before = audited.snapshots(session.connection(), missing)
    for pk in dict.fromkeys(missing):
        item = Tracked(audited, pk, before.get(pk), user_id, agent, action)
        state.items.append(item)
        state.by_key[(audited.record_type, pk)] = item


def _touched(session: Session, obj: Any, *, is_new: bool) -> tuple[Audited, Any] | None:
    kind = type(obj)
    if isinstance(obj, AuditEntry) and not is_new:
        raise RuntimeError("audit entries are append-only: never change or delete one")
    if kind in PARENTS:
        audited = PARENTS[kind]
        identity = inspect(obj).identity
        if identity is None:
            _touch_new(session, audited, obj)
            return None
        return audited, identity[0]
    if kind in CHILDREN:
        audited, column = CHILDREN[kind]
        # A child added through its parent's collection has no parent id yet; the parent
        # itself is in the flush then (its collection changed).
        return audited, getattr(obj, column)
    return None


def _before_flush(session: Session, _context: UOWTransaction, _instances: Any) -> None:
    pending: dict[Audited, list[Any]] = {}
    candidates = [
        *((obj, True) for obj in session.new),
        *((obj, False) for obj in session.dirty if session.is_modified(obj)),
        *((obj, False) for obj in session.deleted),
    ]
    for obj, is_new in candidates:
        found = _touched(session, obj, is_new=is_new)
        if found is not None:
            pending.setdefault(found[0], []).append(found[1])
    for audited, pks in pending.items():
        _touch_existing(session, audited, pks)


def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # New records have their identity only now: later flushes find them by it.
    state = session.info.get(STATE_KEY)
    if not isinstance(state, AuditState):
        return
    for item in state.items:
        if item.pk is None and item.instance is not None:
            identity = inspect(item.instance).identity
            if identity is not None:
                item.pk = identity[0]
                state.by_key.setdefault((item.audited.record_type, item.pk), item)


def _bulk_write(execute_state: ORMExecuteState) -> Any:
    statement: Any = execute_state.statement
    if not (execute_state.is_update or execute_state.is_delete or execute_state.is_insert):
        return None
    target = TABLES.get(getattr(statement.table, "name", ""))
    if target is None:
        return None
    audited, column = target
    session = execute_state.session
    if execute_state.is_insert:
        return _bulk_insert(execute_state, audited, column)
    ids = queries.matching_ids(session, column, statement.whereclause)
    _touch_existing(session, audited, ids)
    return None


def _bulk_insert(execute_state: ORMExecuteState, audited: Audited, column: Any) -> Any:
    """An INSERT statement run through the session (a bulk import): its rows are records
    this transaction created, or child rows of records it changes."""
    session = execute_state.session
    params = execute_state.parameters or {}
    rows: list[Mapping[str, Any]] = [params] if isinstance(params, Mapping) else list(params)
    is_parent = column.table is inspect(audited.model).local_table
    if not is_parent:
        _touch_existing(session, audited, [row.get(column.key) for row in rows])
        return None
    # A new record's id comes from the row itself, the statement's RETURNING or, on SQLite
    # (one writer at a time, rowids in order), the n ids after the previous maximum.
    result: Any = execute_state.invoke_statement()
    ids = [row.get(column.key) for row in rows]
    if execute_state.statement.returning_column_descriptions:  # type: ignore[attr-defined]
        result = result.freeze()
        if any(i is None for i in ids):
            returned = result()
            columns = returned.keys()
            if column.key not in columns:
                raise RuntimeError(f"an INSERT into {column.table.name} must return its ids")
            ids = [row[column.key] for row in returned.mappings()]
    elif any(i is None for i in ids):
        if session.get_bind().dialect.name != "sqlite":
            raise RuntimeError(f"an INSERT into {column.table.name} must give or return its ids")
        last = queries.highest_id(session, column)
        ids = list(range(last - len(rows) + 1, last + 1))
    note_created(session, audited.model, ids)
    return result() if callable(result) else result


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    state = session.info.get(STATE_KEY)
    if not isinstance(state, AuditState):
        return
    if previous.parent is None:
        session.info.pop(STATE_KEY, None)
        return
    # Whatever a rolled-back savepoint wrote is gone: read every record at the end.
    for item in state.items:
        item.after = None
    # Records added in the rolled-back savepoint never existed. Records changed in it
    # keep their "before" (read before any change of this transaction): if nothing else
    # changes them, before equals after at commit and no entry is written.
    for item in list(state.items):
        if item.instance is not None and _within(item.transaction, previous):
            state.items.remove(item)
            state.by_instance.pop(id(item.instance), None)
            if item.pk is not None:
                state.by_key.pop((item.audited.record_type, item.pk), None)


def _before_commit(session: Session) -> None:
    if session.info.get(DEFER_KEY):
        return
    write_pending(session)


# The listeners on the Session class that keep the trail (install).
_LISTENERS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("before_flush", _before_flush),
    ("after_flush_postexec", _after_flush),
    ("do_orm_execute", _bulk_write),
    ("after_soft_rollback", _after_rollback),
    ("before_commit", _before_commit),
)


def install() -> None:
    """Record the audit trail of every session from now on (listeners on the Session
    class); installing again changes nothing."""
    # Every mapper must be known before the first flush resolves foreign keys.
    import app.models  # noqa: F401

    for name, listener in _LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def uninstall() -> None:
    """Stop recording the trail (a test of what install() switches on); install() again
    starts it."""
    for name, listener in _LISTENERS:
        if event.contains(Session, name, listener):
            event.remove(Session, name, listener)


def write_pending(session: Session) -> int:
    """Append one entry per touched record that changed; forget what was touched."""
    state = session.info.get(STATE_KEY)
    if not isinstance(state, AuditState) or not state.items:
        return 0
    session.flush()
    items = state.items
    session.info.pop(STATE_KEY, None)
    by_type: dict[Audited, list[Tracked]] = {}
    for item in items:
        if item.pk is None and item.instance is not None:
            identity = inspect(item.instance).identity
            item.pk = identity[0] if identity is not None else None
        if item.pk is not None and item.after is None:
            by_type.setdefault(item.audited, []).append(item)
    connection = session.connection()
    afters = {
        audited: audited.snapshots(connection, [i.pk for i in group])
        for audited, group in by_type.items()
    }
    rows = []
    now = utcnow()
    for item in items:
        if item.pk is None:
            continue
        audited = item.audited
        after = item.after if item.after is not None else afters[audited].get(item.pk)
        if after == item.before:
            continue
        rows.append(
            {
                "user_id": item.user_id,
                "agent": item.agent if item.agent or item.user_id is not None else "system",
                "action": _action(item, after),
                "record_type": audited.record_type,
                "record_key": audited.key(item.pk, after if after is not None else item.before),
                "before": item.before,
                "after": after,
            }
        )
    # One executemany, not one ORM object per entry: an import of 100,000 claims writes
    # 100,000 entries, and the unit of work would spend most of the import on them.
    queries.append_entries(connection, rows, now)
    return len(rows)


def _action(item: Tracked, after: Snapshot | None) -> str:
    if item.action:
        verb = item.action
    elif item.before is None:
        verb = "create"
    elif after is None:
        verb = "delete"
    else:
        verb = item.audited.verb(item.before, after) or "update"
    return f"{item.audited.record_type}.{verb}" if item.audited.namespaced else verb


def note_created(
    session: Session,
    model: type[Any],
    ids: Sequence[Any],
    afters: Sequence[Snapshot] | None = None,
) -> None:
    """Tell the trail about records a statement on the session's connection inserted
    (a bulk INSERT that bypasses the session): each gets its "create" entry.

    `afters`, one per id: each record's snapshot exactly as the model's snapshot function
    would read it back (app.audit.queries.written_claim_snapshots), so that the trail need
    not read them. Any later change to a record in the transaction, or a rollback to a
    savepoint, has it read after all."""
    audited = PARENTS[model]
    state = _state(session)
    user_id, agent, action = _who(session)
    if afters is not None and len(afters) != len(ids):
        raise ValueError("note_created: one snapshot per id, or none")
    for n, pk in enumerate(ids):
        if (audited.record_type, pk) not in state.by_key:
            item = Tracked(audited, pk, None, user_id, agent, action)
            if afters is not None:
                item.after = afters[n]
            state.items.append(item)
            state.by_key[(audited.record_type, pk)] = item


@contextmanager
def action(session: Session, name: str) -> Iterator[None]:
    """Record the writes made inside the block under this action (import, accept, ...)."""
    previous = session.info.get("audit_action")
    session.info["audit_action"] = name
    try:
        yield
        session.flush()
    finally:
        if previous is None:
            session.info.pop("audit_action", None)
        else:
            session.info["audit_action"] = previous


@contextmanager
def agent(session: Session, name: str) -> Iterator[None]:
    """Name what writes inside the block without a user: "seed", "cli", "system"."""
    previous = session.info.get("audit_agent")
    session.info["audit_agent"] = name
    try:
        yield
        session.flush()
    finally:
        if previous is None:
            session.info.pop("audit_agent", None)
        else:
            session.info["audit_agent"] = previous


def as_agent(
    name: str,
) -> Callable[[Callable[Concatenate[Session, P], R]], Callable[Concatenate[Session, P], R]]:
    """Decorate a function of a session: its writes are recorded as made by `name`."""

    def decorate(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
        @wraps(fn)
        def wrapper(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with agent(session, name):
                return fn(session, *args, **kwargs)

        return wrapper

    return decorate


def as_one_write(
    name: str,
) -> Callable[[Callable[Concatenate[Session, P], R]], Callable[Concatenate[Session, P], R]]:
    """Decorate a function of a session: whatever savepoints it commits, its writes make one
    entry per record, under the action `name` (an import)."""

    def decorate(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
        @wraps(fn)
        def wrapper(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with one_write(session), action(session, name):
                return fn(session, *args, **kwargs)

        return wrapper

    return decorate


@contextmanager
def one_write(session: Session) -> Iterator[None]:
    """Savepoints committed inside the block write no entries; the block's end writes them,
    so a write made of many savepoints (an import) is still one entry per record."""
    session.info[DEFER_KEY] = session.info.get(DEFER_KEY, 0) + 1
    try:
        yield
    finally:
        session.info[DEFER_KEY] -= 1
        if not session.info[DEFER_KEY]:
            del session.info[DEFER_KEY]
    write_pending(session)
