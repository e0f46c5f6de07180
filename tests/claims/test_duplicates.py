"""A claim that repeats one already stored (same actor, object and source, overlapping
evidence) is flagged wherever it arrives: the API, the pages, bulk import, restore, and
extraction into a stored source, which skips it."""

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.transfer.bulk import import_claims
from tests.etags import if_match
from tests.factories import make_actor, make_source
from tests.page_assertions import get_page

CLAIMS = "/api/v1/claims"
TEXT = (
    "The United Kingdom is ready to send troops to Ukraine once a ceasefire holds. "
    "The United Kingdom will also share intelligence with Kyiv."
)
TROOPS = "ready to send troops to Ukraine"
TROOPS_AT = TEXT.index(TROOPS)


def body(source_id: int, **overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": source_id,
        "evidence": {"text": TROOPS, "start": TROOPS_AT, "end": TROOPS_AT + len(TROOPS)},
        "review_state": "proposed",
        **overrides,
    }
    return fields


def recorded(client: TestClient, fields: dict[str, Any]) -> dict[str, Any]:
    response = client.post(CLAIMS, json=fields)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_the_api_flags_a_repeat_of_a_stored_claim_and_only_a_repeat(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", name="United Kingdom")
    source = make_source(session, text=TEXT)
    other = make_source(session, text=TEXT + " Again.")

    first = recorded(client, body(source.id))
    repeat = recorded(client, body(source.id, status="pledged"))
    # A shorter quote inside the first one's span overlaps it.
    inside = recorded(client, body(source.id, evidence={"text": "send troops"}))
    other_role = recorded(client, body(source.id, role="training"))
    other_span = recorded(
        client,
        body(source.id, evidence={"text": "will also share intelligence with Kyiv"}),
    )
    other_source = recorded(client, body(other.id))

    assert first["duplicates"] is None
    assert repeat["duplicates"] == first["id"]
    assert inside["duplicates"] == first["id"]
    assert [other_role["duplicates"], other_span["duplicates"], other_source["duplicates"]] == [
        None,
        None,
        None,
    ]
    assert client.get(f"{CLAIMS}/{repeat['id']}").json()["duplicates"] == first["id"]
    queue = client.get("/api/v1/review", params={"source": source.id}).json()["items"]
    assert {c["id"]: c["duplicates"] for c in queue}[repeat["id"]] == first["id"]


def test_moving_a_repeat_off_the_span_or_retracting_the_first_clears_the_flag(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", name="United Kingdom")
    source = make_source(session, text=TEXT)
    first = recorded(client, body(source.id))
    repeat = recorded(client, body(source.id))
    third = recorded(client, body(source.id))
    assert third["duplicates"] == first["id"]

    moved = client.patch(
        f"{CLAIMS}/{repeat['id']}",
        json={"evidence": {"text": "will also share intelligence with Kyiv"}},
        headers=if_match(client, f"{CLAIMS}/{repeat['id']}"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["duplicates"] is None

    retracted = client.post(
        f"{CLAIMS}/{first['id']}/retract",
        json={"reason": "coded twice"},
        headers=if_match(client, f"{CLAIMS}/{first['id']}"),
    )
    assert retracted.status_code == 200, retracted.text
    # Nothing earlier is left for the third claim to repeat.
    assert client.get(f"{CLAIMS}/{third['id']}").json()["duplicates"] is None


def test_the_claim_page_and_the_review_queue_say_which_claim_is_repeated(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", name="United Kingdom")
    source = make_source(session, text=TEXT)
    first = recorded(client, body(source.id))
    repeat = recorded(client, body(source.id))

    for page in (
        get_page(client, f"/claims/{repeat['id']}"),
        get_page(client, "/review", source=str(source.id)),
    ):
        assert f'Duplicates <a href="/claims/{first["id"]}">claim {first["id"]}</a>' in page
    assert "Duplicates" not in get_page(client, f"/claims/{first['id']}")


def test_bulk_import_records_repeats_and_names_each_row(session: Session) -> None:
    make_actor(session, "GB", name="United Kingdom")
    source = make_source(session, text=TEXT)
    stored = make_claim_here(session, source.id)
    header = "actor,kind,role,status,basis,stated_on,source_id,evidence"
    rows = [
        f"GB,commitment,ground_forces,pledged,report,2025-08-20,{source.id},send troops",
        f"GB,commitment,intelligence,willing,report,2025-08-20,{source.id},share intelligence",
        f"GB,commitment,intelligence,willing,report,2025-08-20,{source.id},share intelligence",
    ]

    report = import_claims(session, "\n".join([header, *rows]), "csv")

    assert report.created == 3
    assert report.duplicate_count == 2
    assert [(d.row, d.duplicates) for d in report.duplicates] == [
        (1, stored.id),
        (3, report.first_id + 1),
    ]
    assert session.get(Claim, report.first_id + 2).duplicate_of_id == report.first_id + 1  # type: ignore[union-attr]


def make_claim_here(session: Session, source_id: int) -> Claim:
    from app.claims.schemas import ClaimCreate
    from app.claims.service import record_claim

    return record_claim(session, ClaimCreate.model_validate(body(source_id)))


def test_extracting_a_stored_source_again_skips_the_claims_it_already_has(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", name="United Kingdom")
    source = make_source(session, text=TEXT)

    first = client.post(f"/api/v1/sources/{source.id}/extract")
    assert first.status_code == 200, first.text
    proposed = first.json()
    assert proposed["readable"] is True
    assert proposed["language"] == "en"
    assert proposed["proposed_claims"], proposed
    assert proposed["duplicates"] == 0

    again = client.post(f"/api/v1/sources/{source.id}/extract").json()

    assert again["proposed_claims"] == []
    assert again["duplicates"] == len(proposed["proposed_claims"])
    assert all("skipped: duplicates claim" in w for w in again["warnings"])
    stored = client.get(CLAIMS, params={"source_id": source.id}).json()["items"]
    assert sorted(c["id"] for c in stored) == sorted(proposed["proposed_claims"])


def test_extracting_a_source_needs_an_editor_and_a_stored_text(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    source = make_source(session, text=TEXT)
    without_text = make_source(session, text=None)

    assert anonymous_client.post(f"/api/v1/sources/{source.id}/extract").status_code == 401
    missing = client.post("/api/v1/sources/999999/extract")
    assert missing.status_code == 404
    no_text = client.post(f"/api/v1/sources/{without_text.id}/extract")
    assert no_text.status_code == 422
    assert no_text.json()["errors"][0]["field"] == "text"
