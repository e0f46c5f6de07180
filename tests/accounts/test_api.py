"""Accounts through the API: who may write what, tokens, users, and /me.

Every write endpoint answers 401 to nobody and 403 to a role too low, and changes nothing.
"""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.accounts.models import ApiToken, User, UserSession
from app.claims.models import Claim
from app.config import Settings
from app.initiatives.models import Initiative
from app.sources.models import Source
from tests.accounts.helpers import (
    PASSWORD,
    WRITE_METHODS,
    Ones,
    bearer_client,
    routes,
    snapshot,
)
from tests.api_assertions import assert_problem
from tests.conftest import build_app, signed_in
from tests.factories import make_token, make_user
from tests.page_assertions import csrf_token

# Writes anyone may make: extraction only reads the text it is sent.
PUBLIC_WRITES = {("POST", "/api/v1/extract")}
# Writes any signed-in user may make (a viewer included): taking a citable snapshot.
SIGNED_IN_WRITES = {("POST", "/api/v1/snapshots")}
LOWER = {"editor": "viewer", "reviewer": "editor", "admin": "reviewer"}


@pytest.fixture
def ids(seeded: Session) -> dict[str, Any]:
    """Records of the seed to write to, and a user and a token to manage."""
    editor = make_user(seeded, "editor", role="editor")
    make_token(seeded, editor, "old")
    token_id = seeded.scalar(select(ApiToken.id).where(ApiToken.user_id == editor.id))
    claim = seeded.scalar(select(Claim).where(Claim.review_state == "accepted").limit(1))
    proposed = seeded.scalar(select(Claim).where(Claim.review_state == "proposed").limit(1))
    assert claim is not None
    return {
        "code": "GB",
        "slug": seeded.scalar(select(Initiative.slug).limit(1)),
        "source_id": seeded.scalar(select(Source.id).order_by(Source.id).limit(1)),
        "claim_id": claim.id,
        "proposed_id": proposed.id if proposed else claim.id,
        "claim_version": claim.version,
        "username": "editor",
        "token_id": token_id,
    }


def write_calls(ids: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """(role needed, method, path, body) of every write, each with a valid body."""
    claim = {
        "actor": "PL",
        "kind": "commitment",
        "role": "logistics",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": ids["source_id"],
        "evidence": {"text": "Ten European countries"},
        "review_state": "proposed",
    }
    lines = [
        {"type": "posture-export", "format": 1, "exported_at": "2025-08-21T00:00:00+00:00"},
        {"type": "actor", "code": "TESTGRP", "kind": "group", "name": "Test group"},
    ]
    return [
        ("editor", "POST", "/api/v1/actors", {"code": "TESTGRP", "kind": "group", "name": "T"}),
        ("editor", "PATCH", f"/api/v1/actors/{ids['code']}", {"description": "Changed"}),
        ("editor", "POST", "/api/v1/initiatives", {"slug": "test-plan", "name": "Test plan"}),
        ("editor", "PATCH", f"/api/v1/initiatives/{ids['slug']}", {"description": "Changed"}),
        (
            "editor",
            "POST",
            "/api/v1/sources",
            {"title": "T", "published_on": "2025-08-21", "text": "Norway is ready."},
        ),
        ("editor", "PATCH", f"/api/v1/sources/{ids['source_id']}", {"title": "Changed"}),
        ("editor", "POST", "/api/v1/claims", claim),
        ("editor", "PATCH", f"/api/v1/claims/{ids['claim_id']}", {"note": "Changed"}),
        ("editor", "POST", f"/api/v1/claims/{ids['claim_id']}/retract", {"reason": "Test"}),
        ("editor", "POST", "/api/v1/import", "".join(json.dumps(r) + "\n" for r in lines)),
        ("admin", "POST", "/api/v1/users", {"username": "newbie", "role": "admin"}),
        ("admin", "PATCH", f"/api/v1/users/{ids['username']}", {"role": "admin"}),
        ("admin", "POST", "/api/v1/tokens", {"username": ids["username"]}),
        ("admin", "DELETE", f"/api/v1/tokens/{ids['token_id']}", None),
    ]


def review_calls(app: FastAPI, ids: dict[str, Any]) -> list[tuple[str, str, str, Any]]:
    """Accepting and rejecting a claim, where the app has those routes: reviewers only."""
    paths = {path for _, path in routes(app)}
    calls = []
    for action, body in (("accept", None), ("reject", {"reason": "Not in the source"})):
        if f"/api/v1/claims/{{claim_id}}/{action}" in paths:
            path = f"/api/v1/claims/{ids['proposed_id']}/{action}"
            calls.append(("reviewer", "POST", path, body))
    return calls


def send(client: TestClient, method: str, path: str, body: Any, **headers: str) -> Any:
    """A write as an API client makes it (JSON, or JSON Lines for an import)."""
    if isinstance(body, str):
        headers["Content-Type"] = "application/x-ndjson"
        return client.request(method, path, content=body.encode(), headers=headers)
    return client.request(method, path, json=body, headers=headers)


def test_every_write_without_credentials_is_401_and_changes_nothing(
    app: FastAPI, anonymous_client: TestClient, session: Session, ids: dict[str, Any]
) -> None:
    before = snapshot(session)
    for _, method, path, body in [*write_calls(ids), *review_calls(app, ids)]:
        response = send(anonymous_client, method, path, body, **{"If-Match": '"1"'})
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), path
    assert snapshot(session) == before


