"""The review page: proposed claims beside their evidence, oldest first, accepted, edited
then accepted, or rejected with a reason by forms, one source's proposals all at once."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.claims.models import Claim
from app.sources.models import Source
from tests.conftest import signed_in
from tests.factories import make_claim, make_source, make_user
from tests.html_tree import parse
from tests.page_assertions import csrf_token, get_page, text_of

TEXT = (
    "Paris, 20 August. The United Kingdom is ready to send troops, officials said. "
    "France agrees. Germany is studying the plan."
)


@pytest.fixture
def rita(session: Session) -> User:
    """A reviewer."""
    return make_user(session, "rita", role="reviewer")


@pytest.fixture
def reviewer(app: FastAPI, session: Session, rita: User) -> Iterator[TestClient]:
    """A browser signed in to the dashboard as a reviewer."""
    with signed_in(app, session, rita) as client:
        yield client


@pytest.fixture
def source(session: Session) -> Source:
    return make_source(session, text=TEXT)


def propose(session: Session, source: Source, actor: str = "GB", **fields: Any) -> Claim:
    """A proposed claim on the source."""
    return make_claim(session, source=source, actor=actor, review_state="proposed", **fields)


def post(client: TestClient, url: str, data: dict[str, str], status: int) -> Any:
    """POST a queue form as the browser does (with the page's CSRF token)."""
    data = {**data, "csrf_token": csrf_token(client, "/review")}
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == status, response.text[:3000]
    return response


def state(client: TestClient, claim: Claim) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/api/v1/claims/{claim.id}").json()
    return body


def test_the_queue_shows_proposals_oldest_first_beside_their_evidence(
    reviewer: TestClient, session: Session, source: Source
) -> None:
    first = propose(session, source)
    second = propose(
        session, source, actor="FR", status="willing", evidence={"text": "France agrees"}
    )
    make_claim(session, source=source, actor="DE", evidence={"text": "Germany is studying"})
    page = get_page(reviewer, "/review")
    doc = parse(page)
    items = doc.find_all("article", class_="proposal")
    assert [i.attrs["id"] for i in items] == [f"proposal-{first.id}", f"proposal-{second.id}"]
    # The evidence is marked inside the source's own words around it.
    excerpt = items[0].find("blockquote")
    assert excerpt.find("mark").text() == "ready to send troops"
    assert "The United Kingdom is" in excerpt.text()
    assert "officials said" in excerpt.text()
    forms = {f.attrs["action"]: f for f in items[0].find_all("form")}
    assert set(forms) == {f"/review/{first.id}/accept", f"/review/{first.id}/reject"}
    assert forms[f"/review/{first.id}/accept"].find("input", name="version").attrs["value"] == "1"
    assert items[0].find("a", class_="edit").attrs["href"] == f"/review/{first.id}/edit"
    # Keyboard shortcuts come from a static file, never an inline script.
    assert '<script src="/static/js/review.js" defer></script>' in page
    script = reviewer.get("/static/js/review.js")
    assert script.status_code == 200
    assert "keydown" in script.text
    assert doc.find("nav").find("a", href="/review").text() == "Review"


def test_the_queue_filters_by_source_and_offers_to_accept_all_of_it(
    reviewer: TestClient, session: Session, source: Source
) -> None:
    other = make_source(session, text="Elsewhere. Poland is ready to send troops too.")
    mine = propose(session, source)
    theirs = propose(session, other, actor="PL")
    everything = parse(get_page(reviewer, "/review"))
    assert len(everything.find_all("article", class_="proposal")) == 2
    assert not everything.find_all("form", class_="accept-all")
    only = parse(get_page(reviewer, "/review", source=str(source.id)))
    assert [i.attrs["id"] for i in only.find_all("article", class_="proposal")] == [
        f"proposal-{mine.id}"
    ]
    accept_all = only.find("form", class_="accept-all")
    assert accept_all.find("button").text() == "Accept all 1 proposal of this source"
    assert theirs.id not in [
        int(i.attrs["name"].removeprefix("version_"))
        for i in accept_all.find_all("input")
        if i.attrs["name"].startswith("version_")
    ]


def test_accepting_from_the_queue(reviewer: TestClient, session: Session, source: Source) -> None:
    claim = propose(session, source)
    response = post(
        reviewer, f"/review/{claim.id}/accept", {"version": "1", "source": str(source.id)}, 303
    )
    assert response.headers["location"] == f"/review?source={source.id}&accepted=1"
    assert "Accepted 1 claim." in text_of(get_page(reviewer, response.headers["location"]))
    assert state(reviewer, claim)["review_state"] == "accepted"


def test_rejecting_needs_a_reason_which_the_claim_page_then_shows(
    reviewer: TestClient, session: Session, source: Source, rita: User
) -> None:
    claim = propose(session, source)
    refused = post(reviewer, f"/review/{claim.id}/reject", {"version": "1", "reason": " "}, 422)
    message = parse(refused.text).by_id(f"reason-{claim.id}-error").text()
    assert message == "Give the reason for rejecting it."
    assert state(reviewer, claim)["review_state"] == "proposed"
    post(reviewer, f"/review/{claim.id}/reject", {"version": "1", "reason": "Misread."}, 303)
    assert (state(reviewer, claim)["review_state"], state(reviewer, claim)["review_note"]) == (
        "rejected",
        "Misread.",
    )
    text = text_of(get_page(reviewer, f"/claims/{claim.id}"))
    assert f"Rejected by {rita.display_name} on" in text
    assert "Misread." in text


def test_edit_then_accept_saves_the_changes_and_accepts(
    reviewer: TestClient, session: Session, source: Source
) -> None:
    claim = propose(session, source)
    form = get_page(reviewer, f"/review/{claim.id}/edit")
    doc = parse(form)
    assert doc.find("form", class_="claim-form").attrs["action"] == f"/review/{claim.id}/edit"
    assert doc.find("form", class_="claim-form").find("button").text() == "Save and accept"
    assert not doc.find_all("select", name="review_state")
    data = {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "pledged",
        "certainty": "high",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": str(source.id),
        "evidence_text": "ready to send troops",
        "version": "1",
        "csrf_token": csrf_token(reviewer, f"/review/{claim.id}/edit"),
    }
    bad = reviewer.post(
        f"/review/{claim.id}/edit", data={**data, "actor": "XQ"}, follow_redirects=False
    )
    assert bad.status_code == 422
    assert state(reviewer, claim)["review_state"] == "proposed"
    saved = reviewer.post(f"/review/{claim.id}/edit", data=data, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:2000]
    after = state(reviewer, claim)
    assert (after["status"], after["review_state"], after["version"]) == (
        "pledged",
        "accepted",
        2,
    )


def test_accept_all_accepts_the_sources_proposals_but_not_the_reviewers_own(
    reviewer: TestClient, session: Session, source: Source, rita: User
) -> None:
    first = propose(session, source)
    second = propose(session, source, actor="FR", evidence={"text": "France agrees"})
    session.info["user_id"] = rita.id
    own = propose(session, source, actor="DE", evidence={"text": "Germany is studying"})
    session.info.pop("user_id")
    versions = {f"version_{c.id}": "1" for c in (first, second, own)}
    response = post(reviewer, "/review/accept-all", {"source": str(source.id), **versions}, 303)
    assert response.headers["location"] == f"/review?source={source.id}&accepted=2&left=1"
    assert [state(reviewer, c)["review_state"] for c in (first, second, own)] == [
        "accepted",
        "accepted",
        "proposed",
    ]
    text = text_of(get_page(reviewer, response.headers["location"]))
    assert "Accepted 2 claims. 1 of them is yours and waits for another reviewer." in text


def test_accept_all_with_a_proposal_changed_since_accepts_none(
    reviewer: TestClient, session: Session, source: Source
) -> None:
    first = propose(session, source)
    second = propose(session, source, actor="FR", evidence={"text": "France agrees"})
    versions = {f"version_{first.id}": "1", f"version_{second.id}": "0"}
    response = post(reviewer, "/review/accept-all", {"source": str(source.id), **versions}, 409)
    assert "none was accepted" in text_of(response.text)
    assert [state(reviewer, c)["review_state"] for c in (first, second)] == ["proposed"] * 2


def test_a_proposal_changed_since_the_queue_was_loaded_is_not_accepted(
    reviewer: TestClient, session: Session, source: Source
) -> None:
    claim = propose(session, source)
    response = post(reviewer, f"/review/{claim.id}/accept", {"version": "7"}, 409)
    assert f"Claim {claim.id} changed since this page was loaded" in text_of(response.text)
    assert state(reviewer, claim)["review_state"] == "proposed"


def test_a_reviewer_cannot_accept_their_own_claim_from_the_queue(
    reviewer: TestClient, session: Session, source: Source, rita: User
) -> None:
    session.info["user_id"] = rita.id
    claim = propose(session, source)
    session.info.pop("user_id")
    response = post(reviewer, f"/review/{claim.id}/accept", {"version": "1"}, 403)
    assert "another reviewer must accept it" in text_of(response.text)
    assert state(reviewer, claim)["review_state"] == "proposed"
