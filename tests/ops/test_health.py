"""/healthz and /readyz: alive without a database; ready only at the migrations' head."""

from pathlib import Path

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app import migrate
from app.config import Settings
from app.db import make_engine
from app.ops.health import migration_revisions
from tests.api_assertions import assert_problem
from tests.conftest import build_app, create_database, drop_database
from tests.ops.helpers import UNREACHABLE_URL, client_for


def test_healthz_answers_without_a_database() -> None:
    with client_for(UNREACHABLE_URL) as client:
        response = client.get("/healthz")
        head = client.head("/healthz")

    assert response.status_code == 200
    assert head.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_200_on_a_database_at_head(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/readyz")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "schema": "current"}
    heads, _ = migration_revisions()
    assert body["revision"] == ", ".join(sorted(heads))


def test_readyz_is_503_when_the_database_does_not_answer() -> None:
    with client_for(UNREACHABLE_URL) as client:
        response = client.get("/readyz")

    body = assert_problem(response, 503)
    assert body["checks"] == {"database": "unreachable", "schema": "unchecked"}
    assert body["detail"] == "The database does not answer."
    # The answer is public: it never names the server, the user or the database.
    assert "nobody" not in response.text
    assert "nowhere" not in response.text


def test_readyz_is_503_on_a_database_never_migrated(backend: str, tmp_path: Path) -> None:
    url, name = create_database(backend, tmp_path)
    try:
        with client_for(url) as client:
            response = client.get("/readyz")
    finally:
        drop_database(name)

    body = assert_problem(response, 503)
    assert body["checks"] == {"database": "ok", "schema": "not_migrated"}
    assert "posture db upgrade" in body["detail"]
    assert body["revisions"] == []


def test_readyz_is_503_when_the_schema_is_one_revision_behind_head(
    backend: str, tmp_path: Path
) -> None:
    scripts = ScriptDirectory(str(migrate.MIGRATIONS_DIR))
    head = scripts.get_revision("head")
    assert head is not None
    previous = head.down_revision
    assert isinstance(previous, str), "needs a head with one parent revision"
    url, name = create_database(backend, tmp_path)
    try:
        migrate.upgrade(url, previous)
        with client_for(url) as client:
            response = client.get("/readyz")
    finally:
        drop_database(name)

    body = assert_problem(response, 503)
    assert body["checks"] == {"database": "ok", "schema": "behind"}
    assert body["revisions"] == [previous]
    assert body["heads"] == [head.revision]
    assert f"at revision {previous}, behind the migrations' head {head.revision}" in body["detail"]


def test_readyz_is_503_when_the_schema_is_at_a_revision_these_migrations_lack(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            conn.execute(text("INSERT INTO alembic_version VALUES ('ffffffffffff')"))
    finally:
        engine.dispose()

    with client_for(url) as client:
        body = assert_problem(client.get("/readyz"), 503)

    assert body["checks"] == {"database": "ok", "schema": "unknown"}
    assert "ffffffffffff" in body["detail"]


def test_probes_and_metrics_need_no_sign_in_when_reading_does(
    settings: Settings, engine: Engine, session: Session
) -> None:
    app = build_app(settings.model_copy(update={"require_sign_in_to_read": True}), engine, session)
    with TestClient(app) as client:
        assert client.get("/api/v1/claims").status_code == 401

        assert client.get("/healthz").status_code == 200
        assert client.get("/readyz").status_code == 200
        assert client.get("/metrics").status_code == 200


def test_probes_and_metrics_stay_out_of_the_openapi_document() -> None:
    with client_for(UNREACHABLE_URL) as client:
        paths = client.get("/openapi.json").json()["paths"]

    assert not {"/healthz", "/readyz", "/metrics"} & set(paths)
