"""Benchmark: the positions questions at scale, in-process and over HTTP, against a floor."""

# What it does (docs/benchmarks.md has more):
#   1. a deterministic dataset (random.Random(seed)) of N accepted claims on 200 states x 13
#      roles and 50 initiatives, loaded through app.transfer.bulk.import_claims (the code path
#      of `posture import-claims --accept`) in chunks; then the analysis data (issue 10): 3
#      organisations with dated members and a few hundred claims of their own (the same
#      import), 2 milestones with dated states that the bulk data's ceasefire and peace
#      agreement conditions are linked to (by SQL: the import refuses linked conditions), one
#      us_backstop condition in two made to wait on a state's air_cover at pledged, and one
#      initiative's needs on 5 roles; cached: an SQLite file under bench/.cache/, a PostgreSQL
#      database, both named after N, the seed, the dataset's version and the Alembic head;
#   2. the raw floor, one per run for both databases: every existing (actor, role) and
#      (actor, initiative) cell with one index seek each, by Python's sqlite3 on the SQLite
#      data (loaded or reused even when only PostgreSQL is asked for); on PostgreSQL the same
#      seeks with psycopg, per cell and in one statement, are reported for information;
#   3. every question server-side (the service functions, in this process, never through the
#      answer cache) and over HTTP (`posture serve` in a subprocess) with the answer cache off
#      (POSTURE_ANSWER_CACHE_MB=0): cold run apart, then the median of the warm runs, as a
#      multiple of the floor; then over HTTP again with the cache on, after one warm-up request;
#   4. a cached matrix under concurrency (the cache-on server) next to a bare FastAPI endpoint
#      (bench/bare_app.py) served the same way, with wrk (or an httpx loop), and both servers'
#      peak RSS.
#
#     .venv/bin/python bench/positions.py [--claims N | --quick] [--db sqlite|postgresql|both]
#         [--runs 5] [--budget 20] [--fresh] [--prune] [--out bench/results/NAME.json]

import argparse
import asyncio
import csv
import gzip
import io
import json
import os
import platform
import random
import re
import resource
import shlex
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

import fastapi
import httpx
import psycopg
import pydantic
import sqlalchemy
import uvicorn
from alembic.script import ScriptDirectory
from psycopg import sql
from sqlalchemy import case, insert, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.actors import service as actor_service
from app.actors.models import Actor, Membership
from app.actors.service import seed_states
from app.audit import install as install_audit_trail
from app.audit import service as audit
from app.claims.models import ClaimCondition
from app.config import Settings
from app.db import make_engine, make_session_factory, utcnow
from app.initiatives.models import Initiative, InitiativeNeed
from app.milestones.models import Milestone, MilestoneState
from app.positions import service
from app.positions.cache import AnswerCache
from app.positions.schemas import Step
from app.sources.models import Source
from app.sources.service import content_hash
from app.transfer.bulk import import_claims
from app.vocab import ClaimKind, Role, Stance, Status

# The audit trail is written as the app writes it (create_app installs it there).
install_audit_trail()

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

# The data's shape.
ACTORS, INITIATIVES = 200, 50
CLAIMS_PER_SOURCE = 20
COMMITMENT_SHARE = 0.85
CONDITIONAL_SHARE = 0.2
FIRST_PUBLISHED, LAST_PUBLISHED = date(2022, 1, 1), date(2026, 11, 1)
BASES = ["statement", "statement", "report", "plan"]
CERTAINTIES = ["high", "high", "medium", "low"]
QUOTES_PER_SOURCE = 4
QUOTES = [
    "is ready to send troops once a ceasefire holds",
    "will not put soldiers on the ground",
    "is considering a role in a reassurance force",
    "has pledged air defence systems for the coming winter",
    "would help patrol the Black Sea shipping lanes",
    "sees no case for a European force at this stage",
    "will share intelligence with the coalition",
    "could train brigades on its own territory",
    "has withdrawn its offer of logistics support",
    "backs the framework as a basis for talks",
    "rejects any settlement that rewards aggression",
    "keeps its contribution confidential",
    "will fund the reconstruction package",
    "is prepared to act as a guarantor",
    "offers to host the next round of talks",
    "will extend sanctions for another six months",
]
CONDITIONS = [
    ("ceasefire", "once a ceasefire holds"),
    ("peace_agreement", "after a peace agreement is signed"),
    ("us_backstop", "with a United States backstop"),
    ("russian_consent", "if Moscow agrees"),
    ("other", "subject to a parliamentary vote"),
]
OUTLETS = ["Reuters", "AP", "AFP", "BBC", "Le Monde", "Der Spiegel", "Politico", "Kyiv Independent"]
THEMES = [
    "Peace framework",
    "Sanctions package",
    "Territorial offer",
    "Security guarantee plan",
    "Ceasefire proposal",
]
ACTOR_PAGE = "FR"
CSV_HEADER = [
    "actor",
    "kind",
    "role",
    "initiative",
    "status",
    "stance",
    "basis",
    "certainty",
    "stated_on",
    "source_id",
    "evidence",
    "condition_types",
    "conditions",
]
CHUNK_ROWS = 100_000

# The analysis data (issue 10), added after the claims, which it leaves as they were.
DATASET = "d2"  # in the cache key: what the data holds besides N claims of the seed
ORGANISATIONS = ["ORGA", "ORGB", "ORGC"]
MEMBERS = 40  # of the 200 states, per organisation
MEMBERS_LEFT = 6  # of them, memberships ended before AS_OF
MEMBERS_LATER = 2  # of them, memberships begun after AS_OF
ORGANISATION_CLAIMS = 100  # per organisation, through the bulk import
ORGANISATION_ROLES = [Role.GROUND_FORCES, Role.AIR_COVER, Role.AIR_DEFENSE, Role.TRAINING]
ORGANISATION_INITIATIVES = 3  # the first initiatives, for stances
MILESTONES = {
    # slug: (condition type, name, [(from_on, state)]); as of AS_OF the ceasefire has
    # failed (assuming it met changes the answer) and the peace agreement is met.
    "bench-ceasefire": (
        "ceasefire",
        "Bench ceasefire",
        [
            (date(2022, 3, 1), "pending"),
            (date(2023, 9, 15), "met"),
            (date(2024, 8, 1), "failed"),
            (date(2025, 10, 1), "met"),
        ],
    ),
    "bench-peace-agreement": (
        "peace_agreement",
        "Bench peace agreement",
        [(date(2022, 6, 1), "pending"), (date(2025, 3, 10), "met"), (date(2026, 2, 1), "failed")],
    ),
}
# One us_backstop condition in two (even ids) waits on this position instead: the United
# States are not among the 200 states.
REQUIRED_POSITION = ("GB", Role.AIR_COVER, Status.PLEDGED)
REQUIRED_TYPE = "us_backstop"
NEEDS_INITIATIVE = "peace-framework-1"  # the first initiative
# No quantities: the bench's claims have none, so none would count towards an amount.
NEEDS = [Role.GROUND_FORCES, Role.AIR_COVER, Role.AIR_DEFENSE, Role.NAVAL_SECURITY, Role.TRAINING]
ASSUME = "bench-ceasefire"

# The questions, as of one date.
AS_OF = date(2025, 6, 30)
CHANGES_FROM = date(2024, 12, 30)
COUNTS_FROM = date(2024, 1, 1)
CHANGES_LIMIT = 100
CACHED_PATH = "/api/v1/positions?as_of=2025-06-30&role=ground_forces"
HEADERS = {"Accept-Encoding": "gzip"}
REQUEST_TIMEOUT = 600.0
RSS_TARGET_MB = 300
ANSWER_CACHE_MB = Settings.model_fields["answer_cache_mb"].default
CACHE_SETTING = "POSTURE_ANSWER_CACHE_MB"
ACTOR_HISTORY = 200  # the actor page's HISTORY_SIZE
THROUGHPUT_TARGET = 0.5

