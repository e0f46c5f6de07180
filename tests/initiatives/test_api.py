"""The initiatives API: listing, creating, reading and changing; bad input writes nothing."""

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api_assertions import assert_problem, comparable, message_for
from tests.etags import ANY_VERSION, if_match
from tests.factories import make_actor, make_initiative

INITIATIVES = "/api/v1/initiatives"


def slugs(response: Any) -> list[str]:
    return [i["slug"] for i in response.json()["items"]]


def make_initiatives(session: Session) -> None:
    """Three initiatives, two proposed by RU and one by nobody known."""
    make_actor(session, "RU")
    make_initiative(
        session,
        "donbas-offer",
        name="Donbas territorial offer",
        proposer="RU",
        first_reported_on=date(2025, 8, 15),
    )
    make_initiative(
        session,
        "istanbul-framework",
        name="Istanbul framework",
        description="Guarantees by the permanent members.",
        proposer="RU",
        first_reported_on=date(2022, 3, 29),
    )
    make_initiative(
        session,
        "stabilization-force",
        name="Stabilization force plan",
        first_reported_on=date(2025, 8, 20),
    )


# Happy paths


def test_list_initiatives_pages_with_the_total(client: TestClient, session: Session) -> None:
    make_initiatives(session)
    first = client.get(INITIATIVES, params={"limit": 2})
    assert first.status_code == 200
    assert (first.json()["total"], first.json()["limit"], first.json()["offset"]) == (3, 2, 0)
    assert slugs(first) == ["donbas-offer", "istanbul-framework"]
    second = client.get(INITIATIVES, params={"limit": 2, "offset": 2})
    assert slugs(second) == ["stabilization-force"]
    assert second.json()["total"] == 3


def test_list_initiatives_filters_by_text_and_proposer(
    client: TestClient, session: Session
) -> None:
    make_initiatives(session)
    assert slugs(client.get(INITIATIVES, params={"q": "FORCE"})) == ["stabilization-force"]
    assert slugs(client.get(INITIATIVES, params={"q": "permanent members"})) == [
        "istanbul-framework"
    ]
    by_ru = client.get(INITIATIVES, params={"proposer": "RU"})
    assert slugs(by_ru) == ["donbas-offer", "istanbul-framework"]
    russia = client.get("/api/v1/actors/RU").json()["name"]
    assert {i["proposer_name"] for i in by_ru.json()["items"]} == {russia}


def test_list_initiatives_sorts_by_the_fields_asked_for(
    client: TestClient, session: Session
) -> None:
    make_initiatives(session)
    assert slugs(client.get(INITIATIVES, params={"sort": "-first_reported_on"})) == [
        "stabilization-force",
        "donbas-offer",
        "istanbul-framework",
    ]
    assert slugs(client.get(INITIATIVES, params={"sort": "-name"})) == [
        "stabilization-force",
        "istanbul-framework",
        "donbas-offer",
    ]


def test_list_initiatives_refuses_a_limit_above_the_maximum(client: TestClient) -> None:
    assert_problem(client.get(INITIATIVES, params={"limit": 501}), 422, "limit")


def test_list_initiatives_refuses_an_unknown_sort_field_or_proposer(client: TestClient) -> None:
    assert_problem(client.get(INITIATIVES, params={"sort": "proposer"}), 422, "sort")
    body = assert_problem(client.get(INITIATIVES, params={"proposer": "XQ"}), 422, "proposer")
    assert "XQ" in message_for(body, "proposer")


