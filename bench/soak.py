"""Reliability soak: concurrent editors, a bounded load, and faults, against `posture serve`
on SQLite and PostgreSQL. Prints a summary of each check; exits 1 on any failure.

    .venv/bin/python bench/soak.py [CHECK ...] [--db sqlite|postgresql|both]
        [--duration 60] [--json PATH]

Checks (all by default; docs/reliability.md has their figures):
  writers   8 editors each POST 25 claims at once while 4 readers load the overview: every
            write acknowledged, none refused, each stored with its one audit entry.
  load      32 readers and 4 writers for --duration seconds (4 workers on PostgreSQL, one on
            SQLite): no 5xx, every acknowledged write stored with its audit entry, no failed
            write left a trace; p50 and p99 latency.
  outage    (PostgreSQL, a private server started for it) the server is stopped under load:
            requests fail fast with 503 and a problem body, and succeed again once it is
            back, without restarting the app.
  kill      SIGKILL `posture serve` in the middle of a 100,000-row claims import: the
            database holds all of it or none, and serves again after a restart.
  disk      (SQLite on a small tmpfs; needs mount rights) a full disk answers 507, reads
            go on, nothing is half-written, and writes succeed once there is room again.
            (A read-only database: tests/ops/test_database_failures.py.)

Everything runs on loopback and stops by itself.
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from bulk_import import add_source, csv_text, throwaway
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from app import audit, migrate
from app.accounts import service as accounts
from app.accounts.schemas import UserCreate
from app.audit.models import AuditEntry
from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.ops.background import ServerProcess, free_port
from app.seed.loader import load_seed
from app.vocab import Role, Status

# The audit trail is written as the app writes it (create_app installs it there).
audit.install()

PG_URL = os.environ.get(
    "POSTURE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SEED_TEXT_DIR = Path(os.environ.get("POSTURE_SEED_TEXT_DIR", "../shared/seeds"))
STATES = ["GB", "FR", "DE", "PL", "IT", "ES", "NL", "SE", "FI", "DK", "NO", "CA", "TR", "BE"]
READ_PATHS = [
    "/",
    "/api/v1/positions?as_of=2025-08-20",
    "/api/v1/claims?limit=50",
    "/actors/GB",
    "/api/v1/changes?from=2025-08-01&to=2025-08-20",
    "/api/v1/positions/counts?from=2025-06-01&to=2025-08-20&step=week&role=ground_forces",
    "/sources",
]


# ---- the database and the server ----


@dataclass
class Fixture:
    """A migrated, seeded database with editor tokens and a source to cite."""

    url: str
    tokens: list[str]
    source_id: int


def prepare(url: str, editors: int) -> Fixture:
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine, writes=True).begin() as session:
            load_seed(session, SEED_TEXT_DIR if SEED_TEXT_DIR.is_dir() else None)
            tokens = []
            for n in range(editors):
                user = UserCreate(username=f"soak-editor-{n}", role="editor")  # type: ignore[arg-type]
                accounts.create_user(session, user)
                tokens.append(accounts.create_token(session, user.username, "soak").token)
            source_id = add_source(session, "Soak source")
    finally:
        engine.dispose()
    return Fixture(url, tokens, source_id)


class Server(ServerProcess):
    """`posture serve --no-migrate` in a subprocess, on a free port of the loopback."""

    def __init__(self, url: str, workers: int = 1, env: dict[str, str] | None = None) -> None:
        env = {"POSTURE_EXTRACT_RATE_PER_MINUTE": "0", **(env or {})}
        super().__init__(url, workers=workers, env=env, migrate=False)


@contextmanager
def database(db: str) -> Iterator[str]:
    """A new empty database on `db`, removed afterwards."""
    with throwaway(db, PG_URL) as url:
        yield url


# ---- the clients ----


@dataclass
class Tally:
    """What the clients saw: statuses and latencies by kind, and the writes' markers."""

    statuses: Counter[str] = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=lambda: {"read": [], "write": []})
    acknowledged: dict[str, int] = field(default_factory=dict)  # marker -> claim id
    failed: list[str] = field(default_factory=list)  # markers of writes not acknowledged
    errors: Counter[str] = field(default_factory=Counter)  # transport errors
    problems: list[str] = field(default_factory=list)  # bodies of 5xx answers
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int | str, seconds: float) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1
            self.latency[kind].append(seconds)

    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.split()[1].startswith("5"))

    def percentiles(self, kind: str) -> dict[str, float | None]:
        values = sorted(self.latency[kind])
        if not values:
            return {"p50_ms": None, "p99_ms": None}
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))]
        return {
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(p99 * 1000, 1),
        }