FLOOR_SQL = {
    "role": "SELECT id, status FROM claims WHERE actor_id = {p} AND role = {p}"
    " AND stated_on <= {p} AND review_state = 'accepted' AND retracted_at IS NULL"
    " ORDER BY stated_on DESC LIMIT 1",
    "initiative": "SELECT id, stance FROM claims WHERE actor_id = {p} AND initiative_id = {p}"
    " AND stated_on <= {p} AND review_state = 'accepted' AND retracted_at IS NULL"
    " ORDER BY stated_on DESC LIMIT 1",
}

# The same seeks in one statement on PostgreSQL: what they cost without a statement each.
FLOOR_LATERAL_SQL = {
    "role": "SELECT x.id FROM unnest(%s::int[], %s::text[]) AS c(actor_id, role)"
    " CROSS JOIN LATERAL (SELECT id, status FROM claims WHERE actor_id = c.actor_id"
    " AND role = c.role AND stated_on <= %s AND review_state = 'accepted'"
    " AND retracted_at IS NULL ORDER BY stated_on DESC LIMIT 1) AS x",
    "initiative": "SELECT x.id FROM unnest(%s::int[], %s::int[]) AS c(actor_id, initiative_id)"
    " CROSS JOIN LATERAL (SELECT id, stance FROM claims WHERE actor_id = c.actor_id"
    " AND initiative_id = c.initiative_id AND stated_on <= %s AND review_state = 'accepted'"
    " AND retracted_at IS NULL ORDER BY stated_on DESC LIMIT 1) AS x",
}


# ---------------------------------------------------------------------------------------------
# The questions


def _matrix(session: Session, known_as_of: date | None = None, **filters: Any) -> Any:
    cells = service.cell_filter(session, **filters)
    return service.positions_as_of(session, AS_OF, known_as_of=known_as_of, cells=cells)


def _changes(session: Session) -> Any:
    cells = service.cell_filter(session)
    return service.position_changes(
        session, CHANGES_FROM, AS_OF, known_as_of=None, cells=cells, limit=CHANGES_LIMIT
    )


def _counts(session: Session, **extra: Any) -> Any:
    return service.position_counts(
        session,
        role=Role.GROUND_FORCES,
        initiative=None,
        start=COUNTS_FROM,
        end=AS_OF,
        step=Step.MONTH,
        known_as_of=None,
        group=None,
        **extra,
    )


def _overview(session: Session) -> Any:
    # The service calls of `/` (pages.overview); rendering is measured over HTTP only.
    service.date_span(session)
    matrix = _matrix(session, kind=ClaimKind.COMMITMENT)
    service.group_choices(session)
    return matrix


def _actor_page(session: Session) -> Any:
    # The service calls of `/actors/{code}` (actors.pages.actor_page).
    actor_service.actor_detail(session, actor_service.require_actor(session, ACTOR_PAGE))
    _, last = service.date_span(session)
    cells = service.cell_filter(session, actors=[ACTOR_PAGE])
    service.positions_as_of(session, last or date.today(), known_as_of=None, cells=cells)
    timeline = service.actor_timeline(session, ACTOR_PAGE, limit=ACTOR_HISTORY, newest_first=True)
    audit.history_context(session, "actor", ACTOR_PAGE)
    return timeline


def _feed(session: Session) -> Any:
    return service.change_feed(session, actor=None, role=None)


# The analysis views (issue 10). Their modules are imported when asked, so that one that
# fails to import is that question's error, not the benchmark's.


def _matrix_data(session: Session, **options: Any) -> Any:
    # What the API writes out: the matrix as plain data, with assumptions or inheritance.
    cells = service.cell_filter(session)
    return service.position_matrix(session, AS_OF, known_as_of=None, cells=cells, **options)


def _contested(session: Session) -> Any:
    from app.contested import service as contested

    cells = service.cell_filter(session)
    return contested.contested_cells(session, AS_OF, known_as_of=None, cells=cells)


def _needs(session: Session) -> Any:
    from app.initiatives import service as initiatives

    return initiatives.initiative_needs(session, NEEDS_INITIATIVE, AS_OF, known_as_of=None)


@dataclass(frozen=True)
class Question:
    """One question: its HTTP path, its service calls, its target as a multiple of the floor."""

    key: str
    path: str
    server: Callable[[Session], Any]
    target: dict[str, float]


def _both(x: float) -> dict[str, float]:
    return {"sqlite": x, "postgresql": x}


QUESTIONS = [
    Question(
        "positions_all",
        "/api/v1/positions?as_of=2025-06-30",
        _matrix,
        {"sqlite": 4, "postgresql": 2},
    ),
    Question(
        "positions_role",
        "/api/v1/positions?as_of=2025-06-30&role=ground_forces",
        lambda s: _matrix(s, roles=[Role.GROUND_FORCES]),
        _both(0.5),
    ),
    Question(
        "positions_role_known",
        "/api/v1/positions?as_of=2025-06-30&role=ground_forces&known_as_of=2025-06-30",
        lambda s: _matrix(s, known_as_of=AS_OF, roles=[Role.GROUND_FORCES]),
        _both(1),
    ),
    Question(
        "changes",
        f"/api/v1/changes?from=2024-12-30&to=2025-06-30&limit={CHANGES_LIMIT}",
        _changes,
        _both(8),
    ),
    Question(
        "counts",
        "/api/v1/positions/counts?role=ground_forces&from=2024-01-01&to=2025-06-30&step=month",
        _counts,
        _both(4),
    ),
    Question("overview", "/?as_of=2025-06-30", _overview, _both(6)),
    Question("actor", f"/actors/{ACTOR_PAGE}", _actor_page, _both(4)),
    Question("feed", "/feed.atom", _feed, _both(1)),
    Question(
        "positions_all_assume",
        f"/api/v1/positions?as_of=2025-06-30&assume={ASSUME}",
        lambda s: _matrix_data(s, assume=[ASSUME]),
        {"sqlite": 4, "postgresql": 2},
    ),
    Question(
        "positions_all_inherit",
        "/api/v1/positions?as_of=2025-06-30&inherit=true",
        lambda s: _matrix_data(s, inherit=True),
        {"sqlite": 5, "postgresql": 3},
    ),
    Question(
        "counts_assume",
        "/api/v1/positions/counts?role=ground_forces&from=2024-01-01&to=2025-06-30&step=month"
        f"&assume={ASSUME}",
        lambda s: _counts(s, assume=[ASSUME]),
        _both(4),
    ),
    Question("contested", "/api/v1/contested?as_of=2025-06-30", _contested, _both(4)),
    Question(
        "needs",
        f"/api/v1/initiatives/{NEEDS_INITIATIVE}/needs?as_of=2025-06-30",
        _needs,
        _both(1),
    ),
]


# ---------------------------------------------------------------------------------------------
# The data


def size_label(n: int) -> str:
    """100000 -> '100k', 1000000 -> '1m'; other sizes as they are."""
    if n % 1_000_000 == 0:
        return f"{n // 1_000_000}m"
    if n % 1_000 == 0:
        return f"{n // 1_000}k"
    return str(n)


def alembic_head() -> str:
    """The head revision(s) of the migrations, for the cache key."""
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return "_".join(sorted(re.sub(r"[^a-z0-9]", "", h.lower()) for h in script.get_heads()))


