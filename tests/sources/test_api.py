"""The sources API: listing, creating, reading and changing; bad input writes nothing."""

import hashlib
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.sources.models import Source
from tests.api_assertions import assert_problem, comparable, message_for
from tests.etags import ANY_VERSION, if_match
from tests.factories import make_claim, make_source

SOURCES = "/api/v1/sources"
TEXT = "Paris, 20 August. The United Kingdom is ready to send troops, officials said."


def make_sources(session: Session) -> list[Source]:
    """Three sources from two outlets over three days."""
    return [
        make_source(
            session,
            title="London ready to send troops",
            outlet="Test Wire",
            url="https://example.org/london",
            published_on=date(2025, 8, 18),
        ),
        make_source(
            session,
            title="Moscow says no",
            outlet="Other Daily",
            published_on=date(2025, 8, 20),
        ),
        make_source(
            session,
            title="Berlin cautious",
            outlet="Test Wire",
            published_on=date(2025, 8, 19),
        ),
    ]


def titles(response: Any) -> list[str]:
    return [s["title"] for s in response.json()["items"]]


def source_count(client: TestClient) -> int:
    total: int = client.get(SOURCES).json()["total"]
    return total


# Happy paths


def test_list_sources_is_newest_first_and_pages_with_the_total(
    client: TestClient, session: Session
) -> None:
    make_sources(session)
    first = client.get(SOURCES, params={"limit": 2})
    assert first.status_code == 200
    assert (first.json()["total"], first.json()["limit"], first.json()["offset"]) == (3, 2, 0)
    assert titles(first) == ["Moscow says no", "Berlin cautious"]
    second = client.get(SOURCES, params={"limit": 2, "offset": 2})
    assert titles(second) == ["London ready to send troops"]
    assert "text" not in first.json()["items"][0]
    assert first.json()["items"][0]["has_text"] is True


def test_list_sources_filters_by_text_outlet_and_publication_dates(
    client: TestClient, session: Session
) -> None:
    make_sources(session)
    assert titles(client.get(SOURCES, params={"q": "MOSCOW"})) == ["Moscow says no"]
    assert titles(client.get(SOURCES, params={"q": "example.org/london"})) == [
        "London ready to send troops"
    ]
    assert titles(client.get(SOURCES, params={"outlet": "test wire"})) == [
        "Berlin cautious",
        "London ready to send troops",
    ]
    window = {"published_from": "2025-08-19", "published_to": "2025-08-19"}
    assert titles(client.get(SOURCES, params=window)) == ["Berlin cautious"]
    assert titles(client.get(SOURCES, params={"published_from": "2025-08-19"})) == [
        "Moscow says no",
        "Berlin cautious",
    ]


def test_list_sources_sorts_by_the_fields_asked_for(client: TestClient, session: Session) -> None:
    make_sources(session)
    assert titles(client.get(SOURCES, params={"sort": "title"})) == [
        "Berlin cautious",
        "London ready to send troops",
        "Moscow says no",
    ]
    assert titles(client.get(SOURCES, params={"sort": "outlet,-published_on"})) == [
        "Moscow says no",
        "Berlin cautious",
        "London ready to send troops",
    ]


def test_list_sources_refuses_a_limit_above_the_maximum_or_an_unknown_sort(
    client: TestClient,
) -> None:
    assert_problem(client.get(SOURCES, params={"limit": 501}), 422, "limit")
    assert_problem(client.get(SOURCES, params={"sort": "text"}), 422, "sort")
    assert_problem(
        client.get(SOURCES, params={"published_from": "yesterday"}), 422, "published_from"
    )


def test_create_source_answers_201_with_location_and_stores_the_text_once(
    client: TestClient,
) -> None:
    response = client.post(
        SOURCES,
        json={
            "title": "UK ready",
            "outlet": "Test Wire",
            "url": "https://example.org/uk",
            "published_on": "2025-08-20",
            "language": "en",
            "text": TEXT,
        },
    )
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == f"/api/v1/sources/{created['id']}"
    assert created["text"] == TEXT
    assert created["has_text"] is True
    assert created["content_hash"] == hashlib.sha256(TEXT.encode()).hexdigest()
    assert (created["published_on"], created["version"]) == ("2025-08-20", 1)
    assert comparable(client.get(response.headers["location"]).json()) == comparable(created)


def test_create_source_without_text_has_no_hash(client: TestClient) -> None:
    response = client.post(SOURCES, json={"title": "Radio report", "published_on": "2025-08-20"})
    assert response.status_code == 201
    created = response.json()
    assert (created["has_text"], created["text"], created["content_hash"]) == (False, None, None)


def test_patch_source_changes_fields_and_increments_the_version(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, title="Draft title")
    url = f"{SOURCES}/{source.id}"
    before = client.get(url).json()
    response = client.patch(
        url, json={"title": "Final title", "outlet": None}, headers=if_match(client, url)
    )
    assert response.status_code == 200
    after = response.json()
    assert (after["title"], after["outlet"], after["version"]) == (
        "Final title",
        None,
        before["version"] + 1,
    )
    assert after["text"] == before["text"]
    assert comparable(client.get(url).json()) == comparable(after)


