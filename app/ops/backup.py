"""`posture backup` and `posture restore`: a consistent copy of the whole database taken
while Posture runs, and its return.

SQLite: the online backup API copies the live file as of one moment (in WAL or
rollback-journal mode) into a self-contained file, and copies a backup back into the
database file the same way, in one transaction. PostgreSQL: `pg_dump --format=custom`
from one snapshot, and `pg_restore` in one transaction. Either way a backup is written
under a temporary name beside its path and renamed when complete, and a restore that
fails leaves the database as it was. A restored database behind the code's migrations is
migrated to their head; one ahead of them is refused.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from app import migrate
from app.ops import queries
from app.ops.health import migration_revisions

# The tables whose rows a backup and a restore report, in this order.
REPORTED_TABLES = ("actors", "initiatives", "sources", "claims", "users", "audit_entries")
POSTGRESQL_CLIENT = (
    "PostgreSQL's client tools of the server's major version or newer "
    "(Debian: apt-get install postgresql-client)"
)
# A restore into a database that had a data version gives the restored data a version
# above it: caches and ETags keyed by the version (app/positions/cache.py) must never take
# the restored data for what a running server cached under the same number.
# Files SQLite may keep beside a database while it is open.
SQLITE_SIDE_FILES = ("-journal", "-wal", "-shm")


class BackupError(Exception):
    """A backup or restore that was not done; the message is one line for the user."""


@dataclass(frozen=True)
class BackupResult:
    """A backup written: where, its size in bytes, and the rows of the main tables in it."""

    path: Path
    size: int
    counts: dict[str, int]

    def describe(self) -> str:
        """One line for the user."""
        return f"wrote {self.path} ({_size(self.size)}): {_rows(self.counts)}"


@dataclass(frozen=True)
class RestoreResult:
    """A restore done: the backup's revision, the revision now, and the rows restored."""

    path: Path
    backup_revision: str
    revision: str
    counts: dict[str, int]

    @property
    def migrated(self) -> bool:
        """Whether the backup was behind the code and was migrated forward."""
        return self.backup_revision != self.revision

    def describe(self) -> str:
        """One line for the user."""
        at = (
            f"migrated from revision {self.backup_revision} to {self.revision}"
            if self.migrated
            else f"at revision {self.revision}"
        )
        return f"restored {self.path}, {at}: {_rows(self.counts)}"


def backup(engine_or_url: Engine | str, path: Path) -> BackupResult:
    """Write a consistent backup of the database to `path` (replacing a file there) while
    other processes may be writing to it; `path` is the whole backup or left untouched."""
    url = engine_or_url.url if isinstance(engine_or_url, Engine) else make_url(engine_or_url)
    engine = engine_or_url if isinstance(engine_or_url, Engine) else None
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder: give the backup file's name")
    backend = url.get_backend_name()
    if backend == "sqlite":
        source = _sqlite_file(url)
        if path.resolve() == source.resolve():
            raise BackupError(f"{path} is the database itself: give another file name")
        if not source.is_file():
            raise BackupError(f"there is no SQLite database at {source}")
        with _partial_file(path) as partial:
            counts = _backup_sqlite(source, partial)
    elif backend == "postgresql":
        pg_dump = _tool("pg_dump")
        with _partial_file(path) as partial:
            counts = _backup_postgresql(pg_dump, url, engine, partial)
    else:
        raise BackupError(f"cannot back up a {backend} database: SQLite or PostgreSQL only")
    return BackupResult(path, path.stat().st_size, counts)


