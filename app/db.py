"""Engine, declarative base and the one-transaction-per-request session."""

import json
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum
from itertools import chain, repeat
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    DateTime,
    Dialect,
    MetaData,
    Select,
    Table,
    create_engine,
    event,
    func,
    insert,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from app import folding

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every Posture table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite keeps no offset, so its values come back naive; they were written in UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# The staging table of insert_many on SQLite (a temporary table: this connection's only).
_STAGE = "insert_many_stage"
# From this many rows on, insert_many writes to PostgreSQL with COPY; fewer rows (the audit
# entry of a single write) take SQLAlchemy's executemany.
COPY_ROWS = 1000
# From this many rows on, insert_many writes to SQLite (unstaged) with INSERT ... SELECT from
# VALUES lists of this many rows: a statement per row costs more.
VALUES_ROWS = 500
# A column whose values are all of one of these types has its bind processor run once per
# distinct value: equal values of these types are the same value (not so for datetimes at
# other offsets, Decimal('1.0') and Decimal('1.00'), or 0.0 and -0.0).
_SAME_WHEN_EQUAL = frozenset({str, int, bool, date})


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    shared: Mapping[str, Any] | None = None,
    *,
    staged: bool = False,
) -> None:
    """INSERT the rows (all with the same keys), each with the `shared` values, as
    insert_columns does with the same values given column by column."""
    if not rows:
        return
    # SQLAlchemy would drop a key that only later rows have without a word. Rows as long as
    # the first with other keys lack one of the first's: that fails here (KeyError).
    if len(set(map(len, rows))) > 1:
        raise ValueError(f"insert_many into {table.name}: the rows do not share their keys")
    keys = [key for key in rows[0] if key not in (shared or {})]
    columns = {key: [row[key] for row in rows] for key in keys}
    _insert(conn, table, columns, len(rows), shared, staged=staged)


def insert_columns(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    shared: Mapping[str, Any] | None = None,
    *,
    staged: bool = False,
) -> None:
    """INSERT rows given column by column (each column's values in row order), each row with
    the `shared` values.

    With a positional paramstyle (SQLite's), the driver gets the values each column type's
    bind processor makes, as SQLAlchemy's executemany would pass them: a processor runs once
    per shared value, and once per distinct value of a column of strings, integers or dates.
    SQLAlchemy itself builds and processes a parameter dict per row, which at 100,000 rows
    costs more than SQLite's insert.

    `staged` (SQLite): the columns whose values differ between rows go to an untyped, so
    unconverting, temporary table first, then into the table with one INSERT ... SELECT in
    their order, the values all rows share bound once in it. A statement per row costs
    about a quarter more on a table with many indexes and foreign keys (claims), and more
    than twice as much with row triggers. Unstaged, from VALUES_ROWS rows on: INSERT ...
    SELECT from VALUES lists of that many rows (cheaper than staging without triggers).
    The table's affinities, constraints, foreign keys and triggers apply as to any insert.

    PostgreSQL, from COPY_ROWS rows on: COPY ... FROM STDIN (psycopg's cursor.copy), the
    values processed as for an executemany; its errors are raised as SQLAlchemy's
    (IntegrityError and so on). Other cases take SQLAlchemy's executemany.
    """
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"insert_columns into {table.name}: the columns differ in length")
    _insert(conn, table, columns, lengths.pop() if lengths else 0, shared, staged=staged)


