"""Benchmark: import 100,000 claim rows from CSV (issue: at least 20,000 rows/s).

    .venv/bin/python bench/bulk_import.py [--rows 100000] [--db sqlite|postgresql|both]
        [--runs 1] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

Builds a throwaway database (migrated, all ISO states, one source with a stored text) on
SQLite (a temporary file) or PostgreSQL (a new database on the server of --pg-url, dropped
afterwards), writes a CSV of valid rows, then times `app.transfer.bulk.import_claims` end
to end: parsing, validation against the codebook, the single transaction with the claims,
their conditions and one audit entry per claim. Each run gets a fresh database.
"""

import argparse
import csv
import io
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from app import audit, migrate
from app.actors.models import Actor
from app.actors.service import seed_states
from app.audit.models import AuditEntry
from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.sources.models import Source
from app.sources.service import content_hash
from app.transfer.bulk import import_claims
from app.vocab import Role, Status

# The audit trail is written as the app writes it (create_app installs it there).
audit.install()

TEXT = (
    "The government said it was ready to send troops to Ukraine once a ceasefire holds. "
    "Officials added that air defence systems would follow within weeks."
)
TARGET = 20_000  # rows per second


def add_source(session: Session, title: str = "Bench") -> int:
    """A source of TEXT, which every generated row quotes; its id."""
    source = Source(
        title=title, published_on=date(2025, 8, 20), text=TEXT, content_hash=content_hash(TEXT)
    )
    session.add(source)
    session.flush()
    return source.id


def build(url: str) -> tuple[list[str], int]:
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        seed_states(session)
        source_id = add_source(session)
        codes = list(session.scalars(select(Actor.code).where(Actor.kind == "state")))
    engine.dispose()
    return codes, source_id


def csv_text(rows: int, codes: list[str], source_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "actor",
            "kind",
            "role",
            "status",
            "basis",
            "certainty",
            "stated_on",
            "source_id",
            "evidence",
            "condition_types",
            "conditions",
            "via",
        ]
    )
    roles, statuses = list(Role), list(Status)
    for n in range(rows):
        conditional = n % 3 == 0
        writer.writerow(
            [
                codes[n % len(codes)],
                "commitment",
                roles[n % len(roles)].value,
                statuses[n % len(statuses)].value,
                "report",
                "high",
                "2025-08-19",
                source_id,
                "ready to send troops to Ukraine",
                "ceasefire" if conditional else "",
                "once a ceasefire holds" if conditional else "",
                "Reuters; AP",
            ]
        )
    return out.getvalue()


def pg_kwargs(url: URL) -> dict[str, Any]:
    """psycopg connection arguments for an SQLAlchemy URL."""
    return url.translate_connect_args(username="user", database="dbname")


@contextmanager
def throwaway(db: str, pg_url: str) -> Iterator[str]:
    """The URL of a new empty database, removed afterwards."""
    if db == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bulk.db'}"
        return
    admin = make_url(pg_url)
    name = f"bench_bulk_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(**pg_kwargs(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(**pg_kwargs(admin), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def run_once(db: str, rows: int, pg_url: str) -> tuple[float, int, int, int]:
    """One import into a fresh database: (seconds, CSV bytes, claims, audit entries)."""
    with throwaway(db, pg_url) as url:
        codes, source_id = build(url)
        content = csv_text(rows, codes, source_id)
        engine = make_engine(url)
        try:
            start = time.perf_counter()
            with make_session_factory(engine).begin() as session:
                report = import_claims(session, content, "csv")
            elapsed = time.perf_counter() - start
            with make_session_factory(engine)() as session:
                stored = session.scalar(select(func.count()).select_from(Claim)) or 0
                entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        finally:
            engine.dispose()
    assert report.created == rows
    return elapsed, len(content), stored, entries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--runs", type=int, default=1, help="imports per database")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server (its maintenance database) for --db postgresql",
    )
    args = parser.parse_args()
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for db in databases:
        times = []
        for _ in range(args.runs):
            elapsed, size, stored, entries = run_once(db, args.rows, args.pg_url)
            times.append(elapsed)
            print(
                f"rows: {args.rows:,} ({size / 1e6:.1f} MB of CSV); stored: {stored:,} claims, "
                f"{entries:,} audit entries",
                flush=True,
            )
            print(
                f"import (parse, validate, one transaction) on {db}: {elapsed:.2f} s "
                f"= {args.rows / elapsed:,.0f} rows/s (target: {TARGET:,} rows/s)",
                flush=True,
            )
        if len(times) > 1:
            median = statistics.median(times)
            print(
                f"{db}: median of {len(times)} runs {median:.2f} s = {args.rows / median:,.0f} "
                f"rows/s; each: {', '.join(f'{t:.2f}' for t in times)} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