def test_every_write_by_a_role_too_low_is_403_and_changes_nothing(
    app: FastAPI, session: Session, ids: dict[str, Any]
) -> None:
    calls = [*write_calls(ids), *review_calls(app, ids)]
    before = snapshot(session)
    for needed, method, path, body in calls:
        with bearer_client(app, session, LOWER[needed]) as client:
            after_client = snapshot(session)
            response = send(client, method, path, body, **{"If-Match": '"1"'})
            assert_problem(response, 403)
            assert needed in response.json()["detail"], path
            assert snapshot(session) == after_client, path
    assert snapshot(session)[0] == before[0]


@pytest.mark.parametrize("role", ["editor", "admin"])
def test_the_role_needed_may_write(
    app: FastAPI, session: Session, ids: dict[str, Any], role: str
) -> None:
    with bearer_client(app, session, role) as client:
        for needed, method, path, body in write_calls(ids):
            if needed != role:
                continue
            # A change names the version it was made to (If-Match), read just before.
            record = path.removesuffix("/retract")
            changes = method == "PATCH" or path.endswith("/retract")
            if_match = client.get(record).headers.get("ETag", '"1"') if changes else '"1"'
            response = send(client, method, path, body, **{"If-Match": if_match})
            assert response.status_code in (200, 201, 204), (path, response.text)


def test_no_write_route_of_the_api_is_left_open(
    app: FastAPI, anonymous_client: TestClient, session: Session
) -> None:
    # A safety net for routes added later: each must name the role it needs.
    writes = [
        (method, path)
        for method, path in routes(app)
        if path.startswith("/api/")
        and method in WRITE_METHODS
        and (method, path) not in PUBLIC_WRITES
    ]
    assert len(writes) >= 14
    with bearer_client(app, session, "viewer") as viewer:
        for method, template in writes:
            path = template.format_map(Ones())
            assert anonymous_client.request(method, path, json={}).status_code == 401, path
            # A viewer passes a signed-in write's check: its empty body is then refused.
            expected = 422 if (method, template) in SIGNED_IN_WRITES else 403
            assert viewer.request(method, path, json={}).status_code == expected, path


def test_extraction_stays_public(anonymous_client: TestClient, seeded: Session) -> None:
    text = "Canada has committed 2,000 troops to the force."

    response = anonymous_client.post(
        "/api/v1/extract", json={"text": text, "published_on": "2025-08-20"}
    )

    assert response.status_code == 200, response.text
    claims = response.json()["claims"]
    assert ("CA", "ground_forces", "pledged") in {
        (c["actor"], c["role"], c["status"]) for c in claims
    }


