"""`posture backup` and `posture restore`, run as a user runs them, on both databases:
every row comes back, a backup taken under writes is of one moment, and a refused or
failed restore or backup changes nothing and leaves nothing behind."""

import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, String, Table, create_engine, inspect, select, text
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

import app.models  # noqa: F401  (fills Base.metadata)
from app import migrate
from app.audit.models import AuditEntry
from app.claims.models import Claim
from app.claims.service import retract_claim
from app.db import Base, make_engine, make_session_factory
from app.ops import backup as backups
from app.seed.loader import load_seed
from app.sources.models import Source
from app.vocab import Role, Stance, Status
from tests.conftest import SEED_TEXT_DIR, create_database, drop_database
from tests.factories import make_claim, make_token, make_user

POSTURE = Path(sys.executable).parent / "posture"
ALEMBIC_VERSION = Table("alembic_version", MetaData(), Column("version_num", String(32)))
GENERATED_CLAIMS = 60
SEED_CLAIMS = 21
ACTORS = ["GB", "FR", "DE", "PL", "IT", "ES", "NL", "TR", "US", "CA", "NO", "FI"]
STATUSES = [Status.WILLING, Status.CONSIDERING, Status.RULED_OUT, Status.PLEDGED]


def head_and_previous() -> tuple[str, str]:
    """The migrations' head revision and the one before it."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    head = script.get_revision("head")
    assert head is not None
    assert isinstance(head.down_revision, str)
    return head.revision, head.down_revision


HEAD, PREVIOUS_REVISION = head_and_previous()


def posture(
    url: str,
    *args: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    prefix: Sequence[str] = (),
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `posture ARGS` on the database and wait for it."""
    return subprocess.run(
        [*prefix, str(POSTURE), *args],
        env={
            **os.environ,
            "POSTURE_DATABASE_URL": url,
            "POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR),
            "COLUMNS": "200",
            **(env or {}),
        },
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=preexec_fn,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result, after checking that the command succeeded (its stderr shown if not)."""
    assert result.returncode == 0, result.stderr
    return result


def failed(result: subprocess.CompletedProcess[str], command: str) -> str:
    """The one-line error of a command that failed as it should."""
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{command} failed: "), lines[0]
    return lines[0]


@contextmanager
def new_database(backend: str, folder: Path) -> Iterator[str]:
    """A new empty database (an SQLite file not made yet, or an empty PostgreSQL one)."""
    url, name = create_database(backend, folder)
    try:
        yield url
    finally:
        drop_database(name)


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A plain connection (none of the app's settings, so a file is read as it is)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def add_claims(session: Session, count: int, start: int = 0) -> list[int]:
    """Codebook-valid claims of many kinds: commitments with and without conditions,
    stances, proposed ones, retracted ones; each with a source of its own."""
    ids = []
    for n in range(start, start + count):
        actor = ACTORS[n % len(ACTORS)]
        if n % 5 == 4:
            claim = make_claim(
                session,
                actor=actor,
                kind="stance",
                initiative="peace-framework",
                stance=list(Stance)[n % len(Stance)],
            )
        else:
            claim = make_claim(
                session,
                actor=actor,
                role=list(Role)[n % len(Role)],
                status=STATUSES[n % len(STATUSES)],
                conditions=[{"type": "ceasefire", "text": "once the guns fall silent"}]
                if n % 3 == 0
                else [],
                review_state="proposed" if n % 7 == 0 else "accepted",
            )
        if n % 11 == 10:
            retract_claim(session, claim.id, "miscoded")
        ids.append(claim.id)
    return ids


def fill(url: str, claims: int = GENERATED_CLAIMS) -> None:
    """Migrate the database to head and give it the seed dataset, generated claims, a user
    and an API token."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            session.info["audit_agent"] = "cli"
            load_seed(session, SEED_TEXT_DIR)
            add_claims(session, claims)
            make_token(session, make_user(session, "ana", role="reviewer"))
    finally:
        engine.dispose()


def every_row(url: str, leave_out: Sequence[str] = ()) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (the models' and alembic_version), each table's sorted."""
    tables = [*Base.metadata.sorted_tables, ALEMBIC_VERSION]
    with connect(url) as conn:
        assert set(inspect(conn).get_table_names()) == {table.name for table in tables}
        return {
            table.name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
            for table in tables
            if table.name not in leave_out
        }


def rows_as_stored(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database holds now (read by reflection, so at any
    revision), but the data version and the revision, each table's sorted."""
    return rows_of(url, older_columns(url))


def rows_of(url: str, tables: dict[str, list[str]]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of these tables, these columns only, each table's sorted."""
    with connect(url) as conn:
        return {
            name: sorted(
                (
                    tuple(row)
                    for row in conn.execute(
                        select(*(sa_column(c) for c in columns)).select_from(sa_table(name))
                    )
                ),
                key=repr,
            )
            for name, columns in tables.items()
        }


def older_columns(url: str) -> dict[str, list[str]]:
    """The tables and columns of the database now (an older revision's)."""
    with connect(url) as conn:
        found = inspect(conn)
        return {
            name: [column["name"] for column in found.get_columns(name)]
            for name in found.get_table_names()
            if name not in ("data_version", "alembic_version")
        }


def claim_count(url: str) -> int:
    """How many claims the database holds."""
    with connect(url) as conn:
        return int(conn.execute(text("SELECT count(*) FROM claims")).scalar_one())


def data_version(url: str) -> int:
    """The database's data version (bumped by every write to what positions read)."""
    with connect(url) as conn:
        return int(conn.execute(text("SELECT version FROM data_version")).scalar_one())


def revision(url: str) -> str | None:
    """The database's Alembic revision."""
    with connect(url) as conn:
        return conn.execute(select(ALEMBIC_VERSION.c.version_num)).scalar()


def leftovers(folder: Path) -> list[str]:
    """Temporary files a backup or restore would have left in the folder."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    """Wait until the condition holds (failing after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def unaudited(url: str) -> tuple[list[str], list[str]]:
    """Claims and sources without their creation's audit entry, and creation entries of
    claims and sources that are not there: both empty in a consistent database."""
    with connect(url) as conn:
        records = {("claim", str(id_)) for id_ in conn.scalars(select(Claim.id))} | {
            ("source", str(id_)) for id_ in conn.scalars(select(Source.id))
        }
        entries = {
            (row.record_type, row.record_key)
            for row in conn.execute(
                select(AuditEntry.record_type, AuditEntry.record_key).where(
                    AuditEntry.action == "create",
                    AuditEntry.record_type.in_(["claim", "source"]),
                )
            )
        }
    return sorted(map(str, records - entries)), sorted(map(str, entries - records))


@pytest.fixture(scope="module")
def origin(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database with the seed dataset and generated claims."""
    with new_database(backend, tmp_path_factory.mktemp("origin")) as url:
        fill(url)
        yield url


@pytest.fixture(scope="module")
def origin_backup(origin: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A backup of the origin database."""
    path = tmp_path_factory.mktemp("backups") / "origin.backup"
    backups.backup(origin, path)
    return path


@pytest.fixture
def restored(backend: str, origin_backup: Path, tmp_path: Path) -> Iterator[str]:
    """A new database holding the origin's backup."""
    with new_database(backend, tmp_path) as url:
        backups.restore(url, origin_backup)
        yield url


def test_a_backup_restored_into_a_new_database_holds_every_row_of_every_table(
    backend: str, origin: str, tmp_path: Path
) -> None:
    path = tmp_path / "posture.backup"

    written = ok(posture(origin, "backup", str(path), cwd=tmp_path))

    claims = GENERATED_CLAIMS + SEED_CLAIMS
    assert written.stderr.startswith(f"backup: wrote {path} (")
    assert f", {claims} claims, 1 users, " in written.stderr
    assert leftovers(tmp_path) == []
    with new_database(backend, tmp_path) as target:
        done = ok(posture(target, "restore", str(path), cwd=tmp_path))

        assert f"restore: restored {path}, at revision {HEAD}: " in done.stderr
        assert f", {claims} claims, " in done.stderr
        assert every_row(target) == every_row(origin)
    assert leftovers(tmp_path) == []


def test_backup_takes_an_engine_as_well_as_a_url(origin: str, tmp_path: Path) -> None:
    engine = make_engine(origin)
    try:
        by_engine = backups.backup(engine, tmp_path / "by-engine.backup")
    finally:
        engine.dispose()
    by_url = backups.backup(origin, tmp_path / "by-url.backup")

    assert by_engine.counts == by_url.counts
    assert by_engine.counts["claims"] == GENERATED_CLAIMS + SEED_CLAIMS


def test_a_backup_taken_while_claims_are_written_holds_each_with_its_audit_entry(
    backend: str, tmp_path: Path
) -> None:
    path = tmp_path / "busy.backup"
    with new_database(backend, tmp_path) as url:
        fill(url, claims=0)
        written: list[int] = []
        errors: list[BaseException] = []
        stop = threading.Event()

        def write() -> None:
            engine = make_engine(url)
            factory = make_session_factory(engine)
            try:
                n = 0
                while not stop.is_set():
                    with factory.begin() as session:
                        session.info["audit_agent"] = "cli"
                        ids = add_claims(session, 1, start=n)
                    written.extend(ids)
                    n += 1
            except BaseException as exc:
                errors.append(exc)
            finally:
                engine.dispose()

        writer = threading.Thread(target=write)
        writer.start()
        try:
            wait_for(lambda: len(written) >= 5)
            before = len(written)
            result = posture(url, "backup", str(path), cwd=tmp_path)
            after = len(written)
            wait_for(lambda: len(written) >= after + 5)
        finally:
            stop.set()
            writer.join()
    assert errors == []
    ok(result)
    with new_database(backend, tmp_path) as target:
        ok(posture(target, "restore", str(path), cwd=tmp_path))

        generated = claim_count(target) - SEED_CLAIMS
        assert before <= generated <= after + 1
        assert f", {generated + SEED_CLAIMS} claims, " in result.stderr
        assert unaudited(target) == ([], [])
        if backend == "sqlite":
            assert every_row(target) == every_row(f"sqlite:///{path}")


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_an_sqlite_backup_is_of_one_moment_and_self_contained_in_either_journal_mode(
    journal_mode: str, tmp_path: Path
) -> None:
    source = tmp_path / "pairs.db"
    setup = sqlite3.connect(source, isolation_level=None)
    setup.execute(f"PRAGMA journal_mode={journal_mode}")
    setup.execute("CREATE TABLE a (n INTEGER PRIMARY KEY, filler TEXT)")
    setup.execute("CREATE TABLE b (n INTEGER PRIMARY KEY, filler TEXT)")
    setup.close()
    stop = threading.Event()
    committed: list[int] = []

    def write() -> None:
        conn = sqlite3.connect(source, isolation_level=None, timeout=10)
        # Commits stay in the -wal file (WAL mode): the copy must carry them.
        conn.execute("PRAGMA wal_autocheckpoint=0")
        n = 0
        while not stop.is_set():
            n += 1
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO a VALUES (?, ?)", (n, "x" * 2000))
            conn.execute("INSERT INTO b VALUES (?, ?)", (n, "y" * 2000))
            conn.execute("COMMIT")
            committed.append(n)
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    copies = []
    try:
        for k in range(3):
            wanted = 200 * (k + 1)
            wait_for(lambda: len(committed) >= wanted)  # noqa: B023  (called at once)
            at_least = len(committed)
            copy = tmp_path / f"copy-{k}.db"
            backups.backup(f"sqlite:///{source}", copy)
            copies.append((copy, at_least))
    finally:
        stop.set()
        writer.join()

    for copy, at_least in copies:
        assert not Path(f"{copy}-wal").exists()
        conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True)
        try:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            a = conn.execute("SELECT count(*), max(n) FROM a").fetchone()
            b = conn.execute("SELECT count(*), max(n) FROM b").fetchone()
        finally:
            conn.close()
        assert a == b
        assert a[0] >= at_least
    assert leftovers(tmp_path) == []


def test_restore_refuses_without_yes_a_database_holding_claims(
    backend: str, restored: str, tmp_path: Path
) -> None:
    with new_database(backend, tmp_path) as empty:
        migrate.upgrade(empty)
        empty_backup = tmp_path / "empty.backup"
        backups.backup(empty, empty_backup)
    before = every_row(restored)

    refused = posture(restored, "restore", str(empty_backup), cwd=tmp_path)

    error = failed(refused, "restore")
    claims = GENERATED_CLAIMS + SEED_CLAIMS
    assert f"the database holds {claims} claims" in error
    assert "--yes" in error
    assert every_row(restored) == before

    ok(posture(restored, "restore", str(empty_backup), "--yes", cwd=tmp_path))

    assert claim_count(restored) == 0
    # A running server's answers cached under the old data's version are never taken for
    # the restored data's.
    assert data_version(restored) > max(before["data_version"])[0]
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("damage", ["half", "tail", "garbage"])
def test_a_truncated_or_corrupt_backup_fails_clearly_and_leaves_the_database_as_it_was(
    damage: str, restored: str, origin_backup: Path, tmp_path: Path
) -> None:
    whole = origin_backup.read_bytes()
    bad = tmp_path / f"{damage}.backup"
    bad.write_bytes(
        {
            "half": whole[: len(whole) // 2],
            "tail": whole[:-3000],
            "garbage": whole[:4096] + b"\x5a" * (len(whole) - 4096),
        }[damage]
    )
    before = every_row(restored)

    result = posture(restored, "restore", str(bad), "--yes", cwd=tmp_path)

    error = failed(result, "restore")
    assert str(bad) in error or "nothing was changed" in error
    assert every_row(restored) == before
    assert leftovers(tmp_path) == []


def test_restore_refuses_a_backup_of_a_newer_schema_and_changes_nothing(
    backend: str, restored: str, tmp_path: Path
) -> None:
    newer = tmp_path / "newer.backup"
    with new_database(backend, tmp_path) as url:
        migrate.upgrade(url)
        with connect(url) as conn, conn.begin():
            conn.execute(ALEMBIC_VERSION.update().values(version_num="0a1b2c3d4e5f"))
        ok(posture(url, "backup", str(newer), cwd=tmp_path))
    before = every_row(restored)

    error = failed(posture(restored, "restore", str(newer), "--yes", cwd=tmp_path), "restore")

    assert "revision 0a1b2c3d4e5f, which this version of Posture does not know" in error
    assert every_row(restored) == before


def test_an_older_backup_is_restored_then_migrated_to_head_with_every_row(
    backend: str, tmp_path: Path
) -> None:
    path = tmp_path / "older.backup"
    with new_database(backend, tmp_path) as url:
        fill(url)
        migrate.downgrade(url, PREVIOUS_REVISION)
        # What the older revision holds: every row of its tables, its columns.
        tables = older_columns(url)
        older = rows_as_stored(url)
        ok(posture(url, "backup", str(path), cwd=tmp_path))
    with new_database(backend, tmp_path) as target:
        done = ok(posture(target, "restore", str(path), cwd=tmp_path))

        assert f"migrated from revision {PREVIOUS_REVISION} to {HEAD}" in done.stderr
        assert revision(target) == HEAD
        assert rows_of(target, tables) == older
        assert set(every_row(target, leave_out=["data_version"])) >= set(tables)


def test_restore_on_postgresql_refuses_a_database_at_another_revision(
    backend: str, origin_backup: Path, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite replaces the whole file, whatever its schema")
    with new_database(backend, tmp_path) as url:
        migrate.upgrade(url, PREVIOUS_REVISION)

        error = failed(posture(url, "restore", str(origin_backup), cwd=tmp_path), "restore")

        assert f"the database is at revision {PREVIOUS_REVISION} and the backup at {HEAD}" in (
            error
        )
        assert "posture db downgrade base" in error
        assert revision(url) == PREVIOUS_REVISION
        migrate.downgrade(url, "base")
        ok(posture(url, "restore", str(origin_backup), cwd=tmp_path))
        assert claim_count(url) == GENERATED_CLAIMS + SEED_CLAIMS


def without_write_permission() -> list[str]:
    """A command prefix under which a folder's missing write permission holds, as root too
    (root writes anywhere unless it gives up CAP_DAC_OVERRIDE)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv (util-linux): cannot make a folder unwritable")
    return [setpriv, "--bounding-set", "-dac_override", "--"]


def test_a_backup_into_an_unwritable_folder_fails_clearly_and_leaves_nothing(
    origin: str, tmp_path: Path
) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result = posture(
            origin,
            "backup",
            str(folder / "posture.backup"),
            cwd=tmp_path,
            prefix=without_write_permission(),
        )
        error = failed(result, "backup")
        assert error == f"backup failed: cannot write in {folder}: Permission denied"
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)


def test_a_backup_that_fails_while_writing_leaves_nothing_and_keeps_the_old_file(
    origin: str, tmp_path: Path
) -> None:
    path = tmp_path / "posture.backup"
    path.write_bytes(b"the previous backup")

    def small_disk() -> None:
        # Writes past 64 kB fail as on a full disk (EFBIG; pg_dump is stopped by SIGXFSZ).
        resource.setrlimit(resource.RLIMIT_FSIZE, (64_000, 64_000))

    result = posture(origin, "backup", str(path), cwd=tmp_path, preexec_fn=small_disk)

    error = failed(result, "backup")
    assert "disk I/O error" in error or "stopped by signal SIGXFSZ" in error
    assert path.read_bytes() == b"the previous backup"
    assert leftovers(tmp_path) == []


def test_a_backup_of_postgresql_without_pg_dump_says_what_to_install(
    backend: str, origin: str, tmp_path: Path
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite needs no client tool")

    result = posture(origin, "backup", str(tmp_path / "x.backup"), cwd=tmp_path, env={"PATH": ""})

    error = failed(result, "backup")
    assert "pg_dump is not installed: install PostgreSQL's client tools" in error
    assert "apt-get install postgresql-client" in error
    assert list(tmp_path.iterdir()) == []


def test_pg_dump_gets_the_password_in_its_environment_never_on_its_command_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        seen.update(args=args, env=kwargs["env"])
        return subprocess.CompletedProcess(args, 0, "", "")

    monkeypatch.setattr(backups.subprocess, "run", run)
    url = make_url("postgresql+psycopg://ana:s3cr%40t@db.internal:6432/posture?sslmode=require")

    backups._run("pg_dump", url, "--format=custom")

    assert not any("s3cr" in arg for arg in seen["args"])
    assert seen["env"]["PGPASSWORD"] == "s3cr@t"
    (dbname,) = (arg for arg in seen["args"] if arg.startswith("--dbname="))
    assert dict(part.split("=") for part in dbname.removeprefix("--dbname=").split()) == {
        "host": "db.internal",
        "port": "6432",
        "user": "ana",
        "dbname": "posture",
        "sslmode": "require",
    }


def test_migrating_an_older_database_to_head_keeps_every_row(backend: str, tmp_path: Path) -> None:
    with new_database(backend, tmp_path) as url:
        fill(url)
        migrate.downgrade(url, PREVIOUS_REVISION)
        assert revision(url) == PREVIOUS_REVISION
        # What the older revision holds: every row of its tables, its columns.
        tables = older_columns(url)
        older = rows_as_stored(url)
        assert sum(map(len, older.values())) > GENERATED_CLAIMS

        migrate.upgrade(url)

        assert revision(url) == HEAD
        assert rows_of(url, tables) == older
        assert data_version(url) >= 1
