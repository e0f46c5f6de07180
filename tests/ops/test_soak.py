"""The soak's fast check, run as a user runs it (bench/soak.py in a subprocess against
`posture serve`): 8 editors each POST 25 claims at once while 4 readers load the overview.
Every write is acknowledged, none refused, each stored with its one audit entry. On the
embedded SQLite default this needs WAL and BEGIN IMMEDIATE for writing requests (before
them, 25 of the 200 writes were acknowledged and 175 refused with 503)."""

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_eight_editors_at_once_are_all_acknowledged_and_stored(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    del database_url  # PostgreSQL answers (or the test skips, or fails in CI, saying why)
    out = tmp_path / "soak.json"
    run = subprocess.run(
        [sys.executable, str(SOAK), "writers", "--db", backend, "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    (result,) = json.loads(out.read_text())
    assert (result["attempted"], result["acknowledged"]) == (200, 200)
    # Readers were never refused either.
    assert set(result["statuses"]) == {"read 200", "write 201"}
    assert result["acknowledged_missing"] == 0
    assert result["without_one_audit_entry"] == 0
    assert result["failures"] == 0
