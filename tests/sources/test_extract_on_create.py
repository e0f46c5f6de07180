"""POST /api/v1/sources with `extract: true` stores the source and proposes its claims."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_actor

TEXT = (
    "France said on Tuesday it was ready to send troops to Ukraine as part of a "
    "reassurance force once a ceasefire is signed."
)


def test_a_source_created_with_extract_sends_its_claims_to_the_review_queue(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR")
    response = client.post(
        "/api/v1/sources",
        json={"title": "Wire", "published_on": "2025-08-20", "text": TEXT, "extract": True},
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["proposed_claims"], body
    claim = client.get(f"/api/v1/claims/{body['proposed_claims'][0]}").json()
    assert (claim["actor"], claim["role"], claim["review_state"]) == (
        "FR",
        "ground_forces",
        "proposed",
    )
    assert claim["stated_on"] == "2025-08-19"
    start, end = claim["evidence"]["start"], claim["evidence"]["end"]
    assert TEXT[start:end] == claim["evidence"]["text"]
    queue = client.get("/api/v1/review").json()
    assert claim["id"] in [item["id"] for item in queue["items"]]


def test_a_source_created_without_extract_proposes_nothing(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR")
    response = client.post(
        "/api/v1/sources", json={"title": "Wire", "published_on": "2025-08-20", "text": TEXT}
    )
    assert response.status_code == 201
    assert response.json()["proposed_claims"] is None
    claims = client.get("/api/v1/claims", params={"source": response.json()["id"]}).json()
    assert claims["total"] == 0
