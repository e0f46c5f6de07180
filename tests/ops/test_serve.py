"""`posture serve --workers 2`: both workers answer, share their metrics, log JSON lines,
and stop cleanly."""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import SEED_TEXT_DIR, create_database, drop_database
from tests.ops.helpers import value
from tests.test_cli import POSTURE, free_port

START_TIMEOUT_S = 60
STOP_TIMEOUT_S = 15
PROBES = 6
POOL_SIZE = 5  # SQLAlchemy's default, and POSTURE_DB_POOL_SIZE's


def get(url: str) -> tuple[int, str, str]:
    """GET: status, body and X-Request-ID."""
    request = urllib.request.Request(url, headers={"X-Request-ID": "serve-test"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read().decode(), response.headers["X-Request-ID"]


def wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Poll /healthz until it answers (failing with the server's log if it exits or stalls)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"no answer in time:\n{log.read_text()}"
        try:
            get(url)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)


def wait_for_both_workers(base: str) -> None:
    """Poll /metrics until both workers' pools are in the sums (each adds its own at start)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while value(get(f"{base}/metrics")[1], "posture_db_pool_size") != 2 * POOL_SIZE:
        assert time.monotonic() < deadline, "the second worker did not start in time"
        time.sleep(0.2)


def test_serve_with_two_workers_answers_shares_metrics_and_stops_cleanly(
    backend: str, tmp_path: Path
) -> None:
    url, name = create_database(backend, tmp_path)
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # A file left by an earlier run: serve must clear it (unreadable, it would break scrapes).
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "POSTURE_DATABASE_URL": url,
        "POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR),
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
    }
    stdout, stderr = tmp_path / "stdout.log", tmp_path / "stderr.log"
    try:
        with stdout.open("w") as out, stderr.open("w") as err:
            process = subprocess.Popen(
                [str(POSTURE), "serve", "--workers", "2", "--port", str(port)],
                env=env,
                cwd=tmp_path,
                stdout=out,
                stderr=err,
            )
            try:
                wait_until_up(process, f"{base}/healthz", stderr)
                wait_for_both_workers(base)
                answers = [get(f"{base}/healthz") for _ in range(PROBES)]
                ready = get(f"{base}/readyz")
                _, exposition, _ = get(f"{base}/metrics")
            finally:
                process.terminate()
                try:
                    returncode = process.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                    raise
    finally:
        drop_database(name)

    assert returncode == 0, stderr.read_text()
    assert answers == [(200, '{"status":"ok"}', "serve-test")] * PROBES
    assert ready[0] == 200
    # Whichever worker was scraped, the count covers both (at least the probes sent after
    # the first answer; wait_until_up's own probes may add to it).
    count = value(
        exposition,
        "posture_http_request_duration_seconds_count",
        route="/healthz",
        method="GET",
        status_class="2xx",
    )
    assert count is not None
    assert count >= PROBES + 1
    assert value(exposition, "posture_db_pool_size") == 2 * POOL_SIZE
    assert not (metrics_dir / "counter_1.db").exists()
    assert list(metrics_dir.glob("histogram_*.db"))
    # Workers that stopped cleanly took their pool gauges out of the sums.
    assert not list(metrics_dir.glob("gauge_livesum_*.db"))
    assert "Started parent process" in stderr.read_text()
    lines = [json.loads(line) for line in stdout.read_text().splitlines()]
    probes = [line for line in lines if line["route"] == "/healthz"]
    assert len(probes) == count
    assert {line["request_id"] for line in probes} == {"serve-test"}
    # uvicorn's own access log is off: stdout holds only the JSON lines.
    assert '"GET /healthz HTTP/1.1" 200' not in stdout.read_text() + stderr.read_text()


def test_serve_no_migrate_leaves_a_new_database_empty_and_not_ready(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "POSTURE_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [str(POSTURE), "serve", "--no-migrate", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(process, f"{base}/healthz", log)
            with pytest.raises(urllib.error.HTTPError) as refused:
                get(f"{base}/readyz")
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    assert refused.value.code == 503
    assert json.load(refused.value)["checks"]["schema"] == "not_migrated"