def test_reads_stay_public(anonymous_client: TestClient, seeded: Session) -> None:
    for path in ("/api/v1/claims", "/api/v1/positions", "/api/v1/actors/GB", "/api/v1/export"):
        assert anonymous_client.get(path).status_code == 200, path


def test_a_malformed_authorization_header_is_401(anonymous_client: TestClient) -> None:
    for value in ("Basic YWRtaW46eA==", "Bearer", "Bearer "):
        response = anonymous_client.get("/api/v1/me", headers={"Authorization": value})
        assert_problem(response, 401)


def test_an_unknown_token_is_401_even_for_a_public_read(anonymous_client: TestClient) -> None:
    response = anonymous_client.get("/api/v1/claims", headers={"Authorization": "Bearer pst_x"})
    body = assert_problem(response, 401)
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    assert "not valid" in body["detail"]


def test_me_names_the_user_and_how_it_signed_in(
    client: TestClient, anonymous_client: TestClient
) -> None:
    me = client.get("/api/v1/me").json()
    assert me["username"] == "admin"
    assert me["role"] == "admin"
    assert me["authenticated_by"] == "token"
    assert "password_hash" not in me
    assert_problem(anonymous_client.get("/api/v1/me"), 401)


def test_a_token_is_shown_once_and_stored_only_as_a_hash(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    make_user(session, "ana", role="editor")
    created = client.post("/api/v1/tokens", json={"username": "ana", "name": "laptop"})
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    assert token.startswith("pst_")
    assert len(token) > 40
    assert created.json()["prefix"] == token[:12]

    listed = client.get("/api/v1/tokens", params={"username": "ana"}).json()["items"]
    assert [t["name"] for t in listed] == ["laptop"]
    assert "token" not in listed[0]
    assert token not in json.dumps(listed)
    # No column of the table holds the token (or any part of it beyond the shown prefix).
    for row in session.execute(select(ApiToken.__table__)).all():
        for value in row:
            assert token not in str(value)
            assert token[12:] not in str(value)

    me = anonymous_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "ana"
    used = client.get("/api/v1/tokens", params={"username": "ana"}).json()["items"][0]
    assert used["last_used_at"] is not None


def test_a_revoked_token_stops_working_at_once(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    make_user(session, "ana", role="editor")
    created = client.post("/api/v1/tokens", json={"username": "ana"}).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert anonymous_client.get("/api/v1/me", headers=headers).status_code == 200

    assert client.delete(f"/api/v1/tokens/{created['id']}").status_code == 204

    assert_problem(anonymous_client.get("/api/v1/me", headers=headers), 401)
    refused = anonymous_client.post(
        "/api/v1/actors", json={"code": "TESTGRP", "kind": "group"}, headers=headers
    )
    assert_problem(refused, 401)
    assert client.get("/api/v1/actors/TESTGRP").status_code == 404
    listed = client.get("/api/v1/tokens", params={"username": "ana"}).json()["items"]
    assert listed[0]["revoked_at"] is not None
    # Revoking again changes nothing; an unknown token is a 404.
    assert client.delete(f"/api/v1/tokens/{created['id']}").status_code == 204
    assert_problem(client.delete("/api/v1/tokens/987654"), 404)


def test_a_disabled_users_token_and_session_stop_working(
    app: FastAPI, client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    ana = make_user(session, "ana", role="editor")
    headers = {"Authorization": f"Bearer {make_token(session, ana)}"}
    with signed_in(app, session, ana) as browser:
        assert browser.get("/api/v1/me").json()["authenticated_by"] == "session"
        assert anonymous_client.get("/api/v1/me", headers=headers).status_code == 200

        response = client.patch("/api/v1/users/ana", json={"disabled": True})
        assert response.status_code == 200, response.text
        assert response.json()["disabled"] is True

        assert_problem(anonymous_client.get("/api/v1/me", headers=headers), 401)
        assert_problem(browser.get("/api/v1/me"), 401)
        assert session.scalars(select(UserSession).where(UserSession.user_id == ana.id)).all() == []
        # Enabled again, the token works again; the session stays ended.
        client.patch("/api/v1/users/ana", json={"disabled": False})
        assert anonymous_client.get("/api/v1/me", headers=headers).status_code == 200
        assert_problem(browser.get("/api/v1/me"), 401)


def test_users_are_created_with_a_hashed_password_and_listed_without_it(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        "/api/v1/users",
        json={"username": "ana", "display_name": "Ana", "role": "editor", "password": PASSWORD},
    )
    assert response.status_code == 201, response.text
    assert response.headers["Location"] == "/api/v1/users/ana"
    assert response.json()["has_password"] is True
    stored = session.scalars(select(User).where(User.username == "ana")).one()
    assert stored.password_hash is not None
    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash
    listed = client.get("/api/v1/users").json()
    assert {"admin", "ana"} <= {u["username"] for u in listed["items"]}
    assert PASSWORD not in json.dumps(listed)
    assert "password_hash" not in json.dumps(listed)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "Ana Maria"}, "username"),
        ({"username": "ana", "role": "owner"}, "role"),
        ({"username": "ana", "password": "short"}, "password"),
        ({"username": "ana", "is_admin": True}, "is_admin"),
    ],
)
def test_bad_user_input_is_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    assert_problem(client.post("/api/v1/users", json=body), 422, field)


