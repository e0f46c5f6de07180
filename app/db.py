"""Engine, declarative base and the one-transaction-per-request session."""

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from itertools import repeat
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic_core import PydanticSerializationError, to_json
from sqlalchemy import Connection, DateTime, Dialect, MetaData, Table, create_engine, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

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


def insert_many(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    shared: Mapping[str, Any] | None = None,
    *,
    staged: bool = False,
) -> None:
    """INSERT the rows (all with the same keys), each with the `shared` values, in one
    executemany.

    With a positional paramstyle (SQLite's), the driver gets tuples of the values each column
    type's bind processor makes, as SQLAlchemy's executemany would pass them, shared values
    processed once: SQLAlchemy itself builds and processes a parameter dict per row, which
    at 100,000 rows costs more than SQLite's insert. Other drivers take SQLAlchemy's path.

    `staged` (SQLite): the rows go to an untyped, so unconverting, temporary table first,
    then into the table with one INSERT ... SELECT in their order. A statement per row costs
    about a quarter more on a table with many indexes and foreign keys (claims); rows as
    wide as audit snapshots are cheaper written directly (the staging copy costs more).
    The table's affinities, constraints and foreign keys apply as to any insert.
    """
    if not rows:
        return
    # SQLAlchemy would drop a key that only later rows have without a word. Rows as long as
    # the first with other keys lack one of the first's: that fails below (KeyError) or in
    # SQLAlchemy (no value for a bind parameter).
    if len(set(map(len, rows))) > 1:
        raise ValueError(f"insert_many into {table.name}: the rows do not share their keys")
    shared = dict(shared or {})
    keys = [key for key in rows[0] if key not in shared]
    stmt = insert(table)
    fast = conn.dialect.positional
    for column in table.columns:
        default = column.default
        if column.key in shared or column.key in rows[0] or default is None:
            continue
        if default.is_scalar:
            shared[column.key] = default.arg  # type: ignore[attr-defined]
        else:
            fast = False  # a default computed per row: SQLAlchemy calls it
    compiled = stmt.compile(dialect=conn.dialect, column_keys=[*keys, *shared])
    order = compiled.positiontup
    if not fast or order is None or sorted(order) != sorted([*keys, *shared]):
        conn.execute(stmt, [{**row, **shared} for row in rows])
        return
    dialect = conn.dialect
    columns: list[Iterable[Any]] = []
    for key in order:
        process = table.c[key].type.dialect_impl(dialect).bind_processor(dialect)
        if key in shared:
            value = shared[key]
            columns.append(repeat(process(value) if process is not None else value, len(rows)))
        else:
            values = [row[key] for row in rows]
            columns.append(list(map(process, values)) if process is not None else values)
    params = list(zip(*columns, strict=True))
    if not staged or dialect.name != "sqlite":
        conn.exec_driver_sql(compiled.string, params)
        return
    preparer = dialect.identifier_preparer
    target = ", ".join(preparer.format_column(table.c[key]) for key in order)
    stage = [f"c{n}" for n in range(len(order))]
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {_STAGE} ({', '.join(stage)})")
    try:
        marks = ", ".join("?" for _ in stage)
        conn.exec_driver_sql(f"INSERT INTO temp.{_STAGE} VALUES ({marks})", params)
        conn.exec_driver_sql(
            f"INSERT INTO {preparer.format_table(table)} ({target}) "
            f"SELECT {', '.join(stage)} FROM temp.{_STAGE} ORDER BY rowid"
        )
    finally:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{_STAGE}")


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and defers BEGIN;
    # take it over so that SQLite transactions behave like PostgreSQL's.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")


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


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    # Every mapper must be known before the first flush resolves foreign keys.
    import app.models  # noqa: F401

    return sessionmaker(bind=engine, expire_on_commit=False)


def get_session(request: Request) -> Iterator[Session]:
    """One session and one transaction per request: commit on success, roll back on error."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    with factory() as session, session.begin():
        yield session


# scope="function" commits before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
