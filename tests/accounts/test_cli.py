"""`posture users` and `posture tokens` on a real database."""

import subprocess
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app import cli, migrate
from app.accounts.models import ApiToken, User
from app.config import Settings, get_settings
from app.db import make_engine
from app.main import create_app
from tests.accounts.helpers import PASSWORD
from tests.conftest import SEED_TEXT_DIR, create_database, drop_database
from tests.test_cli import ok


@pytest.fixture
def url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database migrated to head."""
    url, name = create_database(backend, tmp_path_factory.mktemp("accounts-cli"))
    try:
        migrate.upgrade(url)
        yield url
    finally:
        drop_database(name)


def run(url: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`posture ARGS` on the database, with standard input (in this process: quicker than a
    subprocess; the browser tests run the real command)."""
    env = {"POSTURE_DATABASE_URL": url, "POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR)}
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli.app, list(args), input=stdin, env=env)
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


def users(url: str) -> dict[str, User]:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            return {u.username: u for u in session.scalars(select(User))}
    finally:
        engine.dispose()


def test_users_add_list_set_role_and_disable(url: str) -> None:
    added = ok(
        run(
            url,
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    )
    assert "added admin (admin)" in added.stderr
    stored = users(url)["admin"]
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash

    ok(
        run(
            url,
            "users",
            "add",
            "ana",
            "--role",
            "editor",
            "--display-name",
            "Ana A.",
            "--no-password",
        )
    )
    listed = ok(run(url, "users", "list")).stdout.splitlines()
    assert listed == ["admin\tadmin\tenabled\tadmin", "ana\teditor\tenabled\tAna A."]

    ok(run(url, "users", "set-role", "ana", "reviewer"))
    ok(run(url, "users", "disable", "ana"))
    assert users(url)["ana"].role == "reviewer"
    assert users(url)["ana"].disabled is True
    ok(run(url, "users", "enable", "ana"))
    assert users(url)["ana"].disabled is False


def test_users_add_refuses_bad_input_and_a_taken_name(url: str) -> None:
    short = run(url, "users", "add", "ana", "--role", "editor", "--password-stdin", stdin="short\n")
    assert short.returncode == 1
    assert "password" in short.stderr
    bad_role = run(url, "users", "add", "ana", "--role", "owner", "--no-password")
    assert bad_role.returncode == 1
    assert "role" in bad_role.stderr
    ok(run(url, "users", "add", "ana", "--no-password"))
    taken = run(url, "users", "add", "ana", "--no-password")
    assert taken.returncode == 1
    assert "taken" in taken.stderr
    missing = run(url, "users", "disable", "nobody")
    assert missing.returncode == 1
    assert "no user 'nobody'" in missing.stderr


def test_tokens_create_prints_the_token_once_then_list_and_revoke(url: str) -> None:
    ok(run(url, "users", "add", "ana", "--role", "editor", "--no-password"))
    created = ok(run(url, "tokens", "create", "ana", "--name", "laptop"))
    token = created.stdout.strip()
    assert token.startswith("pst_")
    assert "cannot be shown again" in created.stderr

    app = create_app(Settings(database_url=url, seed_text_dir=SEED_TEXT_DIR))
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(app, headers=headers) as client:
        assert client.get("/api/v1/me").json()["username"] == "ana"

        listed = ok(run(url, "tokens", "list", "ana")).stdout
        assert token not in listed
        token_id, prefix, username, name, *_ = listed.splitlines()[0].split("\t")
        assert (prefix, username, name) == (token[:12] + "…", "ana", "laptop")
        engine = make_engine(url)
        try:
            with Session(engine) as session:
                for row in session.execute(select(ApiToken.__table__)).all():
                    assert token not in str(row)
        finally:
            engine.dispose()

        ok(run(url, "tokens", "revoke", token_id))
        assert client.get("/api/v1/me").status_code == 401
        assert "revoked" in ok(run(url, "tokens", "list")).stdout
