"""The readiness check's SQL: does the database answer, and at which migration revision."""

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, literal, select


def database_answers(conn: Connection) -> bool:
    """Whether a trivial statement comes back (`SELECT 1`)."""
    return conn.execute(select(literal(1))).scalar_one() == 1


def schema_revisions(conn: Connection) -> frozenset[str]:
    """The Alembic revisions the database is stamped with (none: never migrated)."""
    return frozenset(MigrationContext.configure(conn).get_current_heads())
