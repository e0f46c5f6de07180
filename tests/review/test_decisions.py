"""POST /api/v1/review/decisions: accept and reject many proposed claims in one call, each
at the version read, all or none, every bad decision named."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.claims.models import Claim
from tests.accounts.helpers import bearer_client
from tests.api_assertions import assert_problem
from tests.factories import make_claim, make_source

TEXT = "Source text. The United Kingdom is ready to send troops. France agrees."
DECISIONS = "/api/v1/review/decisions"


@pytest.fixture
def reviewer(app: FastAPI, session: Session) -> Iterator[TestClient]:
    """A reviewer calling the API with a token (they recorded none of the claims)."""
    with bearer_client(app, session, "reviewer", "rita") as test_client:
        yield test_client


@pytest.fixture
def editor(app: FastAPI, session: Session) -> Iterator[TestClient]:
    with bearer_client(app, session, "editor", "eddie") as test_client:
        yield test_client


def proposals(session: Session, *actors: str) -> list[Claim]:
    source = make_source(session, text=TEXT)
    return [make_claim(session, source=source, actor=a, review_state="proposed") for a in actors]


def state_of(session: Session, claims: list[Claim]) -> list[tuple[str, int]]:
    for claim in claims:
        session.refresh(claim)
    return [(c.review_state, c.version) for c in claims]


def decide(client: TestClient, *decisions: dict[str, Any]) -> Any:
    return client.post(DECISIONS, json={"decisions": list(decisions)})


def test_a_reviewer_accepts_and_rejects_several_claims_in_one_call(
    reviewer: TestClient, session: Session
) -> None:
    gb, fr, de = proposals(session, "GB", "FR", "DE")

    response = decide(
        reviewer,
        {"claim": gb.id, "version": 1, "decision": "accept"},
        {"claim": fr.id, "version": 1, "decision": "reject", "reason": "France only agrees"},
        {"claim": de.id, "version": 1, "decision": "accept", "reason": "checked twice"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 1)
    assert [(c["id"], c["review_state"], c["version"]) for c in body["claims"]] == [
        (gb.id, "accepted", 2),
        (fr.id, "rejected", 2),
        (de.id, "accepted", 2),
    ]
    assert [c["review_note"] for c in body["claims"]] == [
        None,
        "France only agrees",
        "checked twice",
    ]
    cells = reviewer.get("/api/v1/positions", params={"as_of": "2025-08-20"}).json()["cells"]
    assert sorted(c["claim_id"] for c in cells) == sorted([gb.id, de.id])
    trail = reviewer.get(
        "/api/v1/audit", params={"record_type": "claim", "record": str(fr.id)}
    ).json()
    assert "reject" in [e["action"] for e in trail["items"]], trail


def test_one_bad_decision_refuses_the_call_naming_every_bad_one_and_writes_nothing(
    reviewer: TestClient, session: Session
) -> None:
    gb, fr, de, pl = proposals(session, "GB", "FR", "DE", "PL")
    accepted = make_claim(session, source=make_source(session, text="Two. " + TEXT), actor="IT")
    de.version = 3  # someone edited DE since the reviewer read it
    session.flush()

    response = decide(
        reviewer,
        {"claim": gb.id, "version": 1, "decision": "accept"},
        {"claim": fr.id, "version": 1, "decision": "reject"},
        {"claim": de.id, "version": 1, "decision": "accept"},
        {"claim": accepted.id, "version": 1, "decision": "accept"},
        {"claim": 987654, "version": 1, "decision": "accept"},
        {"claim": pl.id, "version": 1, "decision": "accept"},
        {"claim": gb.id, "version": 1, "decision": "reject", "reason": "twice"},
    )

    body = assert_problem(response, 422)
    named = {e["field"]: e["message"] for e in body["errors"]}
    assert named == {
        "decisions.1.reason": "a rejection needs a reason",
        "decisions.2.version": f"claim {de.id} is at version 3 now, not 1",
        "decisions.3.claim": f"claim {accepted.id} is accepted, not proposed",
        "decisions.4.claim": "no claim has the id 987654",
        "decisions.6.claim": f"claim {gb.id} is decided twice (also decisions.0)",
    }
    assert "5 of the 7 decisions cannot be applied, so none was" in body["detail"]
    assert state_of(session, [gb, fr, de, pl]) == [
        ("proposed", 1),
        ("proposed", 1),
        ("proposed", 3),
        ("proposed", 1),
    ]


def test_a_refusal_is_412_for_stale_versions_and_409_for_claims_that_cannot_be_decided(
    app: FastAPI, reviewer: TestClient, session: Session
) -> None:
    gb, fr = proposals(session, "GB", "FR")
    gb.version = 2
    session.flush()
    stale = decide(
        reviewer,
        {"claim": gb.id, "version": 1, "decision": "accept"},
        {"claim": fr.id, "version": 1, "decision": "accept"},
    )
    assert_problem(stale, 412, "decisions.0.version")

    with bearer_client(app, session, "reviewer", "ruth") as ruth:
        own = ruth.post(
            "/api/v1/claims",
            json={
                "actor": "GB",
                "kind": "commitment",
                "role": "training",
                "status": "willing",
                "basis": "statement",
                "stated_on": "2025-08-20",
                "source_id": fr.source_id,
                "evidence": {"text": "ready to send troops"},
                "review_state": "proposed",
            },
        ).json()
        refused = decide(ruth, {"claim": own["id"], "version": 1, "decision": "accept"})
        body = assert_problem(refused, 409, "decisions.0.claim")
        assert "another reviewer must accept it" in body["errors"][0]["message"]
        # Rejecting one's own proposal is allowed: it takes nothing into the positions.
        rejected = decide(
            ruth, {"claim": own["id"], "version": 1, "decision": "reject", "reason": "mine"}
        )
        assert rejected.status_code == 200, rejected.text


def test_only_a_reviewer_decides_and_the_body_is_checked(
    editor: TestClient, reviewer: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    (gb,) = proposals(session, "GB")
    one = {"claim": gb.id, "version": 1, "decision": "accept"}
    assert decide(anonymous_client, one).status_code == 401
    assert_problem(decide(editor, one), 403)
    assert_problem(reviewer.post(DECISIONS, json={"decisions": []}), 422, "decisions")
    assert_problem(decide(reviewer, {**one, "decision": "approve"}), 422, "decisions.0.decision")
    assert_problem(decide(reviewer, {**one, "version": 0}), 422, "decisions.0.version")
    assert state_of(session, [gb]) == [("proposed", 1)]
