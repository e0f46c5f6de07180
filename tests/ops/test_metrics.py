"""/metrics: request latency by route template, the database pool, cache hits and misses."""

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from app.db import make_engine
from app.ops.metrics import record_cache
from tests.api_assertions import assert_problem
from tests.ops.helpers import UNREACHABLE_URL, client_for, value

DURATION = "posture_http_request_duration_seconds_count"
METRICS_TOKEN = "metrics-token-0123456789"


def test_a_request_is_counted_under_its_route_template_never_its_path(
    anonymous_client: TestClient,
) -> None:
    labels = {"route": "/api/v1/actors/{code}", "method": "GET", "status_class": "4xx"}
    before = value(anonymous_client.get("/metrics").text, DURATION, **labels) or 0

    assert anonymous_client.get("/api/v1/actors/QZ9").status_code == 404
    exposition = anonymous_client.get("/metrics").text

    assert value(exposition, DURATION, **labels) == before + 1
    assert 'route="/api/v1/actors/{code}"' in exposition
    assert "QZ9" not in exposition


def test_unmatched_paths_and_unknown_methods_share_one_label_each(
    anonymous_client: TestClient,
) -> None:
    anonymous_client.get("/no/such/page-7f3a")
    anonymous_client.request("BREW", "/healthz")
    anonymous_client.get("/static/css/posture.css")
    exposition = anonymous_client.get("/metrics").text

    assert value(exposition, DURATION, route="unmatched", method="GET", status_class="4xx")
    assert value(exposition, DURATION, route="/healthz", method="other", status_class="4xx")
    assert value(exposition, DURATION, route="/static/{path}", method="GET", status_class="2xx")
    assert "page-7f3a" not in exposition
    assert "BREW" not in exposition


def test_the_pool_is_read_from_the_apps_engine_when_scraped(
    anonymous_client: TestClient, engine: Engine, session: Session
) -> None:
    session.connection()  # the test's transaction holds one of the engine's connections
    exposition = anonymous_client.get("/metrics").text

    assert value(exposition, "posture_db_pool_size") == engine.pool.size()  # type: ignore[attr-defined]
    checked_out = value(exposition, "posture_db_pool_checked_out")
    assert checked_out is not None
    assert checked_out >= 1
    assert value(exposition, "posture_db_pool_overflow") == 0


def test_cache_lookups_are_counted_by_cache_and_result() -> None:
    with client_for(UNREACHABLE_URL) as client:
        before = client.get("/metrics").text
        record_cache("test-cache", hit=True)
        record_cache("test-cache", hit=True)
        record_cache("test-cache", hit=False)
        after = client.get("/metrics").text

    name = "posture_cache_requests_total"
    hits = value(before, name, cache="test-cache", result="hit") or 0
    misses = value(before, name, cache="test-cache", result="miss") or 0
    assert value(after, name, cache="test-cache", result="hit") == hits + 2
    assert value(after, name, cache="test-cache", result="miss") == misses + 1


def test_the_pool_settings_size_postgresql_pools_only(tmp_path: Path) -> None:
    with client_for(UNREACHABLE_URL, db_pool_size=3, db_max_overflow=1) as client:
        exposition = client.get("/metrics").text
    sqlite = make_engine(f"sqlite:///{tmp_path / 'pool.db'}", pool_size=3, max_overflow=1)

    assert value(exposition, "posture_db_pool_size") == 3
    assert isinstance(sqlite.pool, QueuePool)
    assert sqlite.pool.size() == 5  # SQLAlchemy's default: the settings are PostgreSQL's
    sqlite.dispose()


def test_metrics_can_be_turned_off() -> None:
    with client_for(UNREACHABLE_URL, metrics=False) as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/metrics").status_code == 404


def test_with_a_metrics_token_metrics_need_it() -> None:
    with client_for(UNREACHABLE_URL, metrics_token=SecretStr(METRICS_TOKEN)) as client:
        missing = client.get("/metrics")
        wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})
        right = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})

    assert_problem(missing, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_problem(wrong, 401)
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain")
    assert "posture_http_request_duration_seconds" in right.text
