"""Signing in and out of the dashboard, its forms' CSRF tokens, who sees the edit links,
and the throttling of failed sign-ins."""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app import migrate
from app.accounts.deps import PRE_SESSION_COOKIE, SESSION_COOKIE
from app.accounts.models import SignInFailure, User, UserSession
from app.accounts.service import digest, start_session
from app.claims.models import Claim
from app.config import Settings
from app.db import make_engine, make_session_factory, utcnow
from app.main import create_app
from tests.accounts.helpers import PASSWORD, Ones, routes, snapshot
from tests.conftest import TEST_SECRET_KEY, build_app, signed_in
from tests.factories import make_actor, make_source, make_user
from tests.page_assertions import csrf_token, field_message, get_page, post_form, text_of

FORM_PAGE = re.compile(r"/(new|edit|retract)$")
# Forms any signed-in user may send (a viewer included): taking a citable snapshot.
SIGNED_IN_FORMS = {("POST", "/snapshots")}
EDIT_LINK = re.compile(r'href="[^"]*/(new|edit|retract)(\?[^"]*)?"')


def sign_in(client: TestClient, username: str, password: str, next_url: str = "/") -> Any:
    """Fill and send the sign-in form, as a browser does."""
    token = csrf_token(client, f"/sign-in?next={next_url}")
    data = {"username": username, "password": password, "next": next_url, "csrf_token": token}
    return client.post("/sign-in", data=data, follow_redirects=False)


def claim_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Claim)) or 0)


def claim_form(source_id: int) -> dict[str, str]:
    return {
        "actor": "PL",
        "kind": "commitment",
        "role": "logistics",
        "status": "willing",
        "certainty": "high",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": str(source_id),
        "evidence_text": "ready to send troops",
        "review_state": "proposed",
    }


@pytest.fixture
def ana(session: Session) -> User:
    return make_user(session, "ana", role="editor", password=PASSWORD)


def test_sign_in_sets_a_hardened_session_cookie_and_goes_back(
    anonymous_client: TestClient, session: Session, ana: User
) -> None:
    form = get_page(anonymous_client, "/sign-in", next="/claims/new")
    assert 'name="csrf_token"' in form
    assert 'autocomplete="current-password"' in form
    assert PRE_SESSION_COOKIE in anonymous_client.cookies

    response = sign_in(anonymous_client, "ana", PASSWORD, "/claims/new")

    assert response.status_code == 303
    assert response.headers["Location"] == "/claims/new"
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie
    value = anonymous_client.cookies[SESSION_COOKIE]
    # Only a hash of the cookie is stored.
    stored = session.scalars(select(UserSession).where(UserSession.user_id == ana.id)).one()
    assert stored.token_hash == digest(value)
    assert value not in stored.token_hash
    assert anonymous_client.get("/api/v1/me").json()["authenticated_by"] == "session"
    header = text_of(get_page(anonymous_client, "/"))
    assert "Signed in as Ana (editor)" in header
    assert "Sign out" in header


def test_over_https_the_cookie_is_secure(app: FastAPI, ana: User) -> None:
    with TestClient(app, base_url="https://testserver") as browser:
        response = sign_in(browser, "ana", PASSWORD)
    cookie = next(
        h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
    )
    assert "Secure" in cookie


def test_the_next_page_is_never_another_site(anonymous_client: TestClient, ana: User) -> None:
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = sign_in(anonymous_client, "ana", PASSWORD, target)
        assert response.headers["Location"] == "/"


def test_a_wrong_password_is_refused_beside_the_field_and_recorded(
    anonymous_client: TestClient, session: Session, ana: User
) -> None:
    response = sign_in(anonymous_client, "ana", "wrong password!")
    assert response.status_code == 401
    assert field_message(response.text, "password") == "Wrong username or password."
    assert SESSION_COOKIE not in anonymous_client.cookies
    # The same answer for a user who does not exist.
    unknown = sign_in(anonymous_client, "nobody", PASSWORD)
    assert field_message(unknown.text, "password") == "Wrong username or password."
    failures = session.scalars(select(SignInFailure.username)).all()
    assert sorted(failures) == ["ana", "nobody"]
    # Neither the password tried nor the right one is stored anywhere.
    for row in session.execute(select(SignInFailure.__table__)).all():
        assert "wrong password!" not in str(row)


