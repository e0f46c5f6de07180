"""Benchmark: the overview matrix for 200 actors x 13 roles.

Builds a throwaway SQLite database with one accepted claim per actor and role, serves it
with `posture serve`, and prints the HTML size of `/` and how long headless Chromium
takes until the matrix is usable (DOMContentLoaded and load), median of several runs.

    .venv/bin/python bench/overview.py [--actors 200] [--runs 7]
"""

import argparse
import gzip
import statistics
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright
from sqlalchemy import select

from app import audit, migrate
from app.actors.models import Actor
from app.actors.service import seed_states
from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.ops.background import running_server
from app.sources.models import Source
from app.vocab import Role, Status

# The audit trail is written as the app writes it (create_app installs it there).
audit.install()

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def build_database(url: str, actors: int) -> int:
    """One accepted claim per actor and role, statuses spread over the ladder."""
    migrate.upgrade(url)
    engine = make_engine(url)
    statuses = [s.value for s in Status]
    with make_session_factory(engine).begin() as session:
        seed_states(session)
        ids = list(
            session.scalars(
                select(Actor.id).where(Actor.kind == "state").order_by(Actor.code).limit(actors)
            )
        )
        source = Source(title="Benchmark source", outlet="Bench", published_on=date(2025, 8, 20))
        session.add(source)
        session.flush()
        claims = [
            Claim(
                actor_id=actor_id,
                kind="commitment",
                role=role.value,
                status=statuses[(i + j) % len(statuses)],
                certainty="high",
                basis="statement",
                stated_on=date(2025, 8, 20) - timedelta(days=i % 30),
                source_id=source.id,
                evidence_text="benchmark evidence",
                review_state="accepted",
                via=[],
            )
            for i, actor_id in enumerate(ids)
            for j, role in enumerate(Role)
        ]
        session.add_all(claims)
    engine.dispose()
    return len(claims)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actors", type=int, default=200)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        n_claims = build_database(url, args.actors)
        with running_server(url) as server:
            base = server + "/?as_of=2025-08-20"
            with urllib.request.urlopen(base, timeout=30) as response:
                html = response.read()
            rows = html.count(b'<th scope="row">')
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
                )
                dcl, load, usable = [], [], []
                for _ in range(args.runs):
                    page = browser.new_page()
                    start = time.perf_counter()
                    page.goto(base, wait_until="load")
                    page.locator("#matrix table").wait_for()
                    usable.append(time.perf_counter() - start)
                    timing = page.evaluate(
                        "(() => { const t = performance.getEntriesByType('navigation')[0];"
                        " return [t.domContentLoadedEventEnd, t.loadEventEnd]; })()"
                    )
                    dcl.append(timing[0] / 1000)
                    load.append(timing[1] / 1000)
                    page.close()
                browser.close()
    print(f"actors x roles: {rows} actors x {len(Role)} roles ({n_claims} claims)")
    print(
        f"overview HTML: {len(html) / 1024:.0f} KiB "
        f"({len(gzip.compress(html)) / 1024:.0f} KiB gzipped; budget 300 KB)"
    )
    print(f"DOMContentLoaded: median {statistics.median(dcl) * 1000:.0f} ms")
    print(f"load event: median {statistics.median(load) * 1000:.0f} ms")
    print(
        f"navigation until the matrix is usable (as measured by Playwright): median "
        f"{statistics.median(usable) * 1000:.0f} ms, max {max(usable) * 1000:.0f} ms "
        f"over {args.runs} runs (budget 1 s)"
    )


if __name__ == "__main__":
    main()