def cache_key(prefix: str, n: int, seed: int, head: str) -> str:
    """The name of a cached database: N, seed, dataset and head, short enough for PostgreSQL."""
    key = f"{prefix}_n{n}_s{seed}_{DATASET}_{head}"
    if len(key) > 54:  # PostgreSQL names stop at 63; "_loading" must still fit
        key = f"{prefix}_n{n}_s{seed}_{DATASET}_{content_hash(head)[:12]}"
    return key


def pick_actors(codes: Sequence[str]) -> list[str]:
    """The first 200 state codes, always with the actor page's state."""
    chosen = list(codes[:ACTORS])
    if ACTOR_PAGE not in chosen:
        chosen[-1] = ACTOR_PAGE
    return chosen


def add_initiatives(session: Session, rng: random.Random) -> list[str]:
    """The initiatives the stances are about; their slugs."""
    span = (LAST_PUBLISHED - FIRST_PUBLISHED).days
    initiatives = [
        Initiative(
            slug=f"{THEMES[k % len(THEMES)].lower().replace(' ', '-')}-{k // len(THEMES) + 1}",
            name=f"{THEMES[k % len(THEMES)]} {k // len(THEMES) + 1}",
            first_reported_on=FIRST_PUBLISHED + timedelta(days=rng.randrange(span)),
        )
        for k in range(INITIATIVES)
    ]
    session.add_all(initiatives)
    session.flush()
    return [i.slug for i in initiatives]