def restore(url: str, path: Path, *, replace: bool = False) -> RestoreResult:
    """Replace the database's contents with the backup at `path`, then migrate them to the
    code's head if they are behind it.

    Refused when the database holds claims unless `replace`, and for a backup of a
    revision the code does not know (a newer release's). A failure leaves the database as
    it was.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"there is no backup file at {path}")
    target = make_url(url)
    backend = target.get_backend_name()
    if backend == "sqlite":
        return _restore_sqlite(_sqlite_file(target), path, replace=replace)
    if backend == "postgresql":
        return _restore_postgresql(url, path, replace=replace)
    raise BackupError(f"cannot restore into a {backend} database: SQLite or PostgreSQL only")


# SQLite


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"{url} is not an SQLite database file")
    return Path(url.database)


def _sqlite_connect(path: Path) -> sqlite3.Connection:
    """A connection to an existing database file (never creates one); waits up to 5 s for
    another connection's lock, like the app's."""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=5)


def _backup_sqlite(source: Path, partial: Path) -> dict[str, int]:
    try:
        src = _sqlite_connect(source)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot open the database {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(partial)
        try:
            # One step (pages=-1): the whole copy is made in one read transaction, so it is
            # the database as of one moment. In WAL mode writers go on meanwhile; in
            # rollback-journal mode their commits wait for it (busy_timeout).
            src.backup(dst)
            # The copy inherits a WAL database's header: make it need no -wal file.
            queries.sqlite_without_wal(dst)
            return queries.sqlite_counts(dst, REPORTED_TABLES)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from exc
    finally:
        src.close()


def _restore_sqlite(target: Path, path: Path, *, replace: bool) -> RestoreResult:
    if target.exists() and target.resolve() == path.resolve():
        raise BackupError(f"{path} is the database itself")
    claims, _ = _sqlite_state(target)
    if claims and not replace:
        raise BackupError(_refusal(claims))
    # The backup is checked and migrated in a copy beside the database, so that the
    # database only ever receives a whole, current backup.
    with _scratch(target) as staged:
        try:
            shutil.copyfile(path, staged)
        except OSError as exc:
            raise BackupError(f"cannot copy {path} beside {target}: {exc.strerror}") from exc
        found = _sqlite_revision(staged, path)
        revision, head = _check_revision(found, path)
        if revision != head:
            _migrate(f"sqlite:///{staged}", revision, "nothing was changed")
        try:
            src = sqlite3.connect(staged)
            try:
                _, previous = _sqlite_state(target)
                if previous is not None:
                    with src:
                        queries.sqlite_bump_data_version(src, previous)
                dst = sqlite3.connect(target, timeout=5)
                try:
                    # One step, one write transaction on the database: other connections
                    # see all of the backup or none of it, and a failure rolls it back.
                    src.backup(dst)
                    counts = queries.sqlite_counts(dst, REPORTED_TABLES)
                finally:
                    dst.close()
            finally:
                src.close()
        except sqlite3.Error as exc:
            raise BackupError(f"restoring into {target} failed, nothing changed: {exc}") from exc
    return RestoreResult(path, revision, head, counts)


def _sqlite_revision(staged: Path, path: Path) -> str | None:
    """The Alembic revision of a copy of a backup, after checking that it is whole."""
    try:
        conn = sqlite3.connect(staged)
        try:
            queries.sqlite_without_wal(conn)
            if queries.sqlite_expected_size(conn) > staged.stat().st_size:
                raise BackupError(f"{path} is truncated: it is not a whole SQLite backup")
            problems = queries.sqlite_problems(conn)
            if problems != ["ok"]:
                raise BackupError(f"{path} is damaged: {problems[0]}")
            return queries.sqlite_revision(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a usable SQLite backup: {exc}") from exc


def _sqlite_state(target: Path) -> tuple[int, int | None]:
    """The claims the database holds, and its data version (None: no such table)."""
    if not target.exists():
        return 0, None
    try:
        conn = _sqlite_connect(target)
        try:
            return queries.sqlite_claims_and_version(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise BackupError(f"cannot read the database {target}: {exc}") from exc


# PostgreSQL


def _backup_postgresql(
    pg_dump: str, url: URL, engine: Engine | None, partial: Path
) -> dict[str, int]:
    own = engine is None
    engine = engine or create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the snapshot this transaction exported, so the counts
                # reported are those of the very data it writes.
                snapshot = queries.export_snapshot(conn)
                counts = queries.table_counts(conn, REPORTED_TABLES)
                _run(
                    pg_dump,
                    url,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={partial}",
                )
        return counts
    except SQLAlchemyError as exc:
        raise BackupError(f"PostgreSQL: {_database_error(exc)}") from exc
    finally:
        if own:
            engine.dispose()


def _restore_postgresql(url: str, path: Path, *, replace: bool) -> RestoreResult:
    pg_restore = _tool("pg_restore")
    found = _archive_revision(pg_restore, path)
    revision, head = _check_revision(found, path)
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
            current = sorted(queries.schema_revisions(conn))
            claims, previous = queries.claims_and_version(conn, tables)
        if claims and not replace:
            raise BackupError(_refusal(claims))
        if tables and current != [revision]:
            # --clean drops only what the backup holds: a schema of another revision
            # would keep tables, triggers and functions that the restore or the
            # migrations after it trip over.
            raise BackupError(
                f"the database is at revision {', '.join(current) or 'none'} and the backup "
                f"at {revision}: restore into a new empty database, or empty this one first "
                "(posture db downgrade base); nothing was changed"
            )
        # --single-transaction: every object and row of the backup, or nothing.
        _run(
            pg_restore,
            make_url(url),
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--no-owner",
            str(path),
            what="pg_restore failed, nothing was changed",
        )
        if revision != head:
            _migrate(
                url,
                revision,
                f"the backup is restored at revision {revision}: run `posture db upgrade`",
            )
        with engine.begin() as conn:
            if previous is not None:
                queries.bump_data_version(conn, previous)
            counts = queries.table_counts(conn, REPORTED_TABLES)
    except SQLAlchemyError as exc:
        raise BackupError(f"PostgreSQL: {_database_error(exc)}") from exc
    finally:
        engine.dispose()
    return RestoreResult(path, revision, head, counts)


def _archive_revision(pg_restore: str, path: Path) -> str | None:
    """The Alembic revision in a pg_dump archive (read without restoring anything)."""
    result = subprocess.run(
        [pg_restore, "--data-only", "--table=alembic_version", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"{path} is not a usable pg_dump archive (pg_restore: {_tool_error(result)})"
        )
    lines = result.stdout.splitlines()
    for n, line in enumerate(lines[:-1]):
        if line.startswith("COPY ") and "alembic_version" in line:
            first = lines[n + 1]
            return None if first == "\\." else first.split("\t")[0]
    return None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install {POSTGRESQL_CLIENT}")
    return found


def _run(tool: str, url: URL, *args: str, what: str = "") -> None:
    """Run pg_dump or pg_restore on the URL's database: the connection's parameters on the
    command line as a conninfo, its password only in PGPASSWORD."""
    params = {
        key: ",".join(value) if isinstance(value, tuple) else value
        for key, value in url.query.items()
    }
    params.update(
        {
            key: str(value)
            for key, value in url.translate_connect_args(username="user", database="dbname").items()
        }
    )
    env = dict(os.environ)
    password = params.pop("password", None)
    if password:
        env["PGPASSWORD"] = password
    result = subprocess.run(
        [tool, "--no-password", *args, f"--dbname={make_conninfo(**params)}"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{what or Path(tool).name + ' failed'}: {_tool_error(result)}")


def _tool_error(result: subprocess.CompletedProcess[str]) -> str:
    """What a PostgreSQL tool that failed said went wrong (or the signal that stopped it)."""
    if result.returncode < 0:
        return f"stopped by signal {signal.Signals(-result.returncode).name}"
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    for line in lines:
        if ": error: " in line:
            return line.split(": error: ", 1)[1]
    return lines[-1] if lines else "no message"


# Both


def _check_revision(revision: str | None, path: Path) -> tuple[str, str]:
    """The backup's revision and the head to migrate it to, after checking that the code
    can take it."""
    heads, known = migration_revisions()
    if revision is None:
        raise BackupError(f"{path} is not a Posture backup: it has no Alembic revision")
    if revision not in known:
        raise BackupError(
            f"{path} is at revision {revision}, which this version of Posture does not know "
            "(a newer release's backup?): upgrade Posture, then restore it"
        )
    (head,) = heads
    return revision, head


def _migrate(url: str, revision: str, outcome: str) -> None:
    """Migrate the restored data to head; a failure says what state they were left in."""
    try:
        migrate.upgrade(url)
    except Exception as exc:
        raise BackupError(
            f"migrating the backup from revision {revision} to head failed "
            f"({_first_line(str(exc))}); {outcome}"
        ) from exc


def _refusal(claims: int) -> str:
    return (
        f"the database holds {claims:,} claims and a restore replaces everything in it "
        "with the backup: run again with --yes to do so"
    )


@contextmanager
def _scratch(beside: Path) -> Iterator[Path]:
    """A new empty file beside `beside` (same folder, so same file system), removed at the
    end with whatever SQLite left beside it."""
    try:
        fd, name = tempfile.mkstemp(dir=beside.parent, prefix=f".{beside.name}.", suffix=".part")
    except OSError as exc:
        raise BackupError(f"cannot write in {beside.parent}: {exc.strerror}") from exc
    os.close(fd)
    scratch = Path(name)
    try:
        yield scratch
    finally:
        for suffix in ("", *SQLITE_SIDE_FILES):
            with suppress(FileNotFoundError):
                Path(name + suffix).unlink()


@contextmanager
def _partial_file(path: Path) -> Iterator[Path]:
    """A file to write the backup to, renamed to `path` (atomically) once it is complete
    and on disk; removed if anything fails."""
    with _scratch(path) as partial:
        yield partial
        try:
            _fsync(partial, os.O_RDONLY)
            partial.replace(path)
            _fsync(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise BackupError(f"cannot write {path}: {exc.strerror}") from exc


def _fsync(path: Path, flags: int) -> None:
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _database_error(exc: SQLAlchemyError) -> str:
    """The driver's message, first line, without SQLAlchemy's statement and link."""
    return _first_line(str(getattr(exc, "orig", None) or exc))


def _first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), message)


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{size:,} bytes"


def _rows(counts: dict[str, int]) -> str:
    return ", ".join(f"{count:,} {table}" for table, count in counts.items()) or "no tables"
