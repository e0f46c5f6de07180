"""The cache's fast path on a database whose writes are committed, as in production: a
repeated anonymous request is answered before routing, and a write made elsewhere (another
worker's) is seen by the very next request."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app import migrate
from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from tests.conftest import TEST_SECRET_KEY, create_database, drop_database
from tests.factories import make_claim, make_source

MATRIX = "/api/v1/positions?as_of=2025-09-01&role=ground_forces"


@pytest.fixture
def committed_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated, whose data the test commits."""
    url, name = create_database(backend, tmp_path)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_database(name)


@pytest.fixture
def writer(committed_url: str) -> Iterator[Engine]:
    """Another process's engine: what it commits, the app must see at once."""
    engine = make_engine(committed_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reader(committed_url: str) -> Iterator[TestClient]:
    """An anonymous client of an app on the database, without test overrides."""
    app = create_app(Settings(database_url=committed_url, secret_key=TEST_SECRET_KEY))
    with TestClient(app) as client:
        yield client
    app.state.engine.dispose()


def commit_claim(engine: Engine, published_on: date = date(2025, 8, 20), **fields: object) -> None:
    with make_session_factory(engine).begin() as session:
        source = make_source(session, published_on=published_on)
        make_claim(session, source=source, **fields)


def test_a_repeated_request_is_answered_before_routing(writer: Engine, reader: TestClient) -> None:
    commit_claim(writer, status="willing")
    first = reader.get(MATRIX)
    assert (first.status_code, first.headers["x-cache"]) == (200, "MISS")

    again = reader.get(MATRIX)
    assert (again.status_code, again.headers["x-cache"]) == (200, "EARLY")
    assert again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"]
    # The security headers still go out with it.
    assert again.headers["x-content-type-options"] == "nosniff"

    unchanged = reader.get(MATRIX, headers={"If-None-Match": first.headers["etag"]})
    assert (unchanged.status_code, unchanged.headers["x-cache"]) == (304, "EARLY")


def test_a_write_committed_elsewhere_is_seen_by_the_next_request(
    writer: Engine, reader: TestClient
) -> None:
    commit_claim(writer, status="willing")
    assert reader.get(MATRIX).json()["cells"][0]["status"] == "willing"
    assert reader.get(MATRIX).headers["x-cache"] == "EARLY"

    commit_claim(writer, published_on=date(2025, 8, 25), status="pledged")

    after = reader.get(MATRIX)
    assert after.headers["x-cache"] == "MISS"
    assert after.json()["cells"][0]["status"] == "pledged"


def test_a_request_with_a_bad_token_is_refused_not_served_from_the_cache(
    writer: Engine, reader: TestClient
) -> None:
    commit_claim(writer)
    reader.get(MATRIX)
    assert reader.get(MATRIX).headers["x-cache"] == "EARLY"

    refused = reader.get(MATRIX, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