def _insert(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    count: int,
    shared: Mapping[str, Any] | None,
    *,
    staged: bool,
) -> None:
    if not count:
        return
    shared, per_row_default = _with_defaults(table, columns, shared)
    keys = [key for key in columns if key not in shared]
    dialect = conn.dialect
    if not per_row_default and dialect.name == "postgresql" and count >= COPY_ROWS:
        _copy(conn, table, {key: columns[key] for key in keys}, count, shared)
        return
    stmt = insert(table)
    compiled = stmt.compile(dialect=dialect, column_keys=[*keys, *shared])
    order = compiled.positiontup
    if (
        per_row_default
        or not dialect.positional
        or order is None
        or sorted(order) != sorted([*keys, *shared])
    ):
        given = zip(*(columns[key] for key in keys), strict=True) if keys else repeat((), count)
        rows = [{**dict(zip(keys, values, strict=True)), **shared} for values in given]
        conn.execute(stmt, rows)
        return
    sqlite = dialect.name == "sqlite"
    chunked = sqlite and not staged and count >= VALUES_ROWS
    constants: dict[str, Any] = {}
    varying: dict[str, Sequence[Any]] = {}
    for key in order:
        column = table.c[key]
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if key in shared:
            value = shared[key]
            constants[key] = process(value) if process is not None else value
            continue
        values = _bound(columns[key], process, isinstance(column.type, JSON))
        if (staged or chunked) and _all_the_same(values):
            constants[key] = values[0]
        else:
            varying[key] = values
    if (staged or chunked) and not varying:
        # The stage, or VALUES, needs a column to hold one row per row.
        key = order[0]
        varying[key] = [constants.pop(key)] * count
    if chunked:
        _insert_values(conn, table, order, constants, varying, count)
        return
    if not staged or not sqlite:
        made = (varying.get(key) or repeat(constants[key], count) for key in order)
        params = list(zip(*made, strict=True))
        conn.exec_driver_sql(compiled.string, params)
        return
    preparer = dialect.identifier_preparer
    target = ", ".join(preparer.format_column(table.c[key]) for key in order)
    stage = {key: f"c{n}" for n, key in enumerate(varying)}
    picked = ", ".join(stage.get(key, "?") for key in order)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGE} ({', '.join(stage.values())})")
    try:
        marks = ", ".join("?" for _ in stage)
        conn.exec_driver_sql(
            f"INSERT INTO temp.{_STAGE} VALUES ({marks})",
            list(zip(*varying.values(), strict=True)),
        )
        conn.exec_driver_sql(
            f"INSERT INTO {preparer.format_table(table)} ({target}) "
            f"SELECT {picked} FROM temp.{_STAGE} ORDER BY rowid",
            tuple(constants[key] for key in order if key not in stage),
        )
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")


def _with_defaults(
    table: Table, columns: Mapping[str, Sequence[Any]], shared: Mapping[str, Any] | None
) -> tuple[dict[str, Any], bool]:
    """The shared values with the scalar defaults of the columns not given, and whether a
    column not given has a default computed per row (SQLAlchemy must call it)."""
    with_defaults = dict(shared or {})
    per_row_default = False
    for column in table.columns:
        default = column.default
        if column.key in with_defaults or column.key in columns or default is None:
            continue
        if default.is_scalar:
            with_defaults[column.key] = default.arg  # type: ignore[attr-defined]
        else:
            per_row_default = True
    return with_defaults, per_row_default