def claim_body(source_id: int, n: int, marker: str) -> dict[str, Any]:
    roles, statuses = list(Role), list(Status)
    return {
        "actor": STATES[n % len(STATES)],
        "kind": "commitment",
        "role": roles[n % len(roles)].value,
        "status": statuses[n % len(statuses)].value,
        "basis": "statement",
        "stated_on": (date(2025, 8, 20) - timedelta(days=n % 60)).isoformat(),
        "source_id": source_id,
        "evidence": {"text": "ready to send troops to Ukraine"},
        "note": marker,
    }


def post_claim(client: httpx.Client, tally: Tally, source_id: int, n: int) -> int | None:
    """POST one claim with a unique marker; the claim's id when acknowledged."""
    marker = f"soak-{uuid.uuid4().hex}"
    start = time.perf_counter()
    try:
        response = client.post("/api/v1/claims", json=claim_body(source_id, n, marker))
    except httpx.HTTPError as exc:
        tally.note("write", type(exc).__name__, time.perf_counter() - start)
        with tally.lock:
            tally.failed.append(marker)
        return None
    tally.note("write", response.status_code, time.perf_counter() - start)
    with tally.lock:
        if response.status_code == 201:
            claim_id = int(response.json()["id"])
            tally.acknowledged[marker] = claim_id
            return claim_id
        tally.failed.append(marker)
        if response.status_code >= 500:
            tally.problems.append(response.text[:300])
    return None


def read(client: httpx.Client, tally: Tally, path: str) -> httpx.Response | None:
    start = time.perf_counter()
    try:
        response = client.get(path)
    except httpx.HTTPError as exc:
        tally.note("read", type(exc).__name__, time.perf_counter() - start)
        return None
    tally.note("read", response.status_code, time.perf_counter() - start)
    if response.status_code >= 500:
        with tally.lock:
            tally.problems.append(response.text[:300])
    return response


def edit_claim(client: httpx.Client, tally: Tally, claim_id: int, n: int) -> None:
    """PATCH the claim at the version just read, or retract it (every fourth one)."""
    url = f"/api/v1/claims/{claim_id}"
    current = read(client, tally, url)
    if current is None or current.status_code != 200:
        return
    headers = {"If-Match": current.headers["ETag"]}
    start = time.perf_counter()
    try:
        if n % 4 == 0:
            response = client.post(f"{url}/retract", json={"reason": "soak"}, headers=headers)
        else:
            response = client.patch(url, json={"limits": f"edit {n}"}, headers=headers)
    except httpx.HTTPError as exc:
        tally.note("write", type(exc).__name__, time.perf_counter() - start)
        return
    tally.note("write", response.status_code, time.perf_counter() - start)
    if response.status_code >= 500:
        with tally.lock:
            tally.problems.append(response.text[:300])


def run_threads(workers: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=work, daemon=True) for work in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def client(base: str, token: str | None = None, timeout: float = 30) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base, headers=headers, timeout=timeout)


# ---- what the database holds afterwards ----


