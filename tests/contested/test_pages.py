"""The /contested page: each contested cell as a card with its claims side by side, and
a reviewer's retraction that settles the cell, goes back to the page and is audited."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.audit import service as audit
from tests.conftest import signed_in
from tests.contested.helpers import DAY, D, claim_on, disagreement
from tests.factories import make_user
from tests.page_assertions import csrf_token, get_page

PAGE = "/contested"


@pytest.fixture
def reviewer_client(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A browser-like client signed in to the dashboard as a reviewer."""
    with signed_in(app, session, make_user(session, "reviewer", role="reviewer")) as client:
        yield client


def retract(client: TestClient, claim_id: int, reason: str, version: int = 1, **dates: str) -> Any:
    data = {"reason": reason, "version": str(version), **dates}
    data["csrf_token"] = csrf_token(client, PAGE)
    return client.post(f"{PAGE}/{claim_id}/retract", data=data, follow_redirects=False)


def test_the_page_shows_each_contested_cell_with_its_claims_side_by_side(
    anonymous_client: TestClient, session: Session
) -> None:
    winner, loser = disagreement(session)
    page = get_page(anonymous_client, PAGE, as_of="2025-08-20")
    assert 'href="/contested">Contested</a>' in page
    assert 'id="cell-GB-ground_forces"' in page
    assert f'href="/claims/{winner.id}">Claim {winner.id}</a> <span class="mark"' in page
    assert f'href="/sources/{loser.source_id}#claim-{loser.id}"' in page
    assert page.count('<blockquote class="evidence source-excerpt">ready to send troops') == 2
    assert "Ruled out" in page
    assert "Willing" in page
    # Reading is public; settling is a reviewer's.
    assert "/retract" not in page
    assert f"/claims/{winner.id}/edit" not in page


def test_known_as_of_and_a_quiet_date_show_no_cell(
    anonymous_client: TestClient, session: Session
) -> None:
    claim_on(session, DAY, status="ruled_out")
    claim_on(session, DAY, D(2025, 8, 25), status="willing", basis="report")
    assert 'id="cell-GB-ground_forces"' in get_page(anonymous_client, PAGE, as_of="2025-08-30")
    page = get_page(anonymous_client, PAGE, as_of="2025-08-30", known_as_of="2025-08-24")
    assert "No cell is contested as of 2025-08-30, on what was known by 2025-08-24." in page
    assert 'value="2025-08-24"' in page
    assert "No cell is contested" in get_page(anonymous_client, PAGE, as_of="2025-08-19")


def test_a_reviewer_retracts_a_claim_and_the_cell_is_settled_and_audited(
    reviewer_client: TestClient, session: Session
) -> None:
    winner, loser = disagreement(session)
    page = get_page(reviewer_client, PAGE, as_of="2025-08-20")
    assert f'action="/contested/{winner.id}/retract"' in page
    assert f'action="/contested/{loser.id}/retract"' in page
    assert f'href="/claims/{loser.id}/edit"' in page
    answer = retract(reviewer_client, loser.id, "misread the report", as_of="2025-08-20")
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location == f"/contested?as_of=2025-08-20&retracted={loser.id}"
    page = get_page(reviewer_client, location)
    assert f"Claim {loser.id} is retracted" in page
    assert "No cell is contested as of 2025-08-20" in page
    latest = audit.record_history(session, "claim", loser.id)[0]
    assert (latest.action, latest.who) == ("retract", "Reviewer")
    assert [(c.field, c.after) for c in latest.changes if c.field == "retraction_reason"] == [
        ("retraction_reason", "misread the report")
    ]


def test_a_retraction_without_a_reason_is_refused_beside_its_input(
    reviewer_client: TestClient, session: Session
) -> None:
    _, loser = disagreement(session)
    answer = retract(reviewer_client, loser.id, "  ", as_of="2025-08-20")
    assert answer.status_code == 422
    page = answer.text
    assert f'id="reason-{loser.id}" name="reason" value="" maxlength="2000"' in page
    assert f'aria-describedby="reason-{loser.id}-error"' in page
    assert "Give the reason for retracting it" in page
    assert 'id="cell-GB-ground_forces"' in page


def test_a_retraction_at_an_old_version_changes_nothing(
    reviewer_client: TestClient, session: Session
) -> None:
    _, loser = disagreement(session)
    answer = retract(reviewer_client, loser.id, "stale", version=7, as_of="2025-08-20")
    assert answer.status_code == 409
    assert "changed since this page was loaded" in answer.text
    assert 'value="stale"' in answer.text
    assert 'id="cell-GB-ground_forces"' in get_page(reviewer_client, PAGE, as_of="2025-08-20")


def test_a_retracted_claim_cannot_be_retracted_again(
    reviewer_client: TestClient, session: Session
) -> None:
    _, loser = disagreement(session)
    assert retract(reviewer_client, loser.id, "once").status_code == 303
    again = retract(reviewer_client, loser.id, "twice", version=2)
    assert again.status_code == 409
    assert re.search(rf"Claim {loser.id}: .*retracted", again.text)


def test_retracting_needs_a_reviewer_and_the_csrf_token(
    anonymous_client: TestClient,
    editor_client: TestClient,
    reviewer_client: TestClient,
    session: Session,
) -> None:
    _, loser = disagreement(session)
    anonymous = anonymous_client.post(
        f"{PAGE}/{loser.id}/retract", data={"reason": "x", "version": "1"}, follow_redirects=False
    )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")
    assert retract(editor_client, loser.id, "not mine").status_code == 403
    forged = reviewer_client.post(
        f"{PAGE}/{loser.id}/retract",
        data={"reason": "x", "version": "1"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert 'id="cell-GB-ground_forces"' in get_page(reviewer_client, PAGE, as_of="2025-08-20")