def _insert_values(
    conn: Connection,
    table: Table,
    order: Sequence[str],
    constants: Mapping[str, Any],
    varying: Mapping[str, Sequence[Any]],
    count: int,
) -> None:
    """SQLite: INSERT ... SELECT from VALUES lists of up to VALUES_ROWS rows each, the
    values all rows share bound once per statement."""
    preparer = conn.dialect.identifier_preparer
    target = ", ".join(preparer.format_column(table.c[key]) for key in order)
    picked = {key: f"column{n}" for n, key in enumerate(varying, start=1)}
    select = ", ".join(picked.get(key, "?") for key in order)
    shared = tuple(constants[key] for key in order if key not in picked)
    driver: Any = conn.connection.driver_connection
    limit = driver.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - len(shared)
    size = max(1, min(VALUES_ROWS, limit // len(picked)))
    row = "(" + ", ".join("?" for _ in picked) + ")"
    rows = list(zip(*varying.values(), strict=True))

    def statement(length: int) -> str:
        lists = ", ".join(repeat(row, length))
        into = f"INSERT INTO {preparer.format_table(table)} ({target})"
        return f"{into} SELECT {select} FROM (VALUES {lists})"

    whole = count - count % size
    if whole:
        conn.exec_driver_sql(
            statement(size),
            [
                shared + tuple(chain.from_iterable(rows[n : n + size]))
                for n in range(0, whole, size)
            ],
        )
    if whole < count:
        conn.exec_driver_sql(
            statement(count - whole), shared + tuple(chain.from_iterable(rows[whole:]))
        )


def _bound(
    values: Sequence[Any], process: Callable[[Any], Any] | None, is_json: bool
) -> Sequence[Any]:
    """The column's values as its bind processor makes them; once per distinct value where
    equal values are the same value (or, in a JSON column, equal lists of strings)."""
    if process is None:
        return values
    kinds = set(map(type, values))
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind in _SAME_WHEN_EQUAL:
            distinct = dict.fromkeys(values)
            if len(distinct) * 2 <= len(values):
                made = {value: process(value) for value in distinct}
                return list(map(made.__getitem__, values))
        elif kind is list and is_json:
            try:
                keys = list(map(tuple, values))
                lists = dict(zip(keys, values, strict=True))
            except TypeError:  # an unhashable item (a dict)
                lists = {}
            # A string equals only strings: a key of strings stands for lists of strings.
            if (
                lists
                and len(lists) * 2 <= len(values)
                and all(type(item) is str for key in lists for item in key)
            ):
                made = {key: process(value) for key, value in lists.items()}
                return list(map(made.__getitem__, keys))
    return list(map(process, values))


def _all_the_same(values: Sequence[Any]) -> bool:
    """Whether every value is the first, of its type (floats never: 0.0 equals -0.0)."""
    first = values[0]
    if isinstance(first, float) or values.count(first) != len(values):
        return False
    return set(map(type, values)) == {type(first)}


def _copy(
    conn: Connection,
    table: Table,
    columns: Mapping[str, Sequence[Any]],
    count: int,
    shared: Mapping[str, Any],
) -> None:
    """COPY the rows into a PostgreSQL table through psycopg, values bound as SQLAlchemy
    would bind them; a failure raises SQLAlchemy's exception for it."""
    dialect = conn.dialect
    made: list[Iterable[Any]] = []
    for key in [*columns, *shared]:
        column = table.c[key]
        process = column.type.dialect_impl(dialect).bind_processor(dialect)
        if key in shared:
            value = shared[key]
            made.append(repeat(process(value) if process is not None else value, count))
        else:
            made.append(_bound(columns[key], process, isinstance(column.type, JSON)))
    preparer = dialect.identifier_preparer
    names = ", ".join(preparer.format_column(table.c[key]) for key in [*columns, *shared])
    statement = f"COPY {preparer.format_table(table)} ({names}) FROM STDIN"
    driver: Any = conn.connection.driver_connection
    error = dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in zip(*made, strict=True):
                copy.write_row(row)
    except error as exc:
        raise DBAPIError.instance(statement, None, exc, error, dialect=dialect) from exc


# The execution option that says how a SQLite transaction begins (see _configure_sqlite).
SQLITE_BEGIN = "posture_sqlite_begin"
# Session options of a transaction that may write: on SQLite it takes the write lock at BEGIN.
WRITES: Mapping[str, Any] = {SQLITE_BEGIN: "IMMEDIATE"}
# How long a SQLite transaction waits for the write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN;
    # take it over so that SQLite transactions behave like PostgreSQL's.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        # Names fold the same way on both databases (app/folding.py).
        dbapi_connection.create_function(
            folding.SQL_FUNCTION, 1, folding.sql_fold, deterministic=True
        )
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # WAL: readers never block the writer nor wait for it, and a commit is one append.
        # (An in-memory database answers "memory" and stays as it is.)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    # A transaction that read first cannot take the write lock once another writer has
    # committed (SQLITE_BUSY at once: waiting cannot help it). So a transaction opened to
    # write (WRITES: a POST, PATCH or DELETE request's, a CLI command's) takes the lock at
    # BEGIN (IMMEDIATE, waiting up to busy_timeout for it); others begin DEFERRED and, under
    # WAL, read beside the writer.
    # Within a process the writers also queue on a lock of the engine's: SQLite's busy
    # handler polls with growing sleeps, so under a queue of writers some wait seconds
    # while later ones pass; a lock hands the turn on as soon as a writer ends.
    turn = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "DEFERRED")
        if mode == "IMMEDIATE" and turn.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
            connection.info["write_turn"] = True
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _end_turn(connection)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _end_turn(connection: Any) -> None:
        if connection.info.pop("write_turn", False):
            turn.release()


class DatabaseFailure(StrEnum):
    """Why the database refused or could not do what a request asked."""

    BUSY = "busy"  # another write held the lock too long (SQLite), or a deadlock
    UNAVAILABLE = "unavailable"  # no connection: the server is down, restarting, unreachable
    READ_ONLY = "read_only"  # the file or the server accepts no write
    FULL = "full"  # no space left for the write


# SQLite says what went wrong only in its message (pysqlite gives no error code on 3.11).
_SQLITE_MESSAGES = (
    ("database is locked", DatabaseFailure.BUSY),
    ("database table is locked", DatabaseFailure.BUSY),
    ("readonly database", DatabaseFailure.READ_ONLY),
    ("disk is full", DatabaseFailure.FULL),
    ("unable to open database", DatabaseFailure.UNAVAILABLE),
    ("disk i/o error", DatabaseFailure.UNAVAILABLE),
)
# PostgreSQL's SQLSTATEs: a class (two characters) or a code.
_POSTGRES_STATES = {
    "08": DatabaseFailure.UNAVAILABLE,  # connection exception
    "57P01": DatabaseFailure.UNAVAILABLE,  # admin shutdown
    "57P02": DatabaseFailure.UNAVAILABLE,  # crash shutdown
    "57P03": DatabaseFailure.UNAVAILABLE,  # cannot connect now (starting up)
    "53": DatabaseFailure.FULL,  # insufficient resources (disk full, out of memory)
    "25006": DatabaseFailure.READ_ONLY,  # read-only SQL transaction (a standby)
    "40P01": DatabaseFailure.BUSY,  # deadlock detected
    "55P03": DatabaseFailure.BUSY,  # lock not available
}


def database_failure(exc: DBAPIError) -> DatabaseFailure | None:
    """What kind of failure of the database itself this is (None: a fault of the request or
    of the code, such as a constraint or a bad statement)."""
    if exc.connection_invalidated:
        return DatabaseFailure.UNAVAILABLE
    orig = exc.orig
    if isinstance(orig, sqlite3.Error):
        message = str(orig).lower()
        return next((kind for text, kind in _SQLITE_MESSAGES if text in message), None)
    state = getattr(orig, "sqlstate", None)
    if state is None:
        # psycopg raises OperationalError without a state when it cannot connect at all.
        return DatabaseFailure.UNAVAILABLE if isinstance(exc, OperationalError) else None
    return _POSTGRES_STATES.get(state) or _POSTGRES_STATES.get(state[:2])


def json_text(value: Any) -> str:
    """A JSON column value as the text stored: compact, by pydantic-core's serializer, which
    takes a third of json.dumps's time (an import of 100,000 claims writes 100,000 audit
    snapshots). What it cannot write (a lone surrogate) json.dumps writes, escaped."""
    try:
        return to_json(value).decode()
    except PydanticSerializationError:
        return json.dumps(value)


def make_engine(
    database_url: str, *, echo: bool = False, pool_size: int = 5, max_overflow: int = 10
) -> Engine:
    """An engine for the URL; SQLite gets foreign keys and real transactions.

    `pool_size` and `max_overflow` size PostgreSQL's connection pool (docs/deployment.md);
    SQLite keeps SQLAlchemy's defaults (a file has one writer at a time anyway).
    """
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url,
            echo=echo,
            json_serializer=json_text,
            connect_args={"check_same_thread": False},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(
        database_url,
        echo=echo,
        json_serializer=json_text,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )


def make_session_factory(engine: Engine, *, writes: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit; `writes`: their transactions
    take SQLite's write lock at BEGIN (for a command that writes while the app runs).

    The models (every mapper) and the audit trail come with app.audit.install(), which
    create_app and the `posture` command call first."""
    return sessionmaker(
        bind=engine, expire_on_commit=False, execution_options=WRITES if writes else None
    )


def get_session(request: Request) -> Iterator[Session]:
    """One session and one transaction per request: commit on success, roll back on error.

    A GET, HEAD or OPTIONS request's transaction reads (on SQLite it begins DEFERRED, beside
    the writer); any other request's may write, and takes SQLite's write lock at BEGIN.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    reads = request.method in ("GET", "HEAD", "OPTIONS")
    with factory(execution_options=None if reads else WRITES) as session, session.begin():
        yield session


# scope="function" commits before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def paginate(
    session: Session, stmt: Select[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """The rows of one page and the total count of the statement's rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(limit).offset(offset)).unique())
    return rows, total


def paginate_rows(
    session: Session, stmt: "Select[*tuple[Any, ...]]", *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Like `paginate`, for statements that select several columns per row."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.limit(limit).offset(offset)).all())
    return rows, total


def locked_version(session: Session, version: Any, where: Any) -> int | None:
    """A row's version, read with SELECT ... FOR UPDATE: on PostgreSQL the row stays locked
    until the transaction ends, so a second writer waits and then reads the new version
    (SQLite's writer holds the whole file already). None when no row matches."""
    current: int | None = session.scalar(select(version).where(where).with_for_update())
    return current


def folded(column: Any) -> ColumnElement[str]:
    """The column folded for lookup (case and accents, app/folding.py), the same way on
    SQLite and PostgreSQL."""
    function: ColumnElement[str] = getattr(func, folding.SQL_FUNCTION)(column)
    return function


def folded_equals(column: Any, text: str) -> ColumnElement[bool]:
    """The column is the text, ignoring case and accents."""
    return folded(column) == folding.fold(text)


def folded_contains(column: Any, text: str) -> ColumnElement[bool]:
    """The column contains the text, ignoring case and accents; %, _ and \\ in the text
    match themselves."""
    escaped = folding.fold(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return folded(column).like(f"%{escaped}%", escape="\\")