def add_sources(
    session: Session, rng: random.Random, count: int, seed: int
) -> list[tuple[int, date, tuple[str, ...]]]:
    """Sources with a short text each; (id, published_on, the quotes its text holds)."""
    span = (LAST_PUBLISHED - FIRST_PUBLISHED).days
    now = utcnow()
    rows, facts = [], []
    for k in range(1, count + 1):
        published = FIRST_PUBLISHED + timedelta(days=rng.randint(0, span))
        outlet = rng.choice(OUTLETS)
        quotes = tuple(rng.sample(QUOTES, QUOTES_PER_SOURCE))
        text = f"{outlet}, {published.isoformat()}, dispatch {k}. " + " ".join(
            f"Officials said the government {q}." for q in quotes
        )
        url = f"https://bench.example/{seed}/{k}"
        rows.append(
            {
                "title": f"{outlet} dispatch {k}",
                "outlet": outlet,
                "url": url,
                "published_on": published,
                "language": "en",
                "text": text,
                "content_hash": content_hash(text),
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
        facts.append((url, published, quotes))
    table = Source.__table__
    for start in range(0, len(rows), 10_000):
        session.connection().execute(insert(table), rows[start : start + 10_000])
    ids = dict(session.execute(select(Source.url, Source.id)).all())
    return [(ids[url], published, quotes) for url, published, quotes in facts]


def claim_tail(
    rng: random.Random,
    sources: Sequence[tuple[int, date, tuple[str, ...]]],
    tally: dict[str, int],
) -> list[Any]:
    """A claim row's columns from basis on: a source, a date just before it, a quote."""
    source_id, published, quotes = sources[rng.randrange(len(sources))]
    stated_on = published - timedelta(days=rng.randint(0, 2))
    basis, certainty = rng.choice(BASES), rng.choice(CERTAINTIES)
    evidence = rng.choice(quotes)
    condition = rng.choice(CONDITIONS) if rng.random() < CONDITIONAL_SHARE else ("", "")
    tally["conditional"] += bool(condition[0])
    return [basis, certainty, stated_on.isoformat(), source_id, evidence, *condition]


def claim_rows(
    rng: random.Random,
    n: int,
    actors: Sequence[str],
    slugs: Sequence[str],
    sources: Sequence[tuple[int, date, tuple[str, ...]]],
    tally: dict[str, int],
) -> Iterator[list[Any]]:
    """N claim rows for the bulk import; every cell gets one claim before any gets two."""
    role_cells = [(a, r.value) for a in actors for r in Role]
    stance_cells = [(a, s) for a in actors for s in slugs]
    rng.shuffle(role_cells)
    rng.shuffle(stance_cells)
    statuses, stances = [s.value for s in Status], [s.value for s in Stance]
    roles_used = stances_used = 0
    for _ in range(n):
        tail = claim_tail(rng, sources, tally)
        if rng.random() < COMMITMENT_SHARE:
            if roles_used < len(role_cells):
                actor, role = role_cells[roles_used]
                roles_used += 1
            else:
                actor, role = role_cells[rng.randrange(len(role_cells))]
            tally["commitments"] += 1
            yield [actor, "commitment", role, "", rng.choice(statuses), "", *tail]
        else:
            if stances_used < len(stance_cells):
                actor, slug = stance_cells[stances_used]
                stances_used += 1
            else:
                actor, slug = stance_cells[rng.randrange(len(stance_cells))]
            tally["stances"] += 1
            yield [actor, "stance", "", slug, "", rng.choice(stances), *tail]


def csv_chunks(rows: Iterator[list[Any]], size: int) -> Iterator[tuple[int, str]]:
    """The rows as CSV files of at most `size` rows each: (rows, text)."""
    while True:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(CSV_HEADER)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
            if count == size:
                break
        if not count:
            return
        yield count, out.getvalue()


def organisation_rows(
    rng: random.Random,
    slugs: Sequence[str],
    sources: Sequence[tuple[int, date, tuple[str, ...]]],
    tally: dict[str, int],
) -> list[list[Any]]:
    """The organisations' own claims: commitments on a few roles, stances on a few
    initiatives, in turn, as the bulk data's rows."""
    statuses, stances = [s.value for s in Status], [s.value for s in Stance]
    objects = [("commitment", r.value, "") for r in ORGANISATION_ROLES]
    objects += [("stance", "", slug) for slug in slugs[:ORGANISATION_INITIATIVES]]
    rows = []
    for code in ORGANISATIONS:
        for k in range(ORGANISATION_CLAIMS):
            kind, role, slug = objects[k % len(objects)]
            tail = claim_tail(rng, sources, tally)
            if kind == "commitment":
                tally["commitments"] += 1
                rows.append([code, kind, role, "", rng.choice(statuses), "", *tail])
            else:
                tally["stances"] += 1
                rows.append([code, kind, "", slug, "", rng.choice(stances), *tail])
    return rows


def add_organisations(session: Session, rng: random.Random, actors: Sequence[str]) -> int:
    """The organisations, each with MEMBERS of the states as dated members: most joined
    before the data begins and are still members, some left before AS_OF, a few joined
    after it; how many memberships."""
    ids = dict(session.execute(select(Actor.code, Actor.id).where(Actor.code.in_(actors))).all())
    count = 0
    for n, code in enumerate(ORGANISATIONS):
        name = f"Bench organisation {code[-1]}"
        organisation = Actor(code=code, kind="organization", name=name)
        session.add(organisation)
        session.flush()
        for k, member in enumerate(sorted(rng.sample(list(actors), MEMBERS))):
            joined = date(1990 + 3 * n, 1, 1) + timedelta(days=rng.randrange(8_000))
            left = None
            if k < MEMBERS_LEFT:
                left = FIRST_PUBLISHED + timedelta(
                    days=rng.randrange((AS_OF - FIRST_PUBLISHED).days)
                )
            elif k < MEMBERS_LEFT + MEMBERS_LATER:
                joined = AS_OF + timedelta(days=1 + rng.randrange(300))
            session.add(
                Membership(
                    group_id=organisation.id, member_id=ids[member], from_on=joined, until_on=left
                )
            )
            count += 1
    session.flush()
    return count


def _source_before(
    sources: Sequence[tuple[int, date, tuple[str, ...]]], day: date
) -> tuple[int, date, tuple[str, ...]]:
    # The latest source published by `day` (the first one when none is).
    earlier = [s for s in sources if s[1] <= day]
    return max(earlier, key=lambda s: (s[1], s[0])) if earlier else min(sources, key=lambda s: s[1])


def add_milestones(
    session: Session, sources: Sequence[tuple[int, date, tuple[str, ...]]]
) -> dict[str, int]:
    """The milestones with their dated states, each on a source's sentence; their ids."""
    ids = {}
    for slug, (condition_type, name, states) in MILESTONES.items():
        milestone = Milestone(slug=slug, name=name, condition_type=condition_type)
        for from_on, state in states:
            source_id, _, quotes = _source_before(sources, from_on)
            text = session.scalar(select(Source.text).where(Source.id == source_id)) or ""
            span = f"Officials said the government {quotes[0]}."
            start = text.index(span)
            milestone.states.append(
                MilestoneState(
                    state=state,
                    from_on=from_on,
                    source_id=source_id,
                    evidence_text=span,
                    evidence_start=start,
                    evidence_end=start + len(span),
                )
            )
        session.add(milestone)
        session.flush()
        ids[slug] = milestone.id
    return ids


def link_conditions(session: Session, milestones: dict[str, int]) -> dict[str, int]:
    """Link the conditions as an editor would, by SQL (the bulk import refuses linked
    conditions): each ceasefire and peace agreement condition to its milestone, one
    us_backstop condition in two to a position; how many of each."""
    table = ClaimCondition.__table__
    by_type = {MILESTONES[slug][0]: milestone_id for slug, milestone_id in milestones.items()}
    to_milestones = session.execute(
        update(table)
        .where(table.c.type.in_(list(by_type)))
        .values(milestone_id=case(by_type, value=table.c.type))
    )
    code, role, status = REQUIRED_POSITION
    actor_id = session.scalar(select(Actor.id).where(Actor.code == code))
    to_position = session.execute(
        update(table)
        .where(table.c.type == REQUIRED_TYPE, table.c.id % 2 == 0)
        .values(requires_actor_id=actor_id, requires_role=role.value, requires_status=status.value)
    )
    return {"to_milestones": to_milestones.rowcount, "to_position": to_position.rowcount}


def add_needs(session: Session, slugs: Sequence[str]) -> int:
    """The needs of one initiative, on NEEDS' roles; how many."""
    assert NEEDS_INITIATIVE in slugs, NEEDS_INITIATIVE
    initiative_id = session.scalar(select(Initiative.id).where(Initiative.slug == NEEDS_INITIATIVE))
    session.add_all(InitiativeNeed(initiative_id=initiative_id, role=r.value) for r in NEEDS)
    session.flush()
    return len(NEEDS)


def add_analysis_data(
    factory: sessionmaker[Session],
    rng: random.Random,
    actors: Sequence[str],
    slugs: Sequence[str],
    sources: Sequence[tuple[int, date, tuple[str, ...]]],
) -> dict[str, Any]:
    """What the analysis views read, on top of the claims: organisations with members and
    claims of their own (through the bulk import), milestones with the conditions linked
    to them, conditions waiting on a position, an initiative's needs."""
    with factory.begin() as session:
        session.info["audit_agent"] = "bench"
        memberships = add_organisations(session, rng, actors)
    tally = {"commitments": 0, "stances": 0, "conditional": 0}
    rows = organisation_rows(rng, slugs, sources, tally)
    _, content = next(csv_chunks(iter(rows), len(rows)))
    with factory.begin() as session:
        session.info["audit_agent"] = "bench"
        report = import_claims(session, content, "csv", accept=True)
        assert report.created == len(rows), report
    with factory.begin() as session:
        session.info["audit_agent"] = "bench"
        milestones = add_milestones(session, sources)
        linked = link_conditions(session, milestones)
        needs = add_needs(session, slugs)
    return {
        "organisations": len(ORGANISATIONS),
        "memberships": memberships,
        "organisation_claims": len(rows),
        "organisation_conditional": tally["conditional"],
        "milestones": len(milestones),
        "milestone_states": sum(len(m[2]) for m in MILESTONES.values()),
        "conditions_to_milestones": linked["to_milestones"],
        "conditions_to_position": linked["to_position"],
        "needs": needs,
        "needs_initiative": NEEDS_INITIATIVE,
    }


def load(url: str, n: int, seed: int, chunk_rows: int) -> dict[str, Any]:
    """Migrate and fill an empty database; the claims go through the bulk import, in chunks."""
    started = time.perf_counter()
    migrate.upgrade(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    rng = random.Random(seed)
    n_sources = max(1, n // CLAIMS_PER_SOURCE)
    with factory.begin() as session:
        session.info["audit_agent"] = "bench"
        seed_states(session)
        codes = sorted(session.scalars(select(Actor.code).where(Actor.kind == "state")))
        actors = pick_actors(codes)
        slugs = add_initiatives(session, rng)
        sources = add_sources(session, rng, n_sources, seed)
    tally = {"commitments": 0, "stances": 0, "conditional": 0}
    import_s, chunks, done = 0.0, 0, 0
    for count, content in csv_chunks(claim_rows(rng, n, actors, slugs, sources, tally), chunk_rows):
        start = time.perf_counter()
        with factory.begin() as session:
            session.info["audit_agent"] = "bench"
            report = import_claims(session, content, "csv", accept=True)
        import_s += time.perf_counter() - start
        assert report.created == count, report
        chunks += 1
        done += count
        print(
            f"  loaded {done:,} of {n:,} claims ({done / (time.perf_counter() - started):,.0f}/s)",
            flush=True,
        )
    load_s = time.perf_counter() - started  # the claims' figure, without what follows
    start = time.perf_counter()
    analysis = add_analysis_data(factory, rng, actors, slugs, sources)
    analysis["load_s"] = round(time.perf_counter() - start, 2)
    print(f"  added the analysis data in {analysis['load_s']} s", flush=True)
    engine.dispose()
    return {
        "loaded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "claims": n,
        **tally,
        "actors": len(actors),
        "initiatives": len(slugs),
        "sources": n_sources,
        "chunks": chunks,
        "chunk_rows": chunk_rows,
        "load_s": round(load_s, 2),
        "claims_per_s": round(n / load_s),
        "import_s": round(import_s, 2),
        "import_claims_per_s": round(n / import_s),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "analysis": analysis,
    }


def pg_kwargs(url: URL) -> dict[str, Any]:
    """psycopg connection arguments for an SQLAlchemy URL."""
    return url.translate_connect_args(username="user", database="dbname")


def _sidecar(key: str) -> Path:
    return CACHE_DIR / f"{key}.json"


def _reused(key: str) -> dict[str, Any]:
    path = _sidecar(key)
    info = json.loads(path.read_text()) if path.exists() else {}
    return {**info, "loaded": False}


def prepare_sqlite(n: int, seed: int, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The cached SQLite file for N and seed at the current head, loaded when missing."""
    key = cache_key("positions", n, seed, alembic_head())
    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"{key}.db"
    _stale([p for p in CACHE_DIR.glob(f"positions_n{n}_s{seed}_*.db") if p != path], args.prune)
    if args.fresh:
        path.unlink(missing_ok=True)
    if path.exists():
        info = _reused(key)
    else:
        loading = path.with_name(f"{key}.loading.db")
        loading.unlink(missing_ok=True)
        Path(f"{loading}-journal").unlink(missing_ok=True)
        info = load(f"sqlite:///{loading}", n, seed, args.chunk_rows)
        os.replace(loading, path)
        _sidecar(key).write_text(json.dumps(info, indent=2) + "\n")
        info["loaded"] = True
    info.update(key=key, path=str(path.relative_to(ROOT)), size_mb=_mb(path.stat().st_size))
    return f"sqlite:///{path}", info


def _stale(paths: Sequence[Path], prune: bool) -> None:
    for path in paths:
        if prune:
            path.unlink()
            path.with_suffix(".json").unlink(missing_ok=True)
            print(f"  removed a stale cache: {path.name}")
        else:
            print(f"  stale cache (another head), {_mb(path.stat().st_size):,} MB: {path.name}")


def _mb(n: float) -> float:
    return round(n / 2**20, 1)


def prepare_postgresql(n: int, seed: int, args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The cached PostgreSQL database for N and seed at the current head, loaded when missing."""
    admin = make_url(args.pg_url)
    key = cache_key("bench_positions", n, seed, alembic_head())
    loading = f"{key}_loading"
    url = admin.set(database=key)
    with psycopg.connect(**pg_kwargs(admin), autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s",
                (f"bench\\_positions\\_n{n}\\_s{seed}\\_%",),
            )
        ]
        for name in names:
            if name == key and not args.fresh:
                continue
            if name in (key, loading) or args.prune:
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
                if name not in (key, loading):
                    print(f"  dropped a stale cache: {name}")
            else:
                print(f"  stale cache (another head): database {name}")
        if key in names and not args.fresh:
            info = _reused(key)
        else:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(loading)))
            info = None
    if info is None:
        loading_url = admin.set(database=loading)
        info = load(loading_url.render_as_string(hide_password=False), n, seed, args.chunk_rows)
        start = time.perf_counter()
        # What autovacuum would do sooner or later: statistics and the visibility map.
        with psycopg.connect(**pg_kwargs(loading_url), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        info["vacuum_analyze_s"] = round(time.perf_counter() - start, 2)
        with psycopg.connect(**pg_kwargs(admin), autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                    sql.Identifier(loading), sql.Identifier(key)
                )
            )
        CACHE_DIR.mkdir(exist_ok=True)
        _sidecar(key).write_text(json.dumps(info, indent=2) + "\n")
        info["loaded"] = True
    with psycopg.connect(**pg_kwargs(url)) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        info["size_mb"] = _mb(row[0] if row else 0)
    info["key"] = key
    return url.render_as_string(hide_password=False), info


# ---------------------------------------------------------------------------------------------
# Measuring


def measure(fn: Callable[[], Any], runs: int, budget: float) -> tuple[dict[str, Any], Any]:
    """A cold run, then up to `runs` warm runs (one at least) within `budget` s; the last result."""
    times: list[float] = []
    result = None
    while len(times) < runs + 1 and (len(times) < 2 or sum(times) < budget):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    figure = {
        "cold_s": round(times[0], 5),
        "median_s": round(statistics.median(times[1:]), 5),
        "runs_s": [round(t, 5) for t in times[1:]],
    }
    return figure, result


def floor_cells(backend: str, url: str) -> list[tuple[str, int, Any]]:
    """Every existing (actor, role) and (actor, initiative) pair, by actor."""
    query = (
        "SELECT DISTINCT actor_id, role FROM claims WHERE role IS NOT NULL",
        "SELECT DISTINCT actor_id, initiative_id FROM claims WHERE initiative_id IS NOT NULL",
    )
    with _raw_connection(backend, url) as conn:
        roles = conn.execute(query[0]).fetchall()
        initiatives = conn.execute(query[1]).fetchall()
    cells = [("role", a, o) for a, o in roles] + [("initiative", a, o) for a, o in initiatives]
    return sorted(cells, key=lambda c: (c[1], c[0], str(c[2])))


@contextmanager
def _raw_connection(backend: str, url: str) -> Iterator[Any]:
    if backend == "sqlite":
        conn = sqlite3.connect(make_url(url).database or "")
    else:
        conn = psycopg.connect(**pg_kwargs(make_url(url)))
    try:
        yield conn
    finally:
        conn.close()


def _floor_params(cells: Sequence[tuple[str, int, Any]], mark: str, day: Any) -> list[Any]:
    statements = {k: v.format(p=mark) for k, v in FLOOR_SQL.items()}
    return [(statements[which], (actor_id, obj, day)) for which, actor_id, obj in cells]


def measure_floor(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The floor of every ratio: the cells by sqlite3 on the SQLite data, a seek each."""
    cells = floor_cells("sqlite", url)
    params = _floor_params(cells, "?", AS_OF.isoformat())
    with _raw_connection("sqlite", url) as conn:

        def run() -> int:
            return sum(conn.execute(q, p).fetchone() is not None for q, p in params)

        figure, found = measure(run, args.runs, args.budget)
    return {**figure, "cells": len(cells), "found": found, "driver": "sqlite3"}


def measure_pg_seeks(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The floor's seeks on PostgreSQL, a statement each and all in one: information only."""
    # A statement per cell is mostly client round trips: why the floor is SQLite's.
    cells = floor_cells("postgresql", url)
    params = _floor_params(cells, "%s", AS_OF)
    with _raw_connection("postgresql", url) as conn:

        def one_by_one() -> int:
            return sum(conn.execute(q, p, prepare=True).fetchone() is not None for q, p in params)

        def in_one_statement() -> int:
            found = 0
            for which, sql_text in FLOOR_LATERAL_SQL.items():
                pairs = [(a, o) for w, a, o in cells if w == which]
                values = ([a for a, _ in pairs], [o for _, o in pairs], AS_OF)
                found += len(conn.execute(sql_text, values).fetchall())
            return found

        per_cell, found = measure(one_by_one, args.runs, args.budget)
        lateral, _ = measure(in_one_statement, args.runs, args.budget)
    return {
        "driver": f"psycopg {psycopg.__version__}",
        "cells": len(cells),
        "found": found,
        "per_cell": per_cell,
        "in_one_statement": lateral,
    }


@contextmanager
def _without_answer_cache() -> Iterator[None]:
    # The service functions take no cache; this makes sure no call reaches one.
    refused = RuntimeError("an in-process question went through the answer cache")
    with (
        patch.object(AnswerCache, "get", side_effect=refused),
        patch.object(AnswerCache, "put", side_effect=refused),
    ):
        yield


def measure_server(url: str, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Each question's service calls in this process, one session and transaction a run."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    results: dict[str, dict[str, Any]] = {}
    try:
        for question in QUESTIONS:

            def run(q: Question = question) -> Any:
                with factory() as session, session.begin():
                    return q.server(session)

            try:
                with _without_answer_cache():
                    figure, result = measure(run, args.runs, args.budget)
            except Exception as exc:  # a question the app cannot answer yet is reported
                results[question.key] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
            else:
                shown = dict(result) if isinstance(result, pydantic.BaseModel) else result
                results[question.key] = {**figure, **answer_facts(shown)}
            _progress("server", question, results[question.key])
    finally:
        engine.dispose()
    return results


def answer_facts(data: Any) -> dict[str, Any]:
    """What a figure notes of an answer: a matrix's cells; a page of changes, its total."""
    if not isinstance(data, dict):
        return {}
    facts: dict[str, Any] = {}
    if isinstance(data.get("cells"), list):
        facts["cells"] = len(data["cells"])
    if isinstance(data.get("changes"), list):
        facts.update(
            changes=len(data["changes"]),
            total=data.get("total"),
            next_cursor=data.get("next_cursor") is not None,
        )
    cells = data.get("cells") if isinstance(data.get("cells"), list) else []
    if data.get("inherit"):
        facts.update(
            inherited=sum(bool(_field(c, "inherited_from")) for c in cells),
            opt_outs=sum(bool(_field(c, "opt_out")) for c in cells),
        )
    if data.get("assume") and cells:
        facts["by_assumption"] = sum(bool(_field(c, "in_effect_by_assumption")) for c in cells)
    if isinstance(data.get("needs"), list):
        facts.update(
            needs=len(data["needs"]),
            needs_filled=sum(bool(_field(n, "filled")) for n in data["needs"]),
            need_actors=sum(len(_field(n, "actors") or ()) for n in data["needs"]),
        )
    return facts


def _field(item: Any, name: str) -> Any:
    # A field of an answer's item: a dict's (JSON, plain data) or a model's.
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _progress(mode: str, question: Question, figure: dict[str, Any]) -> None:
    if "error" in figure:
        print(f"  {mode:6} {question.path}: {figure['error']}", flush=True)
    else:
        print(
            f"  {mode:6} {question.path}: cold {_time(figure['cold_s'])}, "
            f"median {_time(figure['median_s'])} ({len(figure['runs_s'])} runs)",
            flush=True,
        )


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(
    argv: Sequence[str], env: dict[str, str], probe: str, log: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A server started with `argv --port P`, once it answers `probe`; stopped afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = subprocess.Popen([*argv, "--port", str(port)], env=env, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                raise RuntimeError(
                    f"{argv[0]} exited ({proc.returncode}): {log.read_text()[-2000:]}"
                )
            try:
                httpx.get(base + probe, timeout=5)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not answer within 180 s") from None
                time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process plus that of its descendants, in MiB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        proc = Path(f"/proc/{current}")
        try:
            status = (proc / "status").read_text()
            for task in (proc / "task").iterdir():
                pending.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        total += int(match.group(1)) if match else 0
    return round(total / 1024, 1)


def measure_request(client: httpx.Client, path: str, args: argparse.Namespace) -> dict[str, Any]:
    """GET a path (the whole body read) as `measure` does; status, size and gzipped size."""
    statuses: set[int] = set()

    def run() -> httpx.Response:
        response = client.get(path)
        statuses.add(response.status_code)
        return response

    try:
        figure, response = measure(run, args.runs, args.budget)
    except httpx.HTTPError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:500]}
    by_server = response.headers.get("content-encoding") == "gzip"
    body = response.content
    figure.update(
        status=sorted(statuses),
        bytes=len(body),
        gzip_bytes=response.num_bytes_downloaded if by_server else len(gzip.compress(body)),
        gzip_by_server=by_server,
    )
    if response.headers.get("content-type", "").startswith("application/json"):
        figure.update(answer_facts(response.json()))
    if statuses != {200}:
        figure["error"] = f"HTTP {sorted(statuses)}: {body[:300].decode(errors='replace')}"
    return figure


def throughput(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Requests per second on one URL under concurrency; a failure is reported, not raised."""
    try:
        return _throughput(url, args)
    except (httpx.HTTPError, subprocess.CalledProcessError, OSError) as exc:
        return {"tool": None, "requests_per_s": 0.0, "error": f"{type(exc).__name__}: {exc}"}


def _throughput(url: str, args: argparse.Namespace) -> dict[str, Any]:
    # wrk when installed, else an asyncio httpx loop.
    for _ in range(20):  # warm up: the first answers fill whatever cache there is
        httpx.get(url, headers=HEADERS, timeout=REQUEST_TIMEOUT)
    if shutil.which("wrk") and not args.httpx_load:
        argv = [
            "wrk",
            "-t1",
            f"-c{args.concurrency}",
            f"-d{args.duration}s",
            "--latency",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ]
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout

        def number(pattern: str) -> float:
            match = re.search(pattern, out)
            return float(match.group(1)) if match else 0.0

        return {
            "tool": "wrk",
            "requests_per_s": number(r"Requests/sec:\s+([\d.]+)"),
            "requests": int(number(r"(\d+) requests in")),
            "non_2xx": int(number(r"Non-2xx or 3xx responses: (\d+)")),
            "latency_p50": _word(r"50%\s+(\S+)", out),
            "latency_p99": _word(r"99%\s+(\S+)", out),
        }
    ok, bad, elapsed = asyncio.run(_hammer(url, args.concurrency, args.duration))
    return {
        "tool": f"httpx {httpx.__version__} (asyncio)",
        "requests_per_s": round((ok + bad) / elapsed, 1),
        "requests": ok + bad,
        "non_2xx": bad,
    }


def _word(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


async def _hammer(url: str, concurrency: int, duration: float) -> tuple[int, int, float]:
    counts = [0, 0]
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(headers=HEADERS, limits=limits, timeout=REQUEST_TIMEOUT) as c:
        start = time.perf_counter()
        deadline = start + duration

        async def worker() -> None:
            while time.perf_counter() < deadline:
                response = await c.get(url)
                counts[response.status_code != 200] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return counts[0], counts[1], time.perf_counter() - start


def cache_lookups(base: str) -> dict[str, int] | None:
    """The answer cache's hits and misses so far, from the server's /metrics (None without)."""
    try:
        text = httpx.get(base + "/metrics", timeout=REQUEST_TIMEOUT).text
    except httpx.HTTPError:
        return None
    counts = {"hit": 0, "miss": 0}
    pattern = r'^posture_cache_requests_total\{[^}]*result="(hit|miss)"[^}]*\} (\S+)$'
    found = re.findall(pattern, text, re.MULTILINE)
    for result, value in found:
        counts[result] += int(float(value))
    return {"hits": counts["hit"], "misses": counts["miss"]} if found else None


def ask_all(base: str, label: str, args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Every question against a server, as `measure_request` times it."""
    figures: dict[str, dict[str, Any]] = {}
    with httpx.Client(base_url=base, headers=HEADERS, timeout=REQUEST_TIMEOUT) as client:
        for question in QUESTIONS:
            figures[question.key] = measure_request(client, question.path, args)
            _progress(label, question, figures[question.key])
    return figures


def measure_http(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """The questions with the answer cache off, then on; the load test; both servers' RSS."""
    argv = [str(Path(sys.executable).parent / "posture"), "serve", "--no-seed"]
    argv += ["--host", "127.0.0.1"]
    env = {k: v for k, v in os.environ.items() if k != CACHE_SETTING}
    env["POSTURE_DATABASE_URL"] = url
    probe = "/api/v1/vocabulary"
    with tempfile.TemporaryDirectory() as folder:
        logs = Path(folder)
        off_env = {**env, CACHE_SETTING: "0"}
        with serving(argv, off_env, probe, logs / "uncached.log") as (server, base):
            uncached = ask_all(base, "HTTP", args)
            lookups_off = cache_lookups(base)
            rss_off = peak_rss_mb(server.pid)
        with serving(argv, env, probe, logs / "cached.log") as (server, base):
            cached = ask_all(base, "cached", args)
            lookups_on = cache_lookups(base)
            app_load = throughput(base + CACHED_PATH, args)
            print(f"  cached matrix: {app_load['requests_per_s']:,.0f} requests/s", flush=True)
            rss = peak_rss_mb(server.pid)
        argv = [sys.executable, str(BENCH_DIR / "bare_app.py"), "--host", "127.0.0.1"]
        with serving(argv, dict(os.environ), "/", logs / "bare.log") as (bare, base):
            bare_load = throughput(base + "/", args)
            bare_rss = peak_rss_mb(bare.pid)
        print(f"  bare FastAPI: {bare_load['requests_per_s']:,.0f} requests/s", flush=True)
    ratio = app_load["requests_per_s"] / (bare_load["requests_per_s"] or float("inf"))
    return {
        "questions": uncached,
        "questions_cached": cached,
        "cache_lookups": {"cache_off": lookups_off, "cache_on": lookups_on},
        "throughput": {
            "path": CACHED_PATH,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "app": app_load,
            "bare": bare_load,
            "ratio": round(ratio, 3),
            "target": THROUGHPUT_TARGET,
            "met": ratio >= THROUGHPUT_TARGET,
        },
        "server_rss": {
            "peak_mb": rss,
            "target_mb": RSS_TARGET_MB,
            "met": rss <= RSS_TARGET_MB,
            "cache_off_peak_mb": rss_off,
        },
        "bare_rss_mb": bare_rss,
    }


def data_line(n: int, data: dict[str, Any]) -> str:
    """How the data was had: loaded now or reused, how fast it loaded, its size."""
    how = "loaded now" if data["loaded"] else f"reused from bench/.cache ({data.get('loaded_at')})"
    return (
        f"data: {n:,} claims, {how}: loading took {data.get('load_s', '?')} s "
        f"= {data.get('claims_per_s', 0):,} claims/s "
        f"(bulk import alone {data.get('import_claims_per_s', 0):,} claims/s); "
        f"{data['size_mb']:,} MB"
    )


def run_backend(
    backend: str, url: str, data: dict[str, Any], floor: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """The server-side and HTTP figures on one database, as multiples of the run's floor."""
    result: dict[str, Any] = {"data": data}
    if backend == "postgresql":
        with psycopg.connect(**pg_kwargs(make_url(url))) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            result["server_version"] = version[0] if version else None
        seeks = measure_pg_seeks(url, args)
        result["postgresql_seeks"] = seeks
        print(f"  {pg_seeks_line(seeks, floor)}", flush=True)
    server = measure_server(url, args)
    http = measure_http(url, args)
    rows = []
    for question in QUESTIONS:
        target = question.target[backend]
        row: dict[str, Any] = {"key": question.key, "path": question.path, "target_x": target}
        for mode, figures in (("server", server), ("http", http["questions"])):
            figure = dict(figures[question.key])
            if "median_s" in figure:
                figure["x_floor"] = round(figure["median_s"] / floor["median_s"], 3)
                figure["met"] = figure["x_floor"] <= target and "error" not in figure
            row[mode] = figure
        row["http_cached"] = http["questions_cached"][question.key]
        rows.append(row)
    result.update(
        questions=rows,
        cache_lookups=http["cache_lookups"],
        throughput=http["throughput"],
        server_rss=http["server_rss"],
        bare_rss_mb=http["bare_rss_mb"],
    )
    return result


# ---------------------------------------------------------------------------------------------
# Reporting


def _time(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds < 1 else f"{seconds:,.2f} s"


def _ratio(figure: dict[str, Any]) -> str:
    if "x_floor" not in figure:
        return "error"
    mark = "met" if figure["met"] else "MISSED"
    return f"{figure['x_floor']:,.2f}x {mark}"


def _target(x: float) -> str:
    return f"<= {x:g}x"


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def floor_line(floor: dict[str, Any]) -> str:
    """The run's one floor, as a sentence."""
    return (
        f"Floor, for both databases ({floor['driver']} on the SQLite data, "
        f"{floor['cells']:,} cells, one index seek each, {floor['found']:,} with a position): "
        f"cold {_time(floor['cold_s'])}, median {_time(floor['median_s'])}."
    )


def pg_seeks_line(seeks: dict[str, Any], floor: dict[str, Any]) -> str:
    """PostgreSQL's own seeks, as a sentence: information, next to the floor."""
    per_cell, lateral = seeks["per_cell"], seeks["in_one_statement"]
    return (
        f"PostgreSQL's own seeks ({seeks['driver']}, {seeks['cells']:,} cells, information "
        f"only): one prepared statement per cell: cold {_time(per_cell['cold_s'])}, median "
        f"{_time(per_cell['median_s'])} ({per_cell['median_s'] / floor['median_s']:,.2f}x the "
        f"floor); all in one statement (unnest + LATERAL): cold {_time(lateral['cold_s'])}, "
        f"median {_time(lateral['median_s'])} "
        f"({lateral['median_s'] / floor['median_s']:,.2f}x the floor)."
    )


def _lookups(found: dict[str, int] | None) -> str:
    if found is None:
        return "not read"
    return f"{found['hits']:,} hits of {found['hits'] + found['misses']:,} lookups"


def table(result: dict[str, Any], floor: dict[str, Any]) -> str:
    """A backend's figures as a Markdown table, with throughput, RSS and checks under it."""
    lines = [
        "| question | server cold | server median | x floor | HTTP cold | HTTP median "
        "| x floor | target | HTTP cached median | body (gzip) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["questions"]:
        cells = [f"`{row['path']}`"]
        for mode in ("server", "http"):
            figure = row[mode]
            if "median_s" in figure:
                cells += [_time(figure["cold_s"]), _time(figure["median_s"]), _ratio(figure)]
            else:
                cells += ["error", "", ""]
        cells.append(_target(row["target_x"]))
        cached = row["http_cached"]
        cells.append(_time(cached["median_s"]) if "median_s" in cached else "error")
        http = row["http"]
        size = (
            f"{http['bytes'] / 1024:,.0f} KiB ({http['gzip_bytes'] / 1024:,.0f} KiB)"
            if "bytes" in http
            else ""
        )
        lines.append("| " + " | ".join([*cells, size]) + " |")
    load, rss, lookups = result["throughput"], result["server_rss"], result["cache_lookups"]
    lines.append("")
    if "postgresql_seeks" in result:
        lines.append(pg_seeks_line(result["postgresql_seeks"], floor))
    lines += [
        f"`{row['path']}` answers a page of {row['http']['changes']:,} changes of "
        f"{row['http']['total']:,} (`total`)"
        f"{', with a next_cursor' if row['http']['next_cursor'] else ''}."
        for row in result["questions"]
        if "total" in row["http"]
    ]
    lines += [line for row in result["questions"] if (line := analysis_line(row))]
    lines += [
        f"Answer cache lookups during the questions: cache off "
        f"{_lookups(lookups['cache_off'])}; cache on {_lookups(lookups['cache_on'])}.",
        f"Cached `{load['path']}` under {load['concurrency']} connections "
        f"({load['app']['tool']}, {load['duration_s']} s each, the cache-on server): "
        f"{load['app']['requests_per_s']:,.0f} requests/s; bare FastAPI endpoint "
        f"{load['bare']['requests_per_s']:,.0f} requests/s: {load['ratio']:.0%} "
        f"(target >= {load['target']:.0%}: {_met(load['met'])}).",
        f"Peak server RSS (VmHWM): cache on {rss['peak_mb']:,.0f} MB "
        f"(target <= {rss['target_mb']} MB: {_met(rss['met'])}); "
        f"cache off {rss['cache_off_peak_mb']:,.0f} MB.",
    ]
    errors = [
        f"{row['path']} ({mode}): {row[mode]['error']}"
        for row in result["questions"]
        for mode in ("server", "http", "http_cached")
        if "error" in row[mode]
    ]
    errors += [
        f"load test ({which}): {load[which]['error']}"
        for which in ("app", "bare")
        if "error" in load[which]
    ]
    lines += [f"Error: {e}" for e in errors]
    lines += checks(result, floor)
    return "\n".join(lines)


def analysis_line(row: dict[str, Any]) -> str | None:
    """What an analysis view's answer held (over HTTP, else in process), as a sentence."""
    figure = row["http"] if "median_s" in row["http"] else row["server"]
    path = f"`{row['path']}`"
    if "inherited" in figure:
        return (
            f"{path} answers {figure.get('cells', 0):,} cells, {figure['inherited']:,} of them "
            f"inherited from a bloc, {figure['opt_outs']:,} members' own positions opting out."
        )
    if "by_assumption" in figure:
        return (
            f"{path} answers {figure.get('cells', 0):,} cells, {figure['by_assumption']:,} of "
            f"them in effect only by the assumption."
        )
    if "needs" in figure:
        return (
            f"{path} answers {figure['needs']} needs, {figure['needs_filled']} filled, with "
            f"{figure['need_actors']:,} actors on their roles."
        )
    if row["key"] == "contested" and "cells" in figure:
        return f"{path} answers {figure['cells']:,} contested cells."
    return None


def checks(result: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """Lines for what does not add up: cell counts apart from the floor's, hits with no cache."""
    found = floor["found"]
    lines = []
    matrix = result["questions"][0]
    for mode in ("server", "http", "http_cached"):
        cells = matrix[mode].get("cells")
        if cells is not None and cells != found:
            lines.append(
                f"Check: the all-objects matrix ({mode}) has {cells:,} cells, "
                f"the floor found {found:,}."
            )
    for row in result["questions"]:
        cells = row["http"].get("cells")
        if cells is None or row["key"] not in ("positions_all_assume", "positions_all_inherit"):
            continue
        if cells < found or (row["key"] == "positions_all_assume" and cells != found):
            lines.append(f"Check: `{row['path']}` has {cells:,} cells, the floor found {found:,}.")
    seeks = result.get("postgresql_seeks")
    if seeks and seeks["found"] != found:
        lines.append(f"Check: PostgreSQL's seeks found {seeks['found']:,}, the floor {found:,}.")
    off = result["cache_lookups"]["cache_off"]
    if off and off["hits"]:
        lines.append(f"Check: the server with the cache off had {off['hits']:,} cache hits.")
    return lines


def machine() -> dict[str, Any]:
    """The machine and the software versions the figures were measured with."""
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE)
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    memory = re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.MULTILINE)
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gb": round(int(memory.group(1)) / 2**20, 1) if memory else None,
        "cpu_model": model.group(1).strip() if model else platform.processor(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": None,
        "sqlalchemy": sqlalchemy.__version__,
        "psycopg": psycopg.__version__,
        "fastapi": fastapi.__version__,
        "uvicorn": uvicorn.__version__,
        "wrk": bool(shutil.which("wrk")),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def git_commit() -> dict[str, Any]:
    """The commit measured, and whether tracked files differ from it."""

    def git(*argv: str) -> str:
        env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}  # read only: never rewrite the index
        done = subprocess.run(["git", *argv], cwd=ROOT, env=env, capture_output=True, text=True)
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD") or None,
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def command_line() -> str:
    """This command as typed from the repository's root."""
    parts = [sys.executable, *sys.argv]
    return shlex.join(os.path.relpath(p, ROOT) if p.startswith(str(ROOT)) else p for p in parts)


def parse_args() -> argparse.Namespace:
    """The command's options."""
    parser = argparse.ArgumentParser(description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--claims", type=int, default=1_000_000, help="default 1,000,000")
    size.add_argument("--quick", action="store_true", help="100,000 claims")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5, help="warm runs per figure (default 5)")
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds after which a figure stops repeating, at least one warm run (default 20)",
    )
    parser.add_argument("--fresh", action="store_true", help="reload the data even if cached")
    parser.add_argument(
        "--prune", action="store_true", help="delete cached data of this size for other heads"
    )
    parser.add_argument("--out", type=Path, help="default bench/results/positions-<size>.json")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL, help="a PostgreSQL maintenance URL")
    parser.add_argument("--concurrency", type=int, default=8, help="connections (default 8)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per load (default 10)")
    parser.add_argument("--httpx-load", action="store_true", help="an httpx loop even with wrk")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.quick:
        args.claims = 100_000
    if args.claims < 1 or args.runs < 1:
        parser.error("--claims and --runs must be at least 1")
    return args


def main() -> None:
    """Run the benchmark, print the tables, write the JSON."""
    args = parse_args()
    n = args.claims
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    suffix = "" if args.db == "both" else f"-{args.db}"
    out = args.out or RESULTS_DIR / f"positions-{size_label(n)}{suffix}.json"
    started = time.perf_counter()
    report: dict[str, Any] = {
        "benchmark": "positions",
        "command": command_line(),
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "git": git_commit(),
        "config": {
            "claims": n,
            "seed": args.seed,
            "runs": args.runs,
            "budget_s": args.budget,
            "as_of": AS_OF.isoformat(),
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "answer_cache_mb": {"uncached": 0, "cached": ANSWER_CACHE_MB},
            "shape": {
                "actors": ACTORS,
                "roles": len(Role),
                "initiatives": INITIATIVES,
                "sources": max(1, n // CLAIMS_PER_SOURCE),
                "commitment_share": COMMITMENT_SHARE,
                "conditional_share": CONDITIONAL_SHARE,
                "published": [FIRST_PUBLISHED.isoformat(), LAST_PUBLISHED.isoformat()],
                "dataset": DATASET,
                "organisations": ORGANISATIONS,
                "members": MEMBERS,
                "organisation_claims": ORGANISATION_CLAIMS * len(ORGANISATIONS),
                "milestones": list(MILESTONES),
                "required_position": [str(x) for x in REQUIRED_POSITION],
                "needs": {NEEDS_INITIATIVE: [r.value for r in NEEDS]},
            },
        },
        "backends": {},
    }
    print("floor:", flush=True)
    if "sqlite" not in backends:
        print("  on the SQLite data of the same size, the floor of both databases", flush=True)
    sqlite_url, sqlite_data = prepare_sqlite(n, args.seed, args)
    print(f"  SQLite {data_line(n, sqlite_data)}", flush=True)
    floor = {**measure_floor(sqlite_url, args), "data": sqlite_data}
    report["floor"] = floor
    print(f"  {floor_line(floor)}", flush=True)
    tables = []
    for backend in backends:
        print(f"{backend}:", flush=True)
        if backend == "postgresql":
            try:
                psycopg.connect(**pg_kwargs(make_url(args.pg_url)), connect_timeout=5).close()
            except psycopg.OperationalError as exc:
                print(f"  PostgreSQL unreachable at {args.pg_url}: {exc}; skipped", flush=True)
                report["backends"][backend] = {"skipped": str(exc)}
                continue
        if backend == "sqlite":
            url, data = sqlite_url, sqlite_data
        else:
            url, data = prepare_postgresql(n, args.seed, args)
            print(f"  {data_line(n, data)}", flush=True)
        result = run_backend(backend, url, data, floor, args)
        report["backends"][backend] = result
        if backend == "postgresql":
            report["machine"]["postgresql"] = result["server_version"]
        tables.append(f"{backend}, {n:,} claims:\n\n{table(result, floor)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2) + "\n")  # what is done so far
    report["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    report["elapsed_s"] = round(time.perf_counter() - started, 1)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    info = report["machine"]
    print()
    print(
        f"Machine: {info['nproc']} cores ({info['cpu_model']}), {info['memory_gb']} GB; "
        f"Python {info['python']}, SQLite {info['sqlite']}, PostgreSQL {info['postgresql']}; "
        f"commit {str(report['git']['commit'])[:10]}{' (dirty)' if report['git']['dirty'] else ''}"
    )
    print(f"Command: {report['command']}")
    print()
    print(floor_line(floor))
    print(
        f"HTTP cold and median: `posture serve` with {CACHE_SETTING}=0, every answer computed "
        f"(these meet the targets or not); HTTP cached median: the cache on "
        f"({ANSWER_CACHE_MB} MiB), after one warm-up request."
    )
    for text in tables:
        print()
        print(text)
    print()
    shown = os.path.relpath(out, ROOT) if out.resolve().is_relative_to(ROOT) else out
    print(f"Written: {shown}; {report['elapsed_s']:,.0f} s in all.")


if __name__ == "__main__":
    main()
