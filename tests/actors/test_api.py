"""The actors API: listing, creating, reading and changing actors; bad input writes nothing."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.actors.models import Actor
from tests.api_assertions import assert_problem, comparable, message_for
from tests.etags import ANY_VERSION, if_match
from tests.factories import make_actor

ACTORS = "/api/v1/actors"


def make_nato(session: Session) -> Actor:
    """NATO, an organisation."""
    return make_actor(session, "NATO", kind="organization", name="North Atlantic Treaty Org.")


def make_person(session: Session, code: str = "keir-starmer", **overrides: Any) -> Actor:
    """A person speaking for GB since 2024-07-05 (by default)."""
    make_actor(session, "GB")
    fields: dict[str, Any] = {
        "kind": "person",
        "name": "Keir Starmer",
        "affiliations": [{"actor": "GB", "office": "Prime Minister", "from_on": date(2024, 7, 5)}],
        **overrides,
    }
    return make_actor(session, code, **fields)


def codes(response: Any) -> list[str]:
    return [a["code"] for a in response.json()["items"]]


def actor_count(client: TestClient) -> int:
    total: int = client.get(ACTORS).json()["total"]
    return total


# Happy paths


def test_list_actors_filters_by_kind_and_pages_with_the_total(
    client: TestClient, session: Session
) -> None:
    for code in ("GB", "FR", "DE", "FI"):
        make_actor(session, code)
    make_nato(session)
    first = client.get(ACTORS, params={"kind": "state", "limit": 3})
    assert first.status_code == 200
    page = first.json()
    assert (page["total"], page["limit"], page["offset"]) == (4, 3, 0)
    assert codes(first) == ["DE", "FI", "FR"]
    second = client.get(ACTORS, params={"kind": "state", "limit": 3, "offset": 3})
    assert codes(second) == ["GB"]
    assert second.json()["total"] == 4
    assert codes(client.get(ACTORS, params={"kind": "organization"})) == ["NATO"]


def test_list_actors_sorts_by_the_fields_asked_for(client: TestClient, session: Session) -> None:
    for code in ("GB", "FR", "DE"):
        make_actor(session, code)
    make_nato(session)
    assert codes(client.get(ACTORS, params={"sort": "-code"})) == ["NATO", "GB", "FR", "DE"]
    by_kind_then_name = client.get(ACTORS, params={"sort": "-kind,name"})
    assert codes(by_kind_then_name) == ["FR", "DE", "GB", "NATO"]


def test_list_actors_matches_text_in_the_code_name_or_an_alias(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR", aliases=[{"alias": "Paris", "kind": "capital"}])
    make_actor(session, "GB")
    assert codes(client.get(ACTORS, params={"q": "PARIS"})) == ["FR"]
    assert codes(client.get(ACTORS, params={"q": "kingdom"})) == ["GB"]
    assert codes(client.get(ACTORS, params={"q": "gb"})) == ["GB"]


def test_list_actors_by_group_uses_membership_at_the_date(
    client: TestClient, session: Session
) -> None:
    make_nato(session)
    make_actor(session, "GB", memberships=[{"group": "NATO", "from_on": date(1949, 8, 24)}])
    make_actor(session, "FI", memberships=[{"group": "NATO", "from_on": date(2023, 4, 4)}])
    make_actor(session, "AT")
    assert codes(client.get(ACTORS, params={"group": "NATO"})) == ["FI", "GB"]
    assert codes(client.get(ACTORS, params={"group": "NATO", "on": "2022-01-01"})) == ["GB"]
    assert codes(client.get(ACTORS, params={"group": "NATO", "on": "2024-01-01"})) == ["FI", "GB"]


def test_list_actors_refuses_a_limit_above_the_maximum(client: TestClient) -> None:
    body = assert_problem(client.get(ACTORS, params={"limit": 501}), 422, "limit")
    assert "at most 500" in message_for(body, "limit")
    assert client.get(ACTORS, params={"limit": 500}).status_code == 200


def test_list_actors_refuses_an_unknown_sort_field(client: TestClient) -> None:
    body = assert_problem(client.get(ACTORS, params={"sort": "population"}), 422, "sort")
    assert "population" in message_for(body, "sort")


def test_list_actors_refuses_an_unknown_group(client: TestClient) -> None:
    body = assert_problem(client.get(ACTORS, params={"group": "XQ"}), 422, "group")
    assert "XQ" in message_for(body, "group")


def test_create_state_answers_201_with_location_and_defaults_its_name(
    client: TestClient,
) -> None:
    response = client.post(
        ACTORS, json={"code": "FI", "kind": "state", "aliases": [{"alias": "Helsinki"}]}
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/actors/FI"
    created = response.json()
    assert (created["code"], created["kind"], created["name"], created["version"]) == (
        "FI",
        "state",
        "Finland",
        1,
    )
    assert created["aliases"] == [{"alias": "Helsinki", "kind": "name"}]
    assert comparable(client.get(response.headers["location"]).json()) == comparable(created)


def test_create_person_with_an_affiliation_shows_it_on_both_sides(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    response = client.post(
        ACTORS,
        json={
            "code": "keir-starmer",
            "kind": "person",
            "name": "Keir Starmer",
            "affiliations": [{"actor": "GB", "office": "Prime Minister", "from_on": "2024-07-05"}],
        },
    )
    assert response.status_code == 201
    assert response.headers["location"] == "/api/v1/actors/keir-starmer"
    [affiliation] = response.json()["affiliations"]
    assert affiliation["actor"] == "GB"
    assert affiliation["actor_name"] == "United Kingdom"
    assert affiliation["office"] == "Prime Minister"
    assert affiliation["from_on"] == "2024-07-05"
    on_state = client.get(f"{ACTORS}/GB").json()["affiliations"]
    assert [(a["person"], a["person_name"]) for a in on_state] == [("keir-starmer", "Keir Starmer")]


def test_get_group_lists_its_members_and_a_member_its_memberships(
    client: TestClient, session: Session
) -> None:
    make_nato(session)
    make_actor(session, "FI", memberships=[{"group": "NATO", "from_on": date(2023, 4, 4)}])
    group = client.get(f"{ACTORS}/NATO").json()
    assert [(m["member"], m["from_on"]) for m in group["members"]] == [("FI", "2023-04-04")]
    member = client.get(f"{ACTORS}/FI").json()
    assert [(m["group"], m["group_name"]) for m in member["memberships"]] == [
        ("NATO", "North Atlantic Treaty Org.")
    ]


def test_patch_actor_changes_fields_replaces_lists_and_increments_the_version(
    client: TestClient, session: Session
) -> None:
    make_nato(session)
    make_actor(session, "GB", aliases=[{"alias": "Britain"}])
    before = client.get(f"{ACTORS}/GB").json()
    response = client.patch(
        f"{ACTORS}/GB",
        json={
            "description": "A state.",
            "aliases": [{"alias": "Britain"}, {"alias": "London", "kind": "capital"}],
            "memberships": [{"group": "NATO", "from_on": "1949-08-24"}],
        },
        headers=if_match(client, f"{ACTORS}/GB"),
    )
    assert response.status_code == 200
    after = response.json()
    assert after["version"] == before["version"] + 1
    assert after["name"] == before["name"]
    assert after["description"] == "A state."
    assert {(a["alias"], a["kind"]) for a in after["aliases"]} == {
        ("Britain", "name"),
        ("London", "capital"),
    }
    assert [m["group"] for m in after["memberships"]] == ["NATO"]
    assert comparable(client.get(f"{ACTORS}/GB").json()) == comparable(after)
    again = client.patch(
        f"{ACTORS}/GB", json={"name": "Britain"}, headers=if_match(client, f"{ACTORS}/GB")
    ).json()
    assert (again["name"], again["version"]) == ("Britain", before["version"] + 2)
    assert again["aliases"] == after["aliases"]


# Bad input on POST: the status, the field and its reason, and nothing written


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"code": "XX", "kind": "state"}, "code", "ISO 3166-1"),
        ({"code": "gb", "kind": "state"}, "code", "ISO 3166-1"),
        ({"code": "UK", "kind": "state"}, "code", "ISO 3166-1"),
        ({"code": "FR", "kind": "organization", "name": "France Org"}, "code", "country code"),
        ({"code": "nato", "kind": "organization", "name": "NATO"}, "code", "upper case"),
        ({"code": "Keir Starmer", "kind": "person", "name": "Keir Starmer"}, "code", "slug"),
        ({"code": "QUAD", "kind": "group"}, "name", "required"),
        ({"code": "QUAD", "kind": "bloc", "name": "Quad"}, "kind", "group"),
        ({"code": "QUAD", "kind": "group", "name": ""}, "name", "at least 1"),
        ({"kind": "group", "name": "Quad"}, "code", "required"),
    ],
)
def test_create_actor_with_a_bad_code_kind_or_name_is_refused_and_writes_nothing(
    client: TestClient, payload: dict[str, Any], field: str, reason: str
) -> None:
    body = assert_problem(client.post(ACTORS, json=payload), 422, field)
    assert reason.lower() in message_for(body, field).lower()
    assert actor_count(client) == 0


def test_create_actor_with_a_duplicate_code_is_a_conflict_with_the_existing_id(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    before = client.get(f"{ACTORS}/GB").json()
    response = client.post(ACTORS, json={"code": "GB", "kind": "state", "name": "Other"})
    body = assert_problem(response, 409, "code")
    assert body["existing_id"] == "GB"
    assert "already" in message_for(body, "code")
    assert comparable(client.get(f"{ACTORS}/GB").json()) == comparable(before)
    assert actor_count(client) == 1


def test_create_actor_with_an_unknown_field_is_refused_and_writes_nothing(
    client: TestClient,
) -> None:
    response = client.post(ACTORS, json={"code": "GB", "kind": "state", "capital": "London"})
    body = assert_problem(response, 422, "capital")
    assert "not permitted" in message_for(body, "capital")
    assert client.get(f"{ACTORS}/GB").status_code == 404


def test_create_actor_with_an_unknown_alias_kind_is_refused(client: TestClient) -> None:
    payload = {"code": "GB", "kind": "state", "aliases": [{"alias": "London", "kind": "city"}]}
    assert_problem(client.post(ACTORS, json=payload), 422, "aliases.0.kind")
    assert client.get(f"{ACTORS}/GB").status_code == 404


@pytest.mark.parametrize(
    ("memberships", "field", "reason"),
    [
        ([{"group": "XQ"}], "memberships.0.group", "unknown actor"),
        ([{"group": "GB"}], "memberships.0.group", "not a group"),
        (
            [{"group": "NATO", "from_on": "2020-01-01", "until_on": "2019-01-01"}],
            "memberships.0",
            "before",
        ),
        (
            [
                {"group": "NATO", "from_on": "2023-04-04"},
                {"group": "NATO", "from_on": "2023-04-04"},
            ],
            "memberships.1",
            "repeats",
        ),
    ],
)
def test_create_actor_with_a_bad_membership_is_refused_and_writes_nothing(
    client: TestClient,
    session: Session,
    memberships: list[dict[str, Any]],
    field: str,
    reason: str,
) -> None:
    make_nato(session)
    make_actor(session, "GB")
    payload = {"code": "FI", "kind": "state", "memberships": memberships}
    body = assert_problem(client.post(ACTORS, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert client.get(f"{ACTORS}/FI").status_code == 404
    assert client.get(f"{ACTORS}/NATO").json()["members"] == []


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        (
            {"code": "FI", "kind": "state", "affiliations": [{"actor": "GB", "office": "x"}]},
            "affiliations",
            "only a person",
        ),
        (
            {
                "code": "jane-doe",
                "kind": "person",
                "name": "Jane Doe",
                "affiliations": [{"actor": "XQ", "office": "Minister"}],
            },
            "affiliations.0.actor",
            "unknown actor",
        ),
        (
            {
                "code": "jane-doe",
                "kind": "person",
                "name": "Jane Doe",
                "affiliations": [{"actor": "keir-starmer", "office": "Aide"}],
            },
            "affiliations.0.actor",
            "not another person",
        ),
        (
            {
                "code": "jane-doe",
                "kind": "person",
                "name": "Jane Doe",
                "affiliations": [{"actor": "GB", "office": ""}],
            },
            "affiliations.0.office",
            "at least 1",
        ),
    ],
)
def test_create_actor_with_a_bad_affiliation_is_refused_and_writes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    make_person(session)
    count = actor_count(client)
    body = assert_problem(client.post(ACTORS, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert actor_count(client) == count
    assert client.get(f"{ACTORS}/{payload['code']}").status_code == 404
    assert len(client.get(f"{ACTORS}/GB").json()["affiliations"]) == 1


# Bad input on PATCH: the status, the field and its reason, and the actor unchanged


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"name": None}, "name", "cannot be empty"),
        ({"name": ""}, "name", "at least 1"),
        ({"code": "FR"}, "code", "not permitted"),
        ({"kind": "organization"}, "kind", "not permitted"),
        ({"aliases": [{"alias": "London", "kind": "city"}]}, "aliases.0.kind", "capital"),
        (
            {"name": "Renamed", "aliases": [], "memberships": [{"group": "XQ"}]},
            "memberships.0.group",
            "unknown actor",
        ),
        (
            {"memberships": [{"group": "NATO"}, {"group": "NATO"}]},
            "memberships.1",
            "repeats",
        ),
        (
            {"description": "x", "affiliations": [{"actor": "FR", "office": "Envoy"}]},
            "affiliations",
            "only a person",
        ),
    ],
)
def test_patch_actor_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    make_nato(session)
    make_actor(session, "FR")
    make_actor(
        session,
        "GB",
        aliases=[{"alias": "Britain"}],
        memberships=[{"group": "NATO", "from_on": date(1949, 8, 24)}],
    )
    before = client.get(f"{ACTORS}/GB").json()
    body = assert_problem(
        client.patch(f"{ACTORS}/GB", json=payload, headers=if_match(client, f"{ACTORS}/GB")),
        422,
        field,
    )
    assert reason in message_for(body, field)
    assert comparable(client.get(f"{ACTORS}/GB").json()) == comparable(before)


def test_patch_person_with_an_affiliation_to_an_unknown_actor_changes_nothing(
    client: TestClient, session: Session
) -> None:
    make_person(session)
    before = client.get(f"{ACTORS}/keir-starmer").json()
    payload = {"affiliations": [{"actor": "XQ", "office": "Envoy"}]}
    response = client.patch(
        f"{ACTORS}/keir-starmer", json=payload, headers=if_match(client, f"{ACTORS}/keir-starmer")
    )
    assert_problem(response, 422, "affiliations.0.actor")
    assert comparable(client.get(f"{ACTORS}/keir-starmer").json()) == comparable(before)


def test_patch_unknown_actor_is_not_found(client: TestClient) -> None:
    body = assert_problem(
        client.patch(f"{ACTORS}/XQ", json={"name": "x"}, headers=ANY_VERSION), 404
    )
    assert "XQ" in body["detail"]
    assert client.get(f"{ACTORS}/XQ").status_code == 404


def test_timestamps_read_back_keep_their_offset(client: TestClient, session: Session) -> None:
    # SQLite keeps no offset; the column type must hand the time back as UTC.
    created = client.post(ACTORS, json={"code": "GB", "kind": "state"}).json()
    session.expire_all()
    read = client.get(f"{ACTORS}/GB").json()
    assert read["created_at"] == created["created_at"]
    assert datetime.fromisoformat(read["updated_at"]).utcoffset() == timedelta(0)
