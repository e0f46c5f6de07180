"""The operations' SQL: the readiness check (does the database answer, at which migration
revision), and what backup and restore read and write besides the copy itself."""

import sqlite3
from collections.abc import Iterable

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, literal, select, text


def database_answers(conn: Connection) -> bool:
    """Whether a trivial statement comes back (`SELECT 1`)."""
    return conn.execute(select(literal(1))).scalar_one() == 1


def schema_revisions(conn: Connection) -> frozenset[str]:
    """The Alembic revisions the database is stamped with (none: never migrated)."""
    return frozenset(MigrationContext.configure(conn).get_current_heads())


# ---- posture backup and restore (app/ops/backup.py) ----

# Moves the data version past the one a running server may have cached answers for.
NEW_DATA_VERSION = (
    "UPDATE data_version"
    " SET version = CASE WHEN version > :previous THEN version ELSE :previous END + 1"
)


def sqlite_tables(conn: sqlite3.Connection) -> set[str]:
    """The tables of a SQLite file (through the DBAPI: a backup copy, not the app's engine)."""
    return {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def sqlite_without_wal(conn: sqlite3.Connection) -> None:
    """Make a SQLite file need no -wal file beside it (a copy inherits a WAL header)."""
    conn.execute("PRAGMA journal_mode=DELETE")


def sqlite_expected_size(conn: sqlite3.Connection) -> int:
    """The bytes a whole SQLite file holds, by its own header (page size times pages)."""
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    (page_count,) = conn.execute("PRAGMA page_count").fetchone()
    return int(page_size) * int(page_count)


def sqlite_problems(conn: sqlite3.Connection) -> list[str]:
    """What SQLite's quick check finds (["ok"] when nothing)."""
    return [str(row[0]) for row in conn.execute("PRAGMA quick_check")]


def sqlite_revision(conn: sqlite3.Connection) -> str | None:
    """The Alembic revision a SQLite file is stamped with (None: never migrated)."""
    if "alembic_version" not in sqlite_tables(conn):
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def sqlite_claims_and_version(conn: sqlite3.Connection) -> tuple[int, int | None]:
    """The claims a SQLite file holds, and its data version (None: no such table)."""
    tables = sqlite_tables(conn)
    claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0] if "claims" in tables else 0
    row = (
        conn.execute("SELECT max(version) FROM data_version").fetchone()
        if "data_version" in tables
        else None
    )
    return int(claims), row[0] if row else None


def sqlite_counts(conn: sqlite3.Connection, names: Iterable[str]) -> dict[str, int]:
    """The rows of each of these tables that the SQLite file has."""
    tables = sqlite_tables(conn)
    return {
        table: int(conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
        for table in names
        if table in tables
    }


def sqlite_bump_data_version(conn: sqlite3.Connection, previous: int) -> None:
    """Set a SQLite file's data version past `previous`."""
    conn.execute(NEW_DATA_VERSION, {"previous": previous})


def export_snapshot(conn: Connection) -> str:
    """PostgreSQL: export this (repeatable read) transaction's snapshot for pg_dump."""
    return str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())


def claims_and_version(conn: Connection, tables: set[str]) -> tuple[int, int | None]:
    """The claims the database holds, and its data version (None: no such table)."""
    claims = (
        conn.execute(text("SELECT count(*) FROM claims")).scalar_one() if "claims" in tables else 0
    )
    version = (
        conn.execute(text("SELECT max(version) FROM data_version")).scalar()
        if "data_version" in tables
        else None
    )
    return int(claims), version


def bump_data_version(conn: Connection, previous: int) -> None:
    """Set the database's data version past `previous`."""
    conn.execute(text(NEW_DATA_VERSION), {"previous": previous})


def table_counts(conn: Connection, names: Iterable[str]) -> dict[str, int]:
    """The rows of each of these tables that the database has."""
    tables = set(inspect(conn).get_table_names())
    return {
        table: int(conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one())
        for table in names
        if table in tables
    }
