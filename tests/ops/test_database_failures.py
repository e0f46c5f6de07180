"""The database's own failures: a client gets a problem it can act on (503 with
Retry-After, never a 500), pages get a page, and nothing is half-written."""

import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app import migrate
from app.accounts import service as accounts
from app.accounts.models import UserRole
from app.accounts.schemas import UserCreate
from app.actors.models import Actor
from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from tests.api_assertions import assert_problem
from tests.factories import commitment_body
from tests.ops.helpers import UNREACHABLE_URL, client_for

CLAIM = commitment_body(1)


def test_a_database_that_does_not_answer_is_a_fast_503_for_every_kind_of_request() -> None:
    with client_for(UNREACHABLE_URL) as client:
        started = time.perf_counter()
        listed = client.get("/api/v1/claims")
        written = client.post(
            "/api/v1/claims", json=CLAIM, headers={"Authorization": "Bearer some-token"}
        )
        page = client.get("/", headers={"Accept": "text/html"})
        seconds = time.perf_counter() - started

    for response in (listed, written):
        body = assert_problem(response, 503)
        assert "database is not answering" in body["detail"]
        assert response.headers["Retry-After"] == "5"
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert "database is not answering" in page.text
    assert seconds < 5, "a refused connection must not wait for a timeout"


def _read_only_client(tmp_path: Path) -> tuple[TestClient, str, str]:
    """A client on a migrated SQLite file opened read-only, a token made before, and the
    file's URL for writing."""
    path = tmp_path / "posture.db"
    url = f"sqlite:///{path}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine, writes=True).begin() as session:
        accounts.create_user(session, UserCreate(username="ed", role=UserRole.EDITOR))
        token = accounts.create_token(session, "ed").token
    engine.dispose()
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    return TestClient(create_app(Settings(database_url=read_only))), token, url


def test_a_read_only_database_refuses_writes_with_503_and_goes_on_reading(
    tmp_path: Path,
) -> None:
    client, token, url = _read_only_client(tmp_path)
    bearer = {"Authorization": f"Bearer {token}"}
    with client:
        # A token's first use would note when it was used: a read-only file takes no note,
        # and the read goes on.
        read = client.get("/api/v1/claims", headers=bearer)
        written = client.post(
            "/api/v1/actors", json={"code": "PL", "kind": "state"}, headers=bearer
        )

    assert read.status_code == 200, read.text
    body = assert_problem(written, 503)
    assert "read-only" in body["detail"]
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Actor)) == 0
    engine.dispose()
