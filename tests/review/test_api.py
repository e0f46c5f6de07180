"""The review workflow through the API: the queue, accept, edit-and-accept, reject with a
reason, and a reviewer never accepting their own claim unless the setting allows it."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from tests.accounts.helpers import bearer_client
from tests.api_assertions import assert_problem
from tests.conftest import build_app
from tests.etags import if_match
from tests.factories import make_actor, make_claim, make_source, make_token, make_user

TEXT = "Source text. The United Kingdom is ready to send troops. France agrees."
REVIEW = "/api/v1/review"
CLAIMS = "/api/v1/claims"
NEW_CLAIM = {
    "actor": "GB",
    "kind": "commitment",
    "role": "ground_forces",
    "status": "willing",
    "basis": "statement",
    "stated_on": "2025-08-20",
    "evidence": {"text": "ready to send troops"},
}


def ids(body: dict[str, list[dict[str, int]]]) -> list[int]:
    return [c["id"] for c in body["items"]]


@pytest.fixture
def reviewer(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A second user, a reviewer, calling the API with a token."""
    with bearer_client(app, session, "reviewer", "rita") as test_client:
        yield test_client


def test_the_queue_lists_proposed_claims_oldest_first_by_source(
    client: TestClient, session: Session
) -> None:
    one = make_source(session, text=TEXT)
    two = make_source(session, text="Another text. " + TEXT)
    first = make_claim(session, source=two, review_state="proposed")
    second = make_claim(session, source=one, actor="FR", review_state="proposed")
    third = make_claim(session, source=two, actor="DE", review_state="proposed")
    make_claim(session, source=one, actor="PL", review_state="accepted")
    make_claim(session, source=one, actor="IT", review_state="rejected")
    retracted = make_claim(session, source=one, actor="ES", review_state="proposed")
    url = f"{CLAIMS}/{retracted.id}"
    client.post(f"{url}/retract", json={"reason": "x"}, headers=if_match(client, url))
    assert ids(client.get(REVIEW).json()) == [first.id, second.id, third.id]
    assert ids(client.get(REVIEW, params={"source": two.id}).json()) == [first.id, third.id]
    page = client.get(REVIEW, params={"limit": 1, "offset": 1}).json()
    assert (ids(page), page["total"]) == ([second.id], 3)
    assert_problem(client.get(REVIEW, params={"source": 987654}), 422, "source")


