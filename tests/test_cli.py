"""The `posture` command, run as a subprocess on real databases."""

import json
import os
import pty
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from app.db import make_engine
from tests.conftest import SEED_TEXT_DIR, create_database, drop_database

POSTURE = Path(sys.executable).parent / "posture"
SERVE_TIMEOUT_S = 30


def posture(
    url: str, *args: str, cwd: Path, columns: int = 200
) -> subprocess.CompletedProcess[str]:
    """Run `posture ARGS` on the database and wait for it.

    `columns` is the terminal width the command sees (rich and Typer read COLUMNS);
    a wide default keeps Typer's boxed usage errors from breaking words mid-message.
    """
    env = {
        **os.environ,
        "POSTURE_DATABASE_URL": url,
        "POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR),
        "COLUMNS": str(columns),
    }
    return subprocess.run(
        [str(POSTURE), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


def on_a_terminal(url: str, *args: str, cwd: Path) -> tuple[int, str]:
    """Run `posture ARGS` with its output on a pseudo-terminal: (exit code, what it showed)."""
    main, secondary = pty.openpty()
    env = {**os.environ, "POSTURE_DATABASE_URL": url, "TERM": "xterm", "COLUMNS": "200"}
    process = subprocess.Popen(
        [str(POSTURE), *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(main, 65536)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(main)
    return process.wait(timeout=60), b"".join(chunks).decode(errors="replace")


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """The result, after checking that the command succeeded (its stderr shown if not)."""
    assert result.returncode == 0, result.stderr
    return result


def comparable(path: Path) -> list[Any]:
    """An export file's lines with the header's exported_at left out."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    del header["exported_at"]
    return [header, *lines[1:]]


def tables(url: str) -> set[str]:
    """The names of the database's tables."""
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@dataclass
class Seeded:
    """A SQLite database migrated and seeded twice by the CLI, and its export."""

    url: str
    first_seed: str
    second_seed: str
    export: Path
    folder: Path


@pytest.fixture(scope="module")
def seeded_by_cli(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """`db upgrade`, `seed` twice and `export` on a new SQLite file."""
    folder = tmp_path_factory.mktemp("cli")
    url = f"sqlite:///{folder / 'origin.db'}"
    ok(posture(url, "db", "upgrade", cwd=folder))
    first = ok(posture(url, "seed", cwd=folder))
    second = ok(posture(url, "seed", cwd=folder))
    export = folder / "origin.jsonl"
    ok(posture(url, "export", str(export), cwd=folder))
    return Seeded(url, first.stderr, second.stderr, export, folder)


def test_seed_adds_the_dataset_then_nothing_the_second_time(seeded_by_cli: Seeded) -> None:
    assert "21 claims" in seeded_by_cli.first_seed
    assert "added 0 records" not in seeded_by_cli.first_seed
    assert "added 0 records" in seeded_by_cli.second_seed


def test_export_imported_into_a_new_database_exports_the_same_lines(
    seeded_by_cli: Seeded, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    ok(posture(url, "db", "upgrade", cwd=tmp_path))
    imported = ok(posture(url, "import", str(seeded_by_cli.export), cwd=tmp_path))
    ok(posture(url, "export", str(tmp_path / "copy.jsonl"), cwd=tmp_path))

    assert "created" in imported.stderr
    assert comparable(tmp_path / "copy.jsonl") == comparable(seeded_by_cli.export)


def test_import_export_and_backup_show_their_progress_on_a_terminal_only(
    seeded_by_cli: Seeded, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    ok(posture(url, "db", "upgrade", cwd=tmp_path))

    imported, import_shown = on_a_terminal(url, "import", str(seeded_by_cli.export), cwd=tmp_path)
    exported, export_shown = on_a_terminal(url, "export", str(tmp_path / "a.jsonl"), cwd=tmp_path)
    backed_up, backup_shown = on_a_terminal(url, "backup", str(tmp_path / "b"), cwd=tmp_path)
    piped = ok(posture(url, "export", str(tmp_path / "c.jsonl"), cwd=tmp_path))

    # One record a line of the export (the seed's records, the reference office-holders).
    records = len(seeded_by_cli.export.read_text(encoding="utf-8").splitlines())
    assert (imported, exported, backed_up) == (0, 0, 0), import_shown + export_shown
    assert f"checking {seeded_by_cli.export.name}" in import_shown
    assert f"writing {records} records" in import_shown
    assert "imported: created" in import_shown
    assert "exporting" in export_shown
    assert f"{records} lines" in export_shown
    assert f"backing up to {tmp_path / 'b'}" in backup_shown
    assert "backup: wrote" in backup_shown
    assert piped.stderr == ""


def test_bad_import_exits_non_zero_naming_line_and_field_and_changes_nothing(
    seeded_by_cli: Seeded, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    good_actor = {"type": "actor", "code": "TESTGRP", "kind": "group", "name": "Test group"}
    unknown_actor = {
        "type": "claim",
        "id": 1000,
        "actor": "QQ",
        "kind": "commitment",
        "role": "training",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": 1,
        "evidence": {"text": "Ten European countries"},
    }
    bad.write_text(
        "\n".join([json.dumps(good_actor), '{"type": "claim",', json.dumps(unknown_actor)]) + "\n",
        encoding="utf-8",
    )

    result = posture(seeded_by_cli.url, "import", str(bad), cwd=tmp_path)
    ok(posture(seeded_by_cli.url, "export", str(tmp_path / "after.jsonl"), cwd=tmp_path))

    assert result.returncode != 0
    assert "line 2: line:" in result.stderr
    assert "line 3: actor: unknown actor 'QQ'" in result.stderr
    assert comparable(tmp_path / "after.jsonl") == comparable(seeded_by_cli.export)


def test_db_downgrade_base_leaves_no_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'down.db'}"
    ok(posture(url, "db", "upgrade", cwd=tmp_path))
    assert "claims" in tables(url)

    ok(posture(url, "db", "downgrade", "base", cwd=tmp_path))

    assert tables(url) <= {"alembic_version"}


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(url: str) -> Any:
    """GET a JSON document."""
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.load(response)


def test_serve_migrates_and_seeds_a_new_database(tmp_path: Path) -> None:
    database = tmp_path / "served.db"
    port = free_port()
    env = {
        **os.environ,
        "POSTURE_DATABASE_URL": f"sqlite:///{database}",
        "POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR),
    }
    url = f"http://127.0.0.1:{port}/api/v1/positions?as_of=2025-08-20&role=ground_forces"
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [str(POSTURE), "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + SERVE_TIMEOUT_S
            matrix = None
            while matrix is None:
                assert process.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "posture serve did not answer in time"
                try:
                    matrix = get_json(url)
                except (urllib.error.URLError, ConnectionError):
                    time.sleep(0.2)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    status = {cell["actor"]: cell["status"] for cell in matrix["cells"]}
    assert status["GB"] == "willing"
    assert status["US"] == "ruled_out"


def test_cli_round_trip_on_postgresql(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    if request.config.getoption("--db") == "sqlite":
        pytest.skip("PostgreSQL not selected")
    origin, origin_name = create_database("postgresql", tmp_path)
    copy, copy_name = create_database("postgresql", tmp_path)
    try:
        ok(posture(origin, "db", "upgrade", cwd=tmp_path))
        ok(posture(origin, "seed", cwd=tmp_path))
        ok(posture(origin, "export", str(tmp_path / "origin.jsonl"), cwd=tmp_path))
        ok(posture(copy, "db", "upgrade", cwd=tmp_path))
        ok(posture(copy, "import", str(tmp_path / "origin.jsonl"), cwd=tmp_path))
        ok(posture(copy, "export", str(tmp_path / "copy.jsonl"), cwd=tmp_path))
    finally:
        drop_database(origin_name)
        drop_database(copy_name)

    assert comparable(tmp_path / "copy.jsonl") == comparable(tmp_path / "origin.jsonl")