def test_create_initiative_answers_201_with_location_and_names_the_proposer(
    client: TestClient, session: Session
) -> None:
    russia = make_actor(session, "RU")
    response = client.post(
        INITIATIVES,
        json={
            "slug": "donbas-offer",
            "name": "Donbas territorial offer",
            "proposer": "RU",
            "first_reported_on": "2025-08-15",
        },
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/initiatives/donbas-offer"
    created = response.json()
    assert (created["slug"], created["proposer"], created["proposer_name"]) == (
        "donbas-offer",
        "RU",
        russia.name,
    )
    assert (created["first_reported_on"], created["version"]) == ("2025-08-15", 1)
    assert comparable(client.get(response.headers["location"]).json()) == comparable(created)


def test_patch_initiative_changes_fields_and_increments_the_version(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "US")
    make_initiatives(session)
    before = client.get(f"{INITIATIVES}/stabilization-force").json()
    response = client.patch(
        f"{INITIATIVES}/stabilization-force",
        json={"name": "Multinational stabilization force", "proposer": "US"},
        headers=if_match(client, f"{INITIATIVES}/stabilization-force"),
    )
    assert response.status_code == 200
    after = response.json()
    assert after["version"] == before["version"] + 1
    assert (after["name"], after["proposer"], after["proposer_name"]) == (
        "Multinational stabilization force",
        "US",
        "United States",
    )
    assert after["first_reported_on"] == before["first_reported_on"]
    assert comparable(client.get(f"{INITIATIVES}/stabilization-force").json()) == comparable(after)
    cleared = client.patch(
        f"{INITIATIVES}/stabilization-force",
        json={"proposer": None},
        headers=if_match(client, f"{INITIATIVES}/stabilization-force"),
    ).json()
    assert (cleared["proposer"], cleared["version"]) == (None, before["version"] + 2)


# Bad input on POST: the status, the field and its reason, and nothing written


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"slug": "Peace Plan", "name": "Peace plan"}, "slug", "pattern"),
        ({"slug": "peace-plan-", "name": "Peace plan"}, "slug", "pattern"),
        ({"slug": "peace-plan"}, "name", "required"),
        ({"slug": "peace-plan", "name": ""}, "name", "at least 1"),
        ({"slug": "peace-plan", "name": "Peace", "proposer": "XQ"}, "proposer", "unknown actor"),
        (
            {"slug": "peace-plan", "name": "Peace", "first_reported_on": "soon"},
            "first_reported_on",
            "date",
        ),
        ({"slug": "peace-plan", "name": "Peace", "stance": "supports"}, "stance", "not permitted"),
    ],
)
def test_create_initiative_with_bad_input_is_refused_and_writes_nothing(
    client: TestClient, payload: dict[str, Any], field: str, reason: str
) -> None:
    body = assert_problem(client.post(INITIATIVES, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert client.get(INITIATIVES).json()["total"] == 0
    assert client.get(f"{INITIATIVES}/peace-plan").status_code == 404


def test_create_initiative_with_a_duplicate_slug_is_a_conflict_with_the_existing_id(
    client: TestClient, session: Session
) -> None:
    make_initiatives(session)
    before = client.get(f"{INITIATIVES}/donbas-offer").json()
    response = client.post(INITIATIVES, json={"slug": "donbas-offer", "name": "Another offer"})
    body = assert_problem(response, 409, "slug")
    assert body["existing_id"] == "donbas-offer"
    assert "already" in message_for(body, "slug")
    assert comparable(client.get(f"{INITIATIVES}/donbas-offer").json()) == comparable(before)
    assert client.get(INITIATIVES).json()["total"] == 3


# Bad input on PATCH: the status, the field and its reason, and the initiative unchanged


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"name": None}, "name", "cannot be empty"),
        ({"name": ""}, "name", "at least 1"),
        ({"description": "x", "proposer": "XQ"}, "proposer", "unknown actor"),
        ({"first_reported_on": "2025-02-30"}, "first_reported_on", "date"),
        ({"slug": "renamed"}, "slug", "not permitted"),
    ],
)
def test_patch_initiative_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    make_initiatives(session)
    before = client.get(f"{INITIATIVES}/donbas-offer").json()
    response = client.patch(
        f"{INITIATIVES}/donbas-offer",
        json=payload,
        headers=if_match(client, f"{INITIATIVES}/donbas-offer"),
    )
    body = assert_problem(response, 422, field)
    assert reason in message_for(body, field)
    assert comparable(client.get(f"{INITIATIVES}/donbas-offer").json()) == comparable(before)


def test_patch_unknown_initiative_is_not_found(client: TestClient) -> None:
    response = client.patch(f"{INITIATIVES}/no-such-plan", json={"name": "x"}, headers=ANY_VERSION)
    assert "no-such-plan" in assert_problem(response, 404)["detail"]