def test_accepting_a_claim_makes_it_count_and_records_the_reviewer(
    reviewer: TestClient, session: Session
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    assert reviewer.get("/api/v1/positions", params={"as_of": "2025-08-20"}).json()["cells"] == []
    url = f"{CLAIMS}/{claim.id}"
    response = reviewer.post(f"{url}/accept", headers=if_match(reviewer, url))
    assert response.status_code == 200, response.text
    body = response.json()
    rita = make_user(session, "rita")
    assert (body["review_state"], body["reviewed_by"], body["version"]) == ("accepted", rita.id, 2)
    assert body["reviewed_at"] is not None
    assert response.headers["etag"] == '"2"'
    cells = reviewer.get("/api/v1/positions", params={"as_of": "2025-08-20"}).json()["cells"]
    assert [c["claim_id"] for c in cells] == [claim.id]
    assert claim.id not in ids(reviewer.get(REVIEW).json())


def test_edit_and_accept_changes_the_fields_and_accepts_in_one_write(
    reviewer: TestClient, session: Session
) -> None:
    make_actor(session, "FR")
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    url = f"{CLAIMS}/{claim.id}"
    body = {"status": "pledged", "limits": "no combat zones", "review_note": "status raised"}
    response = reviewer.post(f"{url}/accept", json=body, headers=if_match(reviewer, url))
    assert response.status_code == 200, response.text
    accepted = response.json()
    assert (accepted["status"], accepted["limits"], accepted["review_state"]) == (
        "pledged",
        "no combat zones",
        "accepted",
    )
    assert (accepted["review_note"], accepted["version"]) == ("status raised", 2)
    trail = reviewer.get("/api/v1/audit", params={"record_type": "claim", "record": claim.id})
    assert trail.json()["items"][0]["action"] == "accept"


def test_edit_and_accept_refuses_a_bad_change_and_accepts_nothing(
    reviewer: TestClient, session: Session
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    url = f"{CLAIMS}/{claim.id}"
    bad = reviewer.post(f"{url}/accept", json={"actor": "XQ"}, headers=if_match(reviewer, url))
    assert_problem(bad, 422, "actor")
    state = reviewer.post(
        f"{url}/accept", json={"review_state": "rejected"}, headers=if_match(reviewer, url)
    )
    assert_problem(state, 422, "review_state")
    after = reviewer.get(url).json()
    assert (after["review_state"], after["actor"], after["version"]) == ("proposed", "GB", 1)


def test_rejecting_keeps_the_reason_and_the_claim_never_counts(
    reviewer: TestClient, session: Session
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    url = f"{CLAIMS}/{claim.id}"
    assert_problem(
        reviewer.post(f"{url}/reject", json={}, headers=if_match(reviewer, url)), 422, "reason"
    )
    response = reviewer.post(
        f"{url}/reject", json={"reason": "The text says France."}, headers=if_match(reviewer, url)
    )
    assert response.status_code == 200, response.text
    assert (response.json()["review_state"], response.json()["review_note"]) == (
        "rejected",
        "The text says France.",
    )
    assert reviewer.get("/api/v1/positions", params={"as_of": "2025-08-20"}).json()["cells"] == []


@pytest.mark.parametrize(
    ("state", "verb"), [("accepted", "accept"), ("accepted", "reject"), ("rejected", "accept")]
)
def test_only_a_proposed_claim_is_reviewed(
    reviewer: TestClient, session: Session, state: str, verb: str
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state=state)
    url = f"{CLAIMS}/{claim.id}"
    body = {"reason": "x"} if verb == "reject" else {}
    response = reviewer.post(f"{url}/{verb}", json=body, headers=if_match(reviewer, url))
    assert_problem(response, 409, "review_state")
    assert reviewer.get(url).json()["review_state"] == state


def test_a_new_claim_names_its_author_and_the_author_cannot_accept_it(
    client: TestClient, reviewer: TestClient, session: Session, admin: User
) -> None:
    source = make_source(session, text=TEXT)
    make_actor(session, "GB")
    created = client.post(CLAIMS, json={**NEW_CLAIM, "source_id": source.id})
    assert created.status_code == 201, created.text
    claim = created.json()
    assert (claim["created_by"], claim["review_state"]) == (admin.id, "proposed")
    url = f"{CLAIMS}/{claim['id']}"
    own = client.post(f"{url}/accept", headers=if_match(client, url))
    assert "another reviewer" in assert_problem(own, 403)["detail"]
    patched = client.patch(url, json={"review_state": "accepted"}, headers=if_match(client, url))
    assert_problem(patched, 403)
    assert client.get(url).json()["review_state"] == "proposed"
    # Another reviewer may accept it.
    other = reviewer.post(f"{url}/accept", headers=if_match(reviewer, url))
    assert other.status_code == 200
    # Rejecting one's own proposal is allowed: it withdraws it.
    second = client.post(CLAIMS, json={**NEW_CLAIM, "actor": "GB", "source_id": source.id})
    url = f"{CLAIMS}/{second.json()['id']}"
    withdrawn = client.post(
        f"{url}/reject", json={"reason": "mine, wrong"}, headers=if_match(client, url)
    )
    assert withdrawn.status_code == 200


def test_the_setting_allows_self_review(
    settings: Settings, engine: Engine, session: Session, admin: User
) -> None:
    allowing = settings.model_copy(update={"allow_self_review": True})
    app = build_app(allowing, engine, session)
    headers = {"Authorization": f"Bearer {make_token(session, admin)}"}
    source = make_source(session, text=TEXT)
    make_actor(session, "GB")
    with TestClient(app, headers=headers) as client:
        claim = client.post(CLAIMS, json={**NEW_CLAIM, "source_id": source.id}).json()
        url = f"{CLAIMS}/{claim['id']}"
        response = client.post(f"{url}/accept", headers=if_match(client, url))
        assert response.status_code == 200, response.text
        assert response.json()["reviewed_by"] == claim["created_by"] == admin.id


def test_claims_recorded_without_a_user_can_be_accepted_by_anyone(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    assert claim.created_by is None
    url = f"{CLAIMS}/{claim.id}"
    assert client.post(f"{url}/accept", headers=if_match(client, url)).status_code == 200


def test_review_writes_need_if_match(reviewer: TestClient, session: Session) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT), review_state="proposed")
    url = f"{CLAIMS}/{claim.id}"
    assert_problem(reviewer.post(f"{url}/accept"), 428)
    stale = {"If-Match": '"5"'}
    assert_problem(reviewer.post(f"{url}/reject", json={"reason": "x"}, headers=stale), 412)
    assert reviewer.get(url).json()["review_state"] == "proposed"


@pytest.fixture
def editor(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """An editor calling the API with a token."""
    with bearer_client(app, session, "editor", "eddie") as test_client:
        yield test_client


@pytest.mark.parametrize("state", ["accepted", "rejected"])
def test_an_editor_cannot_record_a_claim_as_reviewed(
    editor: TestClient, session: Session, state: str
) -> None:
    make_actor(session, "GB")
    source = make_source(session, text=TEXT)
    before = editor.get(CLAIMS).json()["total"]

    refused = editor.post(CLAIMS, json={**NEW_CLAIM, "source_id": source.id, "review_state": state})
    proposed = editor.post(CLAIMS, json={**NEW_CLAIM, "source_id": source.id})

    body = assert_problem(refused, 403)
    assert body["errors"][0]["field"] == "review_state"
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["review_state"] == "proposed"
    assert editor.get(CLAIMS).json()["total"] == before + 1


def test_an_editor_cannot_accept_by_patching_the_review_state(
    editor: TestClient, reviewer: TestClient, session: Session
) -> None:
    claim = make_claim(session, review_state="proposed")
    url = f"{CLAIMS}/{claim.id}"

    refused = editor.patch(url, json={"review_state": "accepted"}, headers=if_match(editor, url))
    edited = editor.patch(url, json={"limits": "not at sea"}, headers=if_match(editor, url))
    accepted = reviewer.patch(
        url, json={"review_state": "accepted"}, headers=if_match(reviewer, url)
    )

    assert assert_problem(refused, 403)["errors"][0]["field"] == "review_state"
    assert edited.status_code == 200, edited.text
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["review_state"] == "accepted"