def stored(url: str, tally: Tally) -> dict[str, int]:
    """Acknowledged claims missing, without exactly one create entry, and failed writes
    that left a claim behind."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            ids = set(tally.acknowledged.values())
            found = set(session.scalars(select(Claim.id).where(Claim.note.like("soak-%"))))
            entries = Counter(
                session.scalars(
                    select(AuditEntry.record_key).where(
                        AuditEntry.record_type == "claim", AuditEntry.action == "create"
                    )
                )
            )
            traces = 0
            failed = tally.failed
            for n in range(0, len(failed), 500):
                chunk = failed[n : n + 500]
                traces += (
                    session.scalar(
                        select(func.count()).select_from(Claim).where(Claim.note.in_(chunk))
                    )
                    or 0
                )
    finally:
        engine.dispose()
    return {
        "acknowledged_missing": len(ids - found),
        "without_one_audit_entry": sum(1 for i in ids if entries[str(i)] != 1),
        "failed_writes_left_a_trace": traces,
    }


# ---- the checks ----


def check_writers(
    db: str, editors: int = 8, per_editor: int = 25, readers: int = 4
) -> dict[str, Any]:
    with database(db) as url:
        fixture = prepare(url, editors)
        tally = Tally()
        with Server(url) as server:
            done = threading.Event()

            def write(token: str, offset: int) -> Callable[[], None]:
                def work() -> None:
                    with client(server.base, token) as c:
                        for n in range(per_editor):
                            post_claim(c, tally, fixture.source_id, offset + n)

                return work

            def reader() -> None:
                with client(server.base) as c:
                    while not done.is_set():
                        read(c, tally, "/")

            reading = [threading.Thread(target=reader, daemon=True) for _ in range(readers)]
            for thread in reading:
                thread.start()
            started = time.perf_counter()
            run_threads([write(t, n * per_editor) for n, t in enumerate(fixture.tokens)])
            seconds = time.perf_counter() - started
            done.set()
            for thread in reading:
                thread.join()
        after = stored(url, tally)
    attempted = editors * per_editor
    failures = (attempted - len(tally.acknowledged)) + tally.server_errors() + sum(after.values())
    return {
        "check": "writers",
        "db": db,
        "attempted": attempted,
        "acknowledged": len(tally.acknowledged),
        "statuses": dict(tally.statuses),
        "seconds": round(seconds, 2),
        "writes_per_second": round(attempted / seconds, 1),
        "write": tally.percentiles("write"),
        "read": tally.percentiles("read"),
        **after,
        "failures": failures,
    }


def check_load(db: str, duration: float, readers: int = 32, writers: int = 4) -> dict[str, Any]:
    workers = 4 if db == "postgresql" else 1
    with database(db) as url:
        fixture = prepare(url, writers)
        tally = Tally()
        with Server(url, workers=workers) as server:
            deadline = time.monotonic() + duration

            def reader(n: int) -> Callable[[], None]:
                def work() -> None:
                    with client(server.base) as c:
                        k = n
                        while time.monotonic() < deadline:
                            read(c, tally, READ_PATHS[k % len(READ_PATHS)])
                            k += 1

                return work

            def writer(token: str, n: int) -> Callable[[], None]:
                def work() -> None:
                    with client(server.base, token) as c:
                        k = n * 1_000_000
                        while time.monotonic() < deadline:
                            claim_id = post_claim(c, tally, fixture.source_id, k)
                            if claim_id is not None:
                                edit_claim(c, tally, claim_id, k)
                            k += 1

                return work

            run_threads(
                [reader(n) for n in range(readers)]
                + [writer(t, n) for n, t in enumerate(fixture.tokens)]
            )
        after = stored(url, tally)
    return {
        "check": "load",
        "db": db,
        "workers": workers,
        "readers": readers,
        "writers": writers,
        "seconds": duration,
        "requests": sum(tally.statuses.values()),
        "statuses": dict(tally.statuses),
        "server_errors": tally.server_errors(),
        "acknowledged_creates": len(tally.acknowledged),
        "read": tally.percentiles("read"),
        "write": tally.percentiles("write"),
        **after,
        "failures": tally.server_errors() + sum(after.values()) + sum(tally.errors.values()),
        "examples": tally.problems[:3],
    }


# -- outage: a private PostgreSQL server, stopped and started under load --


def pg_bin(name: str) -> str | None:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else shutil.which(name)


@contextmanager
def private_postgres() -> Iterator[tuple[str, Callable[[], None], Callable[[], None]]]:
    """A PostgreSQL server of its own (initdb in a temporary folder, run as the postgres
    user): its URL and functions that stop and start it."""
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    if initdb is None or pg_ctl is None or os.geteuid() != 0 or not shutil.which("runuser"):
        raise Skip("needs PostgreSQL's server binaries and root (to run them as postgres)")
    folder = Path(tempfile.mkdtemp(prefix="posture-soak-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()

    def as_postgres(*command: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def start() -> None:
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        as_postgres(
            pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"
        )

    def stop() -> None:
        as_postgres(pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop")

    as_postgres(initdb, "-D", str(data), "-U", "postgres", "--auth=trust")
    start()
    try:
        as_postgres(
            str(Path(pg_ctl).parent / "createdb"), "-h", "127.0.0.1", "-p", str(port), "soak"
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/soak", stop, start
    finally:
        with suppress(subprocess.CalledProcessError):
            stop()
        shutil.rmtree(folder, ignore_errors=True)


class Skip(Exception):
    """A check this machine cannot run; the summary says why."""


def check_outage(db: str) -> dict[str, Any]:
    if db != "postgresql":
        raise Skip("PostgreSQL only (the embedded SQLite file has no server to stop)")
    with private_postgres() as (url, stop, start):
        fixture = prepare(url, 2)
        tally = Tally()
        with Server(url, workers=2) as server:
            down: list[tuple[int, float, str]] = []
            with client(server.base, fixture.tokens[0], timeout=10) as c:
                for n in range(20):
                    post_claim(c, tally, fixture.source_id, n)
                    read(c, tally, READ_PATHS[n % len(READ_PATHS)])
                stop()
                for n in range(20):
                    path = READ_PATHS[n % len(READ_PATHS)]
                    for method, target in (("GET", path), ("POST", "/api/v1/claims")):
                        started = time.perf_counter()
                        body = claim_body(fixture.source_id, n, f"soak-down-{n}")
                        try:
                            r = c.request(method, target, json=body if method == "POST" else None)
                            kind = r.headers.get("content-type", "")
                            down.append((r.status_code, time.perf_counter() - started, kind))
                        except httpx.HTTPError as exc:
                            down.append((0, time.perf_counter() - started, type(exc).__name__))
                start()
                recovered_after = None
                began = time.perf_counter()
                while time.perf_counter() - began < 30:
                    r = c.get("/api/v1/claims?limit=1")
                    if r.status_code == 200:
                        recovered_after = time.perf_counter() - began
                        break
                    time.sleep(0.2)
                for n in range(20):
                    post_claim(c, tally, fixture.source_id, 100 + n)
        after = stored(url, tally)
    statuses = Counter(status for status, _, _ in down)
    slowest = max(seconds for _, seconds, _ in down)
    problem_bodies = sum(
        1 for status, _, kind in down if status == 503 and "problem+json" in kind
    ) + sum(1 for status, _, kind in down if status == 503 and "text/html" in kind)
    bad = sum(n for status, n in statuses.items() if status != 503) + (slowest > 2) * 1
    return {
        "check": "outage",
        "db": db,
        "while_down": dict(statuses),
        "with_a_problem_or_page": problem_bodies,
        "slowest_answer_while_down_ms": round(slowest * 1000, 1),
        "recovered_after_s": None if recovered_after is None else round(recovered_after, 2),
        "acknowledged_creates": len(tally.acknowledged),
        **after,
        "failures": bad + (recovered_after is None) + sum(after.values()),
    }


# -- kill: SIGKILL the server in the middle of a large import --


def wait_for_writes(url: str, db: str, upload: threading.Thread, timeout: float = 120) -> bool:
    """Wait until the import writes claims (SQLite: its WAL file grows past 4 MB;
    PostgreSQL: a COPY or INSERT into claims is running); False if it never did."""
    deadline = time.monotonic() + timeout
    if db == "sqlite":
        wal = Path(make_url(url).database or "").with_name(
            Path(make_url(url).database or "").name + "-wal"
        )
        while time.monotonic() < deadline and upload.is_alive():
            if wal.exists() and wal.stat().st_size > 4 * 1024 * 1024:
                return True
            time.sleep(0.01)
        return False
    name = make_url(url).database
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            while time.monotonic() < deadline and upload.is_alive():
                running = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :name "
                        "AND state = 'active' AND (query ILIKE 'COPY claims%' "
                        "OR query ILIKE 'COPY \"claims\"%' OR query ILIKE 'INSERT INTO claims%')"
                    ),
                    {"name": name},
                )
                conn.rollback()
                if running:
                    return True
                time.sleep(0.01)
    finally:
        engine.dispose()
    return False


def check_kill(db: str, rows: int = 100_000) -> dict[str, Any]:
    with database(db) as url:
        fixture = prepare(url, 1)
        body = csv_text(rows, STATES, fixture.source_id).encode()
        engine = make_engine(url)

        def claims() -> int:
            with engine.connect() as conn:
                return int(conn.scalar(select(func.count()).select_from(Claim)) or 0)

        before = claims()
        env = {"POSTURE_BODY_SIZE_MAX": str(len(body) * 2)}
        server = Server(url, env=env)
        server.start()
        outcome: dict[str, Any] = {}

        def upload() -> None:
            try:
                with client(server.base, fixture.tokens[0], timeout=300) as c:
                    r = c.post(
                        "/api/v1/claims/import?format=csv",
                        content=body,
                        headers={"Content-Type": "text/csv"},
                    )
                    outcome["status"] = r.status_code
            except httpx.HTTPError as exc:
                outcome["status"] = type(exc).__name__

        thread = threading.Thread(target=upload, daemon=True)
        thread.start()
        # Kill once the import's transaction is writing its rows.
        writing = wait_for_writes(url, db, thread)
        server.stop(signal.SIGKILL)
        thread.join(timeout=60)
        after_kill = claims()
        engine.dispose()
        with Server(url, env=env) as again:
            ready = httpx.get(f"{again.base}/readyz", timeout=10).status_code
            listed = httpx.get(f"{again.base}/api/v1/claims?limit=1", timeout=10).status_code
        whole = after_kill in (before, before + rows)
    return {
        "check": "kill",
        "db": db,
        "rows": rows,
        "claims_before": before,
        "claims_after_kill": after_kill,
        "killed_while_writing": writing,
        "import_answer": outcome.get("status"),
        "all_or_none": whole,
        "readyz_after_restart": ready,
        "claims_list_after_restart": listed,
        "failures": (not whole) + (not writing) + (ready != 200) + (listed != 200),
    }


# -- disk: a full and a read-only disk under the SQLite file --


def check_disk(db: str) -> dict[str, Any]:
    if db != "sqlite":
        raise Skip("SQLite only (a PostgreSQL server's disk is the server's)")
    folder = Path(tempfile.mkdtemp(prefix="posture-soak-disk-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        folder.rmdir()
        raise Skip("cannot mount a tmpfs here (needs root with mount rights)")
    try:
        url = f"sqlite:///{folder / 'posture.db'}"
        fixture = prepare(url, 1)
        tally = Tally()
        with Server(url) as server, client(server.base, fixture.tokens[0]) as c:
            # Fill the disk with a file of its own, leaving a little room for the database.
            filler = folder / "filler"
            free = shutil.disk_usage(folder).free
            with filler.open("wb") as f:
                f.write(b"\0" * max(0, free - 256 * 1024))
            for n in range(400):
                post_claim(c, tally, fixture.source_id, n)
            full_answers = {k: v for k, v in tally.statuses.items() if k.startswith("write")}
            reads_when_full = read(c, tally, "/api/v1/claims?limit=5")
            filler.unlink()
            # Room again: writes succeed again, without a restart.
            after_room = post_claim(c, tally, fixture.source_id, 10_000)
        after = stored(url, tally)
    finally:
        subprocess.run(["umount", str(folder)], check=False)
        shutil.rmtree(folder, ignore_errors=True)
    full_refused = sum(v for k, v in full_answers.items() if k == "write 507")
    other = sum(v for k, v in full_answers.items() if k not in ("write 201", "write 507"))
    return {
        "check": "disk",
        "db": db,
        "writes_when_filling": full_answers,
        "read_when_full": None if reads_when_full is None else reads_when_full.status_code,
        "write_after_room_again": after_room is not None,
        **after,
        "failures": (full_refused == 0)
        + other
        + sum(after.values())
        + ((reads_when_full.status_code if reads_when_full else 0) != 200)
        + (after_room is None),
    }


CHECKS: dict[str, Callable[..., dict[str, Any]]] = {
    "writers": check_writers,
    "load": check_load,
    "outage": check_outage,
    "kill": check_kill,
    "disk": check_disk,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checks", nargs="*", metavar="CHECK", help=", ".join(CHECKS))
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the load check")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    args = parser.parse_args()
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    results: list[dict[str, Any]] = []
    unknown = set(args.checks) - set(CHECKS)
    if unknown:
        parser.error(f"unknown checks: {', '.join(sorted(unknown))}")
    for name in args.checks or list(CHECKS):
        for db in dbs:
            started = time.perf_counter()
            try:
                result = check_load(db, args.duration) if name == "load" else CHECKS[name](db)
            except Skip as why:
                result = {"check": name, "db": db, "skipped": str(why), "failures": 0}
            result["took_s"] = round(time.perf_counter() - started, 1)
            results.append(result)
            print(json.dumps(result), flush=True)
    failures = sum(int(r["failures"]) for r in results)
    print()
    for r in results:
        state = "skipped: " + r["skipped"] if "skipped" in r else f"{r['failures']} failures"
        print(f"{r['check']:8} {r['db']:10} {state}")
    print(f"soak: {failures} failures in {len(results)} checks")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
