"""`posture extract` and `posture ingest`, run as subprocesses on a temporary SQLite file."""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.extraction.schemas import ExtractResponse
from app.extraction.service import extractor_for
from app.sources.models import Source
from tests.conftest import SEED_ARTICLE as SEED_ARTICLE_NAME
from tests.conftest import SEED_TEXT_DIR, seed_text
from tests.test_cli import ok, posture

SEED_ARTICLE = SEED_TEXT_DIR / SEED_ARTICLE_NAME


@dataclass
class Database:
    """A migrated and seeded SQLite file."""

    url: str
    folder: Path


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """`posture db upgrade` and `posture seed` on a new file."""
    folder = tmp_path_factory.mktemp("extract-cli")
    url = f"sqlite:///{folder / 'posture.db'}"
    ok(posture(url, "db", "upgrade", cwd=folder))
    ok(posture(url, "seed", cwd=folder))
    return Database(url, folder)


def test_extract_json_prints_what_the_api_returns(database: Database) -> None:
    seed_text(SEED_ARTICLE_NAME)  # skips (fails in CI) without ../shared
    result = ok(
        posture(
            database.url,
            "extract",
            str(SEED_ARTICLE),
            "--published-on",
            "2025-08-20",
            "--json",
            cwd=database.folder,
        )
    )
    engine = make_engine(database.url)
    try:
        with make_session_factory(engine)() as session:
            claims = extractor_for(session).extract(
                SEED_ARTICLE.read_text(encoding="utf-8"), date(2025, 8, 20)
            )
    finally:
        engine.dispose()

    printed = json.loads(result.stdout)
    assert printed == ExtractResponse(claims=claims, language="en").model_dump(mode="json")
    assert ("GB", "ground_forces") in {(c["actor"], c["role"]) for c in printed["claims"]}


def test_extract_without_json_lists_claims_with_their_evidence(database: Database) -> None:
    seed_text(SEED_ARTICLE_NAME)  # skips (fails in CI) without ../shared
    result = ok(
        posture(
            database.url,
            "extract",
            str(SEED_ARTICLE),
            "--published-on",
            "2025-08-20",
            cwd=database.folder,
        )
    )
    assert "GB ground_forces willing" in result.stdout


def test_extract_refuses_a_date_that_is_not_one(database: Database) -> None:
    seed_text(SEED_ARTICLE_NAME)  # skips (fails in CI) without ../shared
    result = posture(
        database.url,
        "extract",
        str(SEED_ARTICLE),
        "--published-on",
        "20/08/2025",
        cwd=database.folder,
    )
    assert result.returncode != 0
    assert "not a date" in result.stderr


def test_ingest_stores_the_text_with_proposed_claims_then_skips_it(
    database: Database, tmp_path: Path
) -> None:
    seed_text(SEED_ARTICLE_NAME)  # skips (fails in CI) without ../shared
    # The seed already holds the article itself; this copy carries a wire heading.
    copy = tmp_path / "wire.txt"
    copy.write_text("WIRE COPY\n" + SEED_ARTICLE.read_text(encoding="utf-8"), encoding="utf-8")
    seed_again = ok(
        posture(
            database.url,
            "ingest",
            str(SEED_ARTICLE),
            "--published-on",
            "2025-08-20",
            cwd=database.folder,
            # A narrow terminal must not break report lines: people and scripts grep them.
            columns=40,
        )
    )

    first = ok(
        posture(
            database.url,
            "ingest",
            str(tmp_path),
            "--published-on",
            "2025-08-20",
            "--outlet",
            "Wire",
            cwd=database.folder,
        )
    )
    second = ok(
        posture(
            database.url,
            "ingest",
            str(copy),
            "--published-on",
            "2025-08-20",
            cwd=database.folder,
        )
    )

    assert f"{SEED_ARTICLE}: skipped, already stored as source 1\n" in seed_again.stderr
    assert "1 stored" in first.stderr
    assert "skipped, already stored" in second.stderr
    engine = make_engine(database.url)
    try:
        with make_session_factory(engine)() as session:
            source = session.scalars(select(Source).where(Source.title == "WIRE COPY")).one()
            claims = session.scalars(select(Claim).where(Claim.source_id == source.id)).all()
    finally:
        engine.dispose()
    assert source.outlet == "Wire"
    assert len(claims) >= 10
    assert {c.review_state for c in claims} == {"proposed"}
    assert source.text is not None
    for claim in claims:
        assert source.text[claim.evidence_start : claim.evidence_end] == claim.evidence_text