def test_a_taken_username_is_a_409(client: TestClient) -> None:
    assert_problem(client.post("/api/v1/users", json={"username": "admin"}), 409)


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(
    client: TestClient, session: Session
) -> None:
    assert_problem(client.patch("/api/v1/users/admin", json={"disabled": True}), 409)
    assert_problem(client.patch("/api/v1/users/admin", json={"role": "editor"}), 409)
    make_user(session, "second", role="admin")
    assert client.patch("/api/v1/users/second", json={"role": "reviewer"}).status_code == 200


def test_changing_a_role_takes_effect_at_once(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    with bearer_client(app, session, "viewer") as viewer:
        body = {"code": "TESTGRP", "kind": "group", "name": "Test group"}
        assert_problem(viewer.post("/api/v1/actors", json=body), 403)
        client.patch("/api/v1/users/test-viewer", json={"role": "editor"})
        assert viewer.post("/api/v1/actors", json=body).status_code == 201


def test_a_cookie_signed_in_api_write_needs_the_csrf_header(
    editor_client: TestClient, session: Session
) -> None:
    body = {"code": "TESTGRP", "kind": "group", "name": "Test group"}
    refused = editor_client.post("/api/v1/actors", json=body)
    assert_problem(refused, 403)
    assert "CSRF" in refused.json()["detail"]
    wrong = editor_client.post("/api/v1/actors", json=body, headers={"X-CSRF-Token": "0" * 64})
    assert_problem(wrong, 403)
    assert editor_client.get("/api/v1/actors/TESTGRP").status_code == 404

    token = csrf_token(editor_client)
    created = editor_client.post("/api/v1/actors", json=body, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text


def test_writes_are_attributed_to_the_user_on_the_session(
    client: TestClient, session: Session
) -> None:
    client.get("/api/v1/me")
    admin = session.scalars(select(User).where(User.username == "admin")).one()
    assert session.info["user_id"] == admin.id


def test_reading_can_require_a_signed_in_viewer(
    settings: Settings, engine: Engine, seeded: Session
) -> None:
    session = seeded
    app = build_app(settings.model_copy(update={"require_sign_in_to_read": True}), engine, session)
    with TestClient(app) as anonymous:
        assert_problem(anonymous.get("/api/v1/claims"), 401)
        if ("POST", "/api/v1/extract") in routes(app):
            assert_problem(anonymous.post("/api/v1/extract", json={"text": "x"}), 401)
        page = anonymous.get("/", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["Location"].startswith("/sign-in")
        assert anonymous.get("/sign-in").status_code == 200
    with bearer_client(app, session, "viewer") as viewer:
        assert viewer.get("/api/v1/claims").status_code == 200
        assert viewer.get("/").status_code == 200
