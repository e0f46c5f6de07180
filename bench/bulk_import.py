"""Benchmark: import 100,000 claim rows from CSV into SQLite (issue 5: under 10 s).

    .venv/bin/python bench/bulk_import.py [--rows 100000]

Builds a throwaway database (migrated, all ISO states, one source with a stored text),
writes a CSV of valid rows, then times `app.transfer.bulk.import_claims` end to end:
parsing, row-by-row validation against the codebook, and the single transaction.
"""

import argparse
import csv
import io
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from app import migrate
from app.actors.service import seed_states
from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.sources.models import Source
from app.sources.service import content_hash
from app.transfer.bulk import import_claims
from app.vocab import Role, Status

TEXT = (
    "The government said it was ready to send troops to Ukraine once a ceasefire holds. "
    "Officials added that air defence systems would follow within weeks."
)


def build(url: str) -> tuple[list[str], int]:
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        seed_states(session)
        source = Source(
            title="Bench",
            published_on=date(2025, 8, 20),
            text=TEXT,
            content_hash=content_hash(TEXT),
        )
        session.add(source)
        session.flush()
        source_id = source.id
        from app.actors.models import Actor

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bulk.db'}"
        codes, source_id = build(url)
        content = csv_text(args.rows, codes, source_id)
        engine = make_engine(url)
        start = time.perf_counter()
        with make_session_factory(engine).begin() as session:
            report = import_claims(session, content, "csv")
        elapsed = time.perf_counter() - start
        with make_session_factory(engine)() as session:
            stored = session.scalar(select(func.count()).select_from(Claim))
        engine.dispose()
    print(f"rows: {args.rows:,} ({len(content) / 1e6:.1f} MB of CSV); stored: {stored:,}")
    print(
        f"import (parse, validate, one transaction) on SQLite: {elapsed:.2f} s "
        f"= {args.rows / elapsed:,.0f} rows/s (budget: 100,000 rows in under 10 s)"
    )
    assert report.created == args.rows


if __name__ == "__main__":
    main()