def test_empty_fields_are_named_beside_them(anonymous_client: TestClient, ana: User) -> None:
    token = csrf_token(anonymous_client, "/sign-in")
    response = anonymous_client.post(
        "/sign-in", data={"username": "", "password": "", "csrf_token": token}
    )
    assert response.status_code == 422
    assert field_message(response.text, "username") == "Enter your username."
    assert field_message(response.text, "password") == "Enter your password."


def test_a_disabled_user_cannot_sign_in(
    anonymous_client: TestClient, session: Session, ana: User
) -> None:
    ana.disabled = True
    session.flush()
    response = sign_in(anonymous_client, "ana", PASSWORD)
    assert response.status_code == 401
    assert SESSION_COOKIE not in anonymous_client.cookies


def test_sign_in_without_the_forms_csrf_token_is_refused(
    anonymous_client: TestClient, session: Session, ana: User
) -> None:
    anonymous_client.get("/sign-in")
    response = anonymous_client.post(
        "/sign-in", data={"username": "ana", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert SESSION_COOKIE not in anonymous_client.cookies
    assert session.scalars(select(UserSession)).all() == []


@pytest.fixture
def strict(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    """The app with 3 failures allowed per username and 5 per address."""
    changed = settings.model_copy(
        update={"sign_in_max_failures": 3, "sign_in_max_failures_per_ip": 5}
    )
    return build_app(changed, engine, session)


def test_repeated_failures_for_a_username_are_throttled_with_a_clear_message(
    strict: FastAPI, session: Session, ana: User
) -> None:
    with TestClient(strict) as browser:
        for _ in range(3):
            assert sign_in(browser, "ana", "wrong password!").status_code == 401
        # Even the right password is refused while the username is throttled.
        refused = sign_in(browser, "ana", PASSWORD)
        assert refused.status_code == 429
        assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
        message = text_of(refused.text)
        assert "Too many failed sign-ins" in message
        assert "Try again in 15 minutes" in message
        assert SESSION_COOKIE not in browser.cookies
        # Another username from the same address is not throttled yet.
        make_user(session, "bo", role="viewer", password=PASSWORD)
        assert sign_in(browser, "bo", PASSWORD).status_code == 303

    # Once the failures are older than the window, the username may sign in again.
    for failure in session.scalars(select(SignInFailure)):
        failure.attempted_at = utcnow() - timedelta(minutes=16)
    session.flush()
    with TestClient(strict) as browser:
        assert sign_in(browser, "ana", PASSWORD).status_code == 303


def test_repeated_failures_from_one_address_are_throttled(strict: FastAPI, ana: User) -> None:
    with TestClient(strict) as browser:
        for n in range(5):
            assert sign_in(browser, f"guess{n}", "wrong password!").status_code == 401
        refused = sign_in(browser, "ana", PASSWORD)
        assert refused.status_code == 429
        assert "Too many failed sign-ins" in text_of(refused.text)


def test_sign_out_ends_the_session_for_good(
    anonymous_client: TestClient, session: Session, ana: User
) -> None:
    sign_in(anonymous_client, "ana", PASSWORD)
    value = anonymous_client.cookies[SESSION_COOKIE]
    # Without the CSRF token, sign-out is refused (another site cannot sign you out).
    assert anonymous_client.post("/sign-out", follow_redirects=False).status_code == 403
    token = csrf_token(anonymous_client)
    response = anonymous_client.post(
        "/sign-out", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert SESSION_COOKIE not in anonymous_client.cookies
    assert session.scalars(select(UserSession)).all() == []
    # The old cookie value opens nothing any more.
    anonymous_client.cookies.set(SESSION_COOKIE, value)
    assert anonymous_client.get("/api/v1/me").status_code == 401
    assert "Sign in" in text_of(get_page(anonymous_client, "/"))


def test_a_form_post_without_a_csrf_token_is_refused_and_writes_nothing(
    editor_client: TestClient, session: Session
) -> None:
    make_actor(session, "PL")
    source = make_source(session)
    before = claim_count(session)
    data = claim_form(source.id)

    missing = editor_client.post("/claims/new", data=data, follow_redirects=False)
    wrong = editor_client.post(
        "/claims/new", data={**data, "csrf_token": "0" * 64}, follow_redirects=False
    )

    for response in (missing, wrong):
        assert response.status_code == 403
        assert "CSRF token" in text_of(response.text)
    assert claim_count(session) == before
    # The token of another session is no good either.
    other = make_user(session, "other", role="editor")
    with signed_in(editor_client.app, session, other) as other_client:
        stolen = csrf_token(other_client, "/claims/new")
    assert editor_client.post("/claims/new", data={**data, "csrf_token": stolen}).status_code == 403
    assert claim_count(session) == before
    # With its own token, the same form is saved.
    assert post_form(editor_client, "/claims/new", data).status_code == 303
    assert claim_count(session) == before + 1


def test_every_form_of_the_dashboard_needs_an_editor_and_its_csrf_token(
    app: FastAPI, anonymous_client: TestClient, editor_client: TestClient, seeded: Session
) -> None:
    session = seeded
    viewer = make_user(session, "viewer", role="viewer")
    pages = [
        (method, path)
        for method, path in routes(app)
        if not path.startswith(("/api/", "/sign-", "/static"))
        and (method == "POST" or FORM_PAGE.search(path) or path == "/review")
    ]
    assert len(pages) >= 18
    before = snapshot(session)
    with signed_in(app, session, viewer) as viewer_client:
        viewer_token = csrf_token(viewer_client)
        for method, template in pages:
            path = template.format_map(Ones(code="GB"))
            anonymous = anonymous_client.request(method, path, follow_redirects=False)
            assert anonymous.status_code == 303, path
            assert anonymous.headers["Location"].startswith("/sign-in?next="), path
            data = {"csrf_token": viewer_token} if method == "POST" else None
            low = viewer_client.request(method, path, data=data, follow_redirects=False)
            if (method, template) in SIGNED_IN_FORMS:
                # Any signed-in user may: the empty form is refused, beside its fields.
                assert low.status_code == 422, path
            else:
                assert low.status_code == 403, path
                assert "This needs the" in text_of(low.text), path
            if method == "POST":
                no_token = editor_client.post(path, data={}, follow_redirects=False)
                assert no_token.status_code == 403, path
    assert snapshot(session)[0] == before[0]


def test_a_signed_out_htmx_request_is_sent_to_the_sign_in_page(
    anonymous_client: TestClient,
) -> None:
    response = anonymous_client.get("/claims/new", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/sign-in?next=%2Fclaims%2Fnew"


def test_edit_links_are_shown_to_editors_only(
    app: FastAPI, anonymous_client: TestClient, editor_client: TestClient, seeded: Session
) -> None:
    claim = seeded.scalars(select(Claim).limit(1)).one()
    pages = ["/actors", "/actors/GB", "/sources", "/initiatives", f"/claims/{claim.id}"]
    with signed_in(app, seeded, make_user(seeded, "viewer", role="viewer")) as viewer:
        for path in pages:
            for reader in (anonymous_client, viewer):
                assert not EDIT_LINK.search(get_page(reader, path)), path
        assert "Signed in as Viewer (viewer)" in text_of(get_page(viewer, "/"))
    for path in pages:
        assert EDIT_LINK.search(get_page(editor_client, path)), path
    assert "Sign in" in text_of(get_page(anonymous_client, "/"))


def test_an_error_page_after_a_rolled_back_request_still_names_the_user(tmp_path: Path) -> None:
    # The real app, one real transaction per request: a 404 rolls it back before the error
    # page is rendered, and the header must not need the database any more.
    url = f"sqlite:///{tmp_path / 'errors.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            _, cookie = start_session(session, make_user(session, "ana", role="editor"), days=1)
    finally:
        engine.dispose()
    app = create_app(Settings(database_url=url, secret_key=TEST_SECRET_KEY))
    with TestClient(app, cookies={SESSION_COOKIE: cookie}) as browser:
        for path in ("/actors/XQ", "/actors/XQ/edit"):
            missing = browser.get(path)
            assert missing.status_code == 404, path
            assert "Signed in as Ana (editor)" in text_of(missing.text)
