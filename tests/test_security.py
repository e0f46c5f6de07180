"""Hardening: security headers on every response, the body size limit, CORS off by default,
and the CSRF secret generated once and kept in the database."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.models import ServerSecret
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.security import CONTENT_SECURITY_POLICY
from tests.api_assertions import assert_problem
from tests.conftest import SEED_TEXT_DIR, build_app
from tests.page_assertions import csrf_token

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def assert_hardened(headers: object, path: str) -> None:
    assert headers["Content-Security-Policy"] == CSP, path  # type: ignore[index]
    assert headers["X-Content-Type-Options"] == "nosniff", path  # type: ignore[index]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path  # type: ignore[index]
    assert headers["X-Frame-Options"] == "DENY", path  # type: ignore[index]


def test_the_policy_forbids_inline_scripts() -> None:
    assert CONTENT_SECURITY_POLICY == CSP
    assert "unsafe-inline" not in CSP


def test_every_kind_of_response_carries_the_security_headers(
    client: TestClient, anonymous_client: TestClient, seeded: Session
) -> None:
    for path in (
        "/",
        "/actors/GB",
        "/sign-in",
        "/api/v1/claims",
        "/api/v1/claims?format=csv",
        "/api/v1/actors/XQ",
        "/no-such-page",
        "/static/css/posture.css",
        "/feed.atom",
        "/openapi.json",
    ):
        assert_hardened(anonymous_client.get(path).headers, path)
    assert_hardened(anonymous_client.post("/api/v1/actors", json={}).headers, "401")
    assert_hardened(client.post("/api/v1/actors", json={}).headers, "422")
    assert_hardened(anonymous_client.get("/claims/new", follow_redirects=False).headers, "303")


def test_the_interactive_api_docs_get_the_same_strict_policy(anonymous_client: TestClient) -> None:
    # Swagger UI is vendored and started by a first-party script (tests/test_api_docs.py).
    docs = anonymous_client.get("/docs")
    assert docs.status_code == 200
    assert_hardened(docs.headers, "/docs")
    assert "cdn.jsdelivr.net" not in docs.text


@pytest.fixture
def small_bodies(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    """An admin's client of an app that accepts bodies of 2 KiB at most."""
    from tests.factories import make_token, make_user

    app = build_app(settings.model_copy(update={"body_size_max": 2048}), engine, session)
    token = make_token(session, make_user(session, "admin", role="admin"))
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as test_client:
        yield test_client


def test_a_body_over_the_limit_is_a_413_problem_and_writes_nothing(
    small_bodies: TestClient, session: Session
) -> None:
    big = {"code": "TESTGRP", "kind": "group", "name": "Test", "description": "x" * 4000}
    body = assert_problem(small_bodies.post("/api/v1/actors", json=big), 413)
    assert "2048 bytes" in body["detail"]
    assert small_bodies.get("/api/v1/actors/TESTGRP").status_code == 404

    # Without a Content-Length (a chunked upload), the limit holds as the body arrives.
    line = json.dumps({"type": "actor", "code": "TESTGRP", "kind": "group", "name": "T"})

    def chunks() -> Iterator[bytes]:
        yield b'{"type": "posture-export", "format": 1}\n'
        for _ in range(100):
            yield (line + "\n").encode()

    streamed = small_bodies.post(
        "/api/v1/import", content=chunks(), headers={"Content-Type": "application/x-ndjson"}
    )
    assert_problem(streamed, 413)
    assert small_bodies.get("/api/v1/actors/TESTGRP").status_code == 404
    assert small_bodies.post("/api/v1/actors", json={**big, "description": "ok"}).status_code == 201


def test_a_form_over_the_limit_is_a_413_page(small_bodies: TestClient) -> None:
    response = small_bodies.post("/actors/new", data={"description": "x" * 4000})
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")


def test_cors_is_off_unless_origins_are_configured(
    anonymous_client: TestClient, settings: Settings, engine: Engine, session: Session
) -> None:
    preflight = {
        "Origin": "https://allowed.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    closed = anonymous_client.options("/api/v1/claims", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    plain = anonymous_client.get("/api/v1/claims", headers={"Origin": "https://allowed.example"})
    assert "access-control-allow-origin" not in plain.headers

    opened = settings.model_copy(update={"cors_origins": ["https://allowed.example"]})
    with TestClient(build_app(opened, engine, session)) as browser:
        allowed = browser.options("/api/v1/claims", headers=preflight)
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://allowed.example"
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in allowed.headers
        assert_hardened(allowed.headers, "preflight")
        other = browser.options(
            "/api/v1/claims", headers={**preflight, "Origin": "https://x.example"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_cors_origins_are_read_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTURE_CORS_ORIGINS", "https://a.example, https://b.example")
    assert Settings().cors_origins == ["https://a.example", "https://b.example"]


def test_without_a_configured_secret_one_is_generated_once_and_kept(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'secret.db'}"
    migrate.upgrade(url)
    settings = Settings(database_url=url, seed_text_dir=SEED_TEXT_DIR)
    assert settings.secret_key is None
    with TestClient(create_app(settings)) as first:
        token = csrf_token(first, "/sign-in")
        cookies = dict(first.cookies)
    # Another process on the same database makes the same tokens.
    with TestClient(create_app(settings), cookies=cookies) as second:
        assert csrf_token(second, "/sign-in") == token
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            assert session.scalar(select(func.count()).select_from(ServerSecret)) == 1
            value = session.scalar(select(ServerSecret.value))
            assert value is not None
            assert len(value) >= 64
    finally:
        engine.dispose()


def test_a_configured_secret_must_be_long(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("POSTURE_SECRET_KEY", "short")
    with pytest.raises(ValidationError):
        Settings()


def test_a_server_error_carries_the_security_headers(app: FastAPI) -> None:
    # A bug anywhere, even below every handler: the server error handler's 500 is hardened.
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as anonymous:
        response = anonymous.get("/boom")
    assert response.status_code == 500
    assert_hardened(response.headers, "/boom")


def test_the_favicon_is_served(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<svg")
    assert_hardened(response.headers, "/favicon.ico")