def test_patch_source_text_moves_the_evidence_offsets_of_its_claims(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, text=TEXT)
    claim = make_claim(session, source=source)
    assert claim.evidence_start == TEXT.index("ready to send troops")
    new_text = "Updated. " + TEXT
    response = client.patch(
        f"{SOURCES}/{source.id}",
        json={"text": new_text},
        headers=if_match(client, f"{SOURCES}/{source.id}"),
    )
    assert response.status_code == 200
    assert response.json()["content_hash"] == hashlib.sha256(new_text.encode()).hexdigest()
    evidence = client.get(f"/api/v1/claims/{claim.id}").json()["evidence"]
    start = new_text.index("ready to send troops")
    assert (evidence["start"], evidence["end"]) == (start, start + len("ready to send troops"))


# Bad input on POST: the status, the field and its reason, and nothing written


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"published_on": "2025-08-20"}, "title", "required"),
        ({"title": "", "published_on": "2025-08-20"}, "title", "at least 1"),
        ({"title": "x" * 501, "published_on": "2025-08-20"}, "title", "at most 500"),
        ({"title": "t"}, "published_on", "required"),
        ({"title": "t", "published_on": "2025-02-30"}, "published_on", "date"),
        ({"title": "t", "published_on": "2025-08-20", "url": "ftp://x.org"}, "url", "pattern"),
        ({"title": "t", "published_on": "2025-08-20", "text": ""}, "text", "at least 1"),
        (
            {"title": "t", "published_on": "2025-08-20", "author": "A. N."},
            "author",
            "not permitted",
        ),
    ],
)
def test_create_source_with_bad_input_is_refused_and_writes_nothing(
    client: TestClient, payload: dict[str, Any], field: str, reason: str
) -> None:
    body = assert_problem(client.post(SOURCES, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert source_count(client) == 0


def test_create_source_with_a_text_stored_already_is_a_conflict_with_the_existing_id(
    client: TestClient, session: Session
) -> None:
    existing = make_source(session, text=TEXT)
    response = client.post(
        SOURCES, json={"title": "Same text", "published_on": "2025-08-21", "text": TEXT}
    )
    body = assert_problem(response, 409, "text")
    assert body["existing_id"] == existing.id
    assert str(existing.id) in message_for(body, "text")
    assert titles(client.get(SOURCES)) == [existing.title]


def test_create_source_with_a_url_stored_already_is_a_conflict_with_the_existing_id(
    client: TestClient, session: Session
) -> None:
    existing = make_source(session, url="https://example.org/a")
    response = client.post(
        SOURCES,
        json={"title": "Other", "published_on": "2025-08-21", "url": "https://example.org/a"},
    )
    body = assert_problem(response, 409, "url")
    assert body["existing_id"] == existing.id
    assert source_count(client) == 1


# Bad input on PATCH: the status, the field and its reason, and the source unchanged


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"title": None}, "title", "cannot be empty"),
        ({"published_on": None}, "published_on", "cannot be empty"),
        ({"title": "New", "published_on": "2025-08-19"}, "published_on", "stated on 2025-08-20"),
        ({"title": "New", "text": "Nothing about troops."}, "text", "no longer contains"),
        ({"url": "not a url"}, "url", "pattern"),
        ({"text": ""}, "text", "at least 1"),
        ({"content_hash": "abc"}, "content_hash", "not permitted"),
    ],
)
def test_patch_source_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    source = make_source(session, text=TEXT)
    claim = make_claim(session, source=source)
    before = client.get(f"{SOURCES}/{source.id}").json()
    claim_before = client.get(f"/api/v1/claims/{claim.id}").json()
    body = assert_problem(
        client.patch(
            f"{SOURCES}/{source.id}",
            json=payload,
            headers=if_match(client, f"{SOURCES}/{source.id}"),
        ),
        422,
        field,
    )
    assert reason in message_for(body, field)
    assert comparable(client.get(f"{SOURCES}/{source.id}").json()) == comparable(before)
    assert comparable(client.get(f"/api/v1/claims/{claim.id}").json()) == comparable(claim_before)


@pytest.mark.parametrize("field", ["text", "url"])
def test_patch_source_to_a_text_or_url_stored_already_is_a_conflict_and_changes_nothing(
    client: TestClient, session: Session, field: str
) -> None:
    existing = make_source(session, text=TEXT, url="https://example.org/a")
    source = make_source(session)
    before = client.get(f"{SOURCES}/{source.id}").json()
    value = TEXT if field == "text" else "https://example.org/a"
    response = client.patch(
        f"{SOURCES}/{source.id}",
        json={"title": "Renamed", field: value},
        headers=if_match(client, f"{SOURCES}/{source.id}"),
    )
    body = assert_problem(response, 409, field)
    assert body["existing_id"] == existing.id
    assert comparable(client.get(f"{SOURCES}/{source.id}").json()) == comparable(before)


def test_patch_unknown_source_is_not_found(client: TestClient) -> None:
    assert (
        "987654"
        in assert_problem(
            client.patch(f"{SOURCES}/987654", json={"title": "x"}, headers=ANY_VERSION), 404
        )["detail"]
    )
