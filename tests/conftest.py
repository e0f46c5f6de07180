"""Fixtures: one migrated database per backend, one rolled-back transaction per test."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app import audit, migrate
from app.accounts import service as account_service
from app.accounts.deps import SESSION_COOKIE
from app.accounts.models import User
from app.config import Settings
from app.db import get_session, make_engine, make_session_factory
from app.main import create_app
from tests.factories import make_token, make_user

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED_TEXT_DIR = SHARED / "seeds"
# The seed article (../shared/seeds/README): the seed claims' evidence is quoted from it.
SEED_ARTICLE = "000_dc4023db175f5c22.txt"
PG_ADMIN_DSN = os.environ.get("POSTURE_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres")
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
TEST_SECRET_KEY = "test-secret-key-" + "0" * 32

# Sessions made here and by the factories record the audit trail, as the app's do.
audit.install()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        choices=["all", "sqlite", "postgresql"],
        default="all",
        help="Databases to run the suite against (default: both).",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--db")
        backends = ["sqlite", "postgresql"] if chosen == "all" else [chosen]
        metafunc.parametrize("backend", backends, scope="session")


def pg_admin() -> psycopg.Connection:
    """An autocommit connection to the server's maintenance database."""
    return psycopg.connect(PG_ADMIN_DSN + " dbname=postgres", autocommit=True, connect_timeout=3)


def postgres_unavailable(reason: str) -> None:
    """Skip with a clear line, except in CI, where a missing PostgreSQL fails the run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL is required in CI: {reason}")
    pytest.skip(f"PostgreSQL unreachable at 127.0.0.1:5432, its tests are skipped: {reason}")


def seed_text(name: str) -> str:
    """A text of ../shared/seeds; without it (a clone alone) the test is skipped with a line
    saying why, except in CI, where that fails the run."""
    path = SEED_TEXT_DIR / name
    if not path.exists():
        reason = f"the seed text {path} is not there (../shared/seeds beside the clone)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"The seed text is required in CI: {reason}")
        pytest.skip(f"needs the seed article, skipped: {reason}")
    return path.read_text(encoding="utf-8")


def create_database(backend: str, tmp_dir: Path) -> tuple[str, str | None]:
    """A new empty database: (url, name to drop afterwards)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_dir / f'posture-{uuid.uuid4().hex[:8]}.db'}", None
    name = f"posture_test_{uuid.uuid4().hex[:12]}"
    try:
        with pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        postgres_unavailable(str(exc).strip())
    return PG_URL.format(name=name), name


def drop_database(name: str | None) -> None:
    """Drop a PostgreSQL test database, ending its connections."""
    if name is None:
        return
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated to head, for the whole session."""
    url, name = create_database(backend, tmp_path_factory.mktemp("db"))
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_database(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The session's engine."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings pointing at the test database (with a fixed CSRF secret)."""
    return Settings(
        database_url=database_url, seed_text_dir=SEED_TEXT_DIR, secret_key=TEST_SECRET_KEY
    )


def build_app(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    """The app, whose requests run in the test's transaction, each in a savepoint that is
    rolled back when the request fails, as a real request's transaction would be."""
    app = create_app(settings, engine=engine)

    def test_session() -> Iterator[Session]:
        with session.begin_nested():
            yield session

    app.dependency_overrides[get_session] = test_session
    return app


@pytest.fixture
def app(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    """The app on the test's transaction (see build_app)."""
    return build_app(settings, engine, session)


@pytest.fixture
def anonymous_client(app: FastAPI) -> Iterator[TestClient]:
    """A client that sends no credentials (reads are public; writes get 401)."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def admin(session: Session) -> User:
    """An admin user (API token only, no password)."""
    return make_user(session, "admin", role="admin")


@pytest.fixture
def client(app: FastAPI, session: Session, admin: User) -> Iterator[TestClient]:
    """An API client acting as an admin, with a bearer token (so it needs no CSRF token)."""
    headers = {"Authorization": f"Bearer {make_token(session, admin)}"}
    with TestClient(app, headers=headers) as test_client:
        yield test_client


def signed_in(app: FastAPI, session: Session, user: User) -> TestClient:
    """A client holding a dashboard session of the user, as after /sign-in.

    Its form posts need the page's CSRF token (tests.page_assertions.post_form).
    """
    _, cookie = account_service.start_session(session, user, days=1)
    test_client = TestClient(app)
    test_client.cookies.set(SESSION_COOKIE, cookie)
    return test_client


@pytest.fixture
def editor_client(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A browser-like client signed in to the dashboard as an editor."""
    with signed_in(app, session, make_user(session, "editor", role="editor")) as test_client:
        yield test_client


@pytest.fixture
def seeded(session: Session) -> Session:
    """The session with the seed dataset (and the seed article's text) loaded."""
    from app.seed.loader import load_seed

    load_seed(session, SEED_TEXT_DIR)
    return session


NewDatabase = Callable[[str], str]


@pytest.fixture
def new_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewDatabase]:
    """Make empty databases migrated to head; drop them after the test."""
    names: list[str | None] = []

    def new(backend: str) -> str:
        url, name = create_database(backend, tmp_path_factory.mktemp("copy"))
        names.append(name)
        migrate.upgrade(url)
        return url

    yield new
    for name in names:
        drop_database(name)


def in_transaction(url: str, work: Callable[[Session], Any]) -> Any:
    """Run work in one committed transaction on the database."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            return work(session)
    finally:
        engine.dispose()
