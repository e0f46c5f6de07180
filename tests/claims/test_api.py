"""The claims API: filters, CSV, writes checked against the codebook; bad input writes nothing."""

import csv
import io
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.claims.api import CSV_COLUMNS
from app.claims.models import Claim
from app.claims.service import retract_claim
from app.sources.models import Source
from tests.api_assertions import assert_problem, comparable, message_for
from tests.etags import ANY_VERSION, if_match
from tests.factories import (
    commitment_body,
    make_actor,
    make_claim,
    make_initiative,
    make_source,
    make_speaker,
)

CLAIMS = "/api/v1/claims"
TEXT = (
    "London says the United Kingdom is ready to send troops. "
    "Paris could offer air cover. "
    "Moscow rejects the peace framework outright."
)


def make_scenario(session: Session) -> dict[str, Any]:
    """Four claims over two sources, kinds, review states and days."""
    main = make_source(session, title="Main report", text=TEXT, published_on=date(2025, 8, 20))
    other = make_source(
        session,
        title="Kyiv report",
        text="Kyiv supports the peace framework.",
        published_on=date(2025, 8, 21),
    )
    gb = make_claim(session, source=main, actor="GB", evidence={"text": "ready to send troops"})
    fr = make_claim(
        session,
        source=main,
        actor="FR",
        role="air_cover",
        status="considering",
        basis="report",
        stated_on=date(2025, 8, 19),
        evidence={"text": "could offer air cover"},
        review_state="proposed",
    )
    ru = make_claim(
        session,
        source=main,
        actor="RU",
        kind="stance",
        initiative="peace-framework",
        stance="rejects",
        stated_on=date(2025, 8, 18),
        evidence={"text": "rejects the peace framework"},
    )
    ua = make_claim(
        session,
        source=other,
        actor="UA",
        kind="stance",
        initiative="peace-framework",
        stance="supports",
        basis="report",
        evidence={"text": "supports the peace framework"},
        review_state="rejected",
    )
    return {"main": main, "other": other, "GB": gb, "FR": fr, "RU": ru, "UA": ua}


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def claim_count(client: TestClient) -> int:
    total: int = client.get(CLAIMS, params={"include_retracted": True}).json()["total"]
    return total


def commitment(source: Source, **overrides: Any) -> dict[str, Any]:
    """A valid body for POST /claims: GB willing to send ground forces."""
    return commitment_body(source.id, **{"evidence": {"text": "ready to send troops"}, **overrides})


def read_csv(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == CSV_COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


# Listing and filters


def test_list_claims_is_latest_stated_first_and_pages_with_the_total(
    client: TestClient, session: Session
) -> None:
    s = make_scenario(session)
    assert ids(client.get(CLAIMS)) == [s["UA"].id, s["GB"].id, s["FR"].id, s["RU"].id]
    page = client.get(CLAIMS, params={"limit": 2, "offset": 2})
    assert ids(page) == [s["FR"].id, s["RU"].id]
    assert (page.json()["total"], page.json()["limit"], page.json()["offset"]) == (4, 2, 2)


def test_list_claims_sorts_by_the_fields_asked_for(client: TestClient, session: Session) -> None:
    s = make_scenario(session)
    assert ids(client.get(CLAIMS, params={"sort": "actor"})) == [
        s["FR"].id,
        s["GB"].id,
        s["RU"].id,
        s["UA"].id,
    ]
    assert ids(client.get(CLAIMS, params={"sort": "-published_on,stated_on"})) == [
        s["UA"].id,
        s["RU"].id,
        s["FR"].id,
        s["GB"].id,
    ]


FILTER_CASES: list[tuple[dict[str, Any], list[str]]] = [
    ({"actor": "GB"}, ["GB"]),
    ({"actor": ["GB", "UA"]}, ["UA", "GB"]),
    ({"role": "air_cover"}, ["FR"]),
    ({"role": ["air_cover", "ground_forces"]}, ["GB", "FR"]),
    ({"initiative": "peace-framework"}, ["UA", "RU"]),
    ({"kind": "commitment"}, ["GB", "FR"]),
    ({"kind": "stance"}, ["UA", "RU"]),
    ({"status": "willing"}, ["GB"]),
    ({"status": ["willing", "considering"]}, ["GB", "FR"]),
    ({"stance": "rejects"}, ["RU"]),
    ({"basis": "report"}, ["UA", "FR"]),
    ({"review_state": "proposed"}, ["FR"]),
    ({"review_state": "rejected"}, ["UA"]),
    ({"stated_from": "2025-08-19"}, ["UA", "GB", "FR"]),
    ({"stated_to": "2025-08-19"}, ["FR", "RU"]),
    ({"stated_from": "2025-08-19", "stated_to": "2025-08-19"}, ["FR"]),
    ({"q": "AIR COVER"}, ["FR"]),
    ({"q": "peace framework"}, ["UA", "RU"]),
    ({"kind": "commitment", "basis": "statement"}, ["GB"]),
    ({"q": "nothing like this"}, []),
]


def test_list_claims_filters_by_each_field(client: TestClient, session: Session) -> None:
    # One scenario serves every case, which keeps the test fast.
    s = make_scenario(session)
    for params, expected in FILTER_CASES:
        response = client.get(CLAIMS, params=params)
        assert ids(response) == [s[actor].id for actor in expected], params
        assert response.json()["total"] == len(expected), params


def test_list_claims_filters_by_source(client: TestClient, session: Session) -> None:
    s = make_scenario(session)
    assert ids(client.get(CLAIMS, params={"source": s["other"].id})) == [s["UA"].id]
    main = client.get(CLAIMS, params={"source": s["main"].id})
    assert set(ids(main)) == {s["GB"].id, s["FR"].id, s["RU"].id}


def test_list_claims_leaves_out_retracted_claims_unless_asked(
    client: TestClient, session: Session
) -> None:
    s = make_scenario(session)
    assert client.post(
        f"{CLAIMS}/{s['GB'].id}/retract",
        json={"reason": "miscoded"},
        headers=if_match(client, f"{CLAIMS}/{s['GB'].id}"),
    ).is_success
    assert s["GB"].id not in ids(client.get(CLAIMS))
    with_retracted = client.get(CLAIMS, params={"include_retracted": True})
    assert s["GB"].id in ids(with_retracted)
    assert with_retracted.json()["total"] == 4


def test_a_listed_claim_names_its_actor_initiative_and_source(
    client: TestClient, session: Session
) -> None:
    s = make_scenario(session)
    [gb] = client.get(CLAIMS, params={"actor": "GB"}).json()["items"]
    assert (gb["actor"], gb["actor_name"], gb["actor_kind"]) == ("GB", "United Kingdom", "state")
    assert gb["source"]["id"] == s["main"].id
    assert gb["source"]["title"] == "Main report"
    assert gb["source"]["published_on"] == "2025-08-20"
    assert gb["source"]["outlet"] == "Test Wire"
    assert (gb["status"], gb["status_rank"]) == ("willing", 3)
    start = TEXT.index("ready to send troops")
    assert gb["evidence"] == {
        "text": "ready to send troops",
        "start": start,
        "end": start + len("ready to send troops"),
    }
    [ru] = client.get(CLAIMS, params={"actor": "RU"}).json()["items"]
    assert (ru["initiative"], ru["initiative_name"]) == ("peace-framework", "Peace Framework")
    assert (ru["role"], ru["status"], ru["stance"]) == (None, None, "rejects")


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"stated_from": "2025-08-20", "stated_to": "2025-08-19"}, "stated_to", "before"),
        ({"stated_from": "20/08/2025"}, "stated_from", "date"),
        ({"actor": ["GB", "XQ"]}, "actor", "XQ"),
        ({"initiative": "no-such-plan"}, "initiative", "no-such-plan"),
        ({"role": "peacekeeping"}, "role.0", "ground_forces"),
        ({"status": "eager"}, "status.0", "willing"),
        ({"stance": "likes"}, "stance.0", "supports"),
        ({"kind": "opinion"}, "kind", "commitment"),
        ({"basis": "rumour"}, "basis", "statement"),
        ({"review_state": "done"}, "review_state", "accepted"),
        ({"source": "abc"}, "source", "integer"),
        ({"limit": 501}, "limit", "at most 500"),
        ({"sort": "evidence"}, "sort", "evidence"),
    ],
)
def test_list_claims_refuses_bad_filters_naming_them(
    client: TestClient, session: Session, params: dict[str, Any], field: str, reason: str
) -> None:
    make_actor(session, "GB")
    body = assert_problem(client.get(CLAIMS, params=params), 422, field)
    assert reason in message_for(body, field)


# CSV


def test_claims_as_csv_by_format_have_a_header_and_one_row_per_claim(
    client: TestClient, session: Session
) -> None:
    s = make_scenario(session)
    # Every matching claim, not one page of them.
    rows = read_csv(client.get(CLAIMS, params={"format": "csv", "limit": 1}))
    assert [int(r["id"]) for r in rows] == [s["UA"].id, s["GB"].id, s["FR"].id, s["RU"].id]
    gb = rows[1]
    assert (gb["actor"], gb["actor_name"], gb["role"], gb["status"]) == (
        "GB",
        "United Kingdom",
        "ground_forces",
        "willing",
    )
    assert (gb["source_title"], gb["published_on"], gb["stated_on"]) == (
        "Main report",
        "2025-08-20",
        "2025-08-20",
    )
    assert (gb["evidence"], gb["conditional"], gb["retracted"]) == (
        "ready to send troops",
        "false",
        "false",
    )
    assert rows[3]["initiative"] == "peace-framework"


def test_claims_as_csv_by_accept_header_follow_the_filters(
    client: TestClient, session: Session
) -> None:
    s = make_scenario(session)
    response = client.get(CLAIMS, params={"kind": "stance"}, headers={"Accept": "text/csv"})
    rows = read_csv(response)
    assert [int(r["id"]) for r in rows] == [s["UA"].id, s["RU"].id]
    assert "attachment" in response.headers["content-disposition"]


def test_claims_as_csv_with_no_match_is_the_header_alone(client: TestClient) -> None:
    assert read_csv(client.get(CLAIMS, params={"format": "csv"})) == []


def test_claims_csv_keeps_spreadsheets_from_running_a_cell_as_a_formula(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, text="=HYPERLINK(evil) ready to send troops")
    make_claim(session, source=source, evidence={"text": "=HYPERLINK(evil) ready"})
    [row] = read_csv(client.get(CLAIMS, params={"format": "csv"}))
    assert row["evidence"] == "'=HYPERLINK(evil) ready"


# Create, read, change, retract


def test_create_claim_answers_201_with_location_and_every_field(
    client: TestClient, session: Session
) -> None:
    make_speaker(session)
    make_initiative(session, "stabilization-force")
    source = make_source(session, text=TEXT, url="https://example.org/a")
    start = TEXT.index("ready to send troops")
    payload = commitment(
        source,
        initiative="stabilization-force",
        conditions=[{"type": "peace_agreement", "text": "once a peace deal is signed"}],
        limits="no combat zones",
        quantity={"amount": "5000", "unit": "troops"},
        certainty="medium",
        speaker="keir-starmer",
        reported_by="Test Wire",
        via=["Bloomberg"],
        stated_on="2025-08-19",
        evidence={"text": "ready to send troops", "start": start, "end": start + 20},
        note="coded by hand",
        review_state="accepted",
    )
    response = client.post(CLAIMS, json=payload)
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/api/v1/claims/{created['id']}"
    assert (created["actor"], created["actor_name"]) == ("GB", "United Kingdom")
    assert (created["speaker"], created["speaker_name"]) == ("keir-starmer", "Keir Starmer")
    assert created["initiative"] == "stabilization-force"
    assert created["conditional"] is True
    assert created["conditions"] == [
        {
            "type": "peace_agreement",
            "text": "once a peace deal is signed",
            "milestone": None,
            "requires": None,
        }
    ]
    assert float(created["quantity"]["amount"]) == 5000
    assert created["quantity"]["unit"] == "troops"
    assert (created["certainty"], created["via"], created["stated_on"]) == (
        "medium",
        ["Bloomberg"],
        "2025-08-19",
    )
    assert created["source"] == {
        "id": source.id,
        "title": source.title,
        "outlet": "Test Wire",
        "url": "https://example.org/a",
        "published_on": "2025-08-20",
    }
    assert (created["version"], created["retracted"]) == (1, False)
    read = client.get(response.headers["location"]).json()
    created["quantity"]["amount"] = read["quantity"]["amount"]  # "5000" stored as 5000.0000
    assert comparable(read) == comparable(created)


def test_create_claim_finds_the_evidence_offsets_when_none_are_given(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    source = make_source(session, text=TEXT)
    created = client.post(CLAIMS, json=commitment(source)).json()
    start = TEXT.index("ready to send troops")
    assert (created["evidence"]["start"], created["evidence"]["end"]) == (start, start + 20)
    assert created["review_state"] == "proposed"
    assert created["conditional"] is False


def test_create_stance_claim(client: TestClient, session: Session) -> None:
    make_actor(session, "RU")
    make_initiative(session)
    source = make_source(session, text=TEXT)
    payload = commitment(
        source,
        actor="RU",
        kind="stance",
        role=None,
        status=None,
        initiative="peace-framework",
        stance="rejects",
        evidence={"text": "rejects the peace framework"},
    )
    response = client.post(CLAIMS, json=payload)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["stance"], created["initiative"]) == (
        "stance",
        "rejects",
        "peace-framework",
    )
    assert (created["role"], created["status"], created["status_rank"]) == (None, None, None)


def test_patch_claim_changes_fields_and_increments_the_version(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    response = client.patch(
        url,
        json={
            "status": "pledged",
            "conditions": [{"type": "ceasefire", "text": "after a ceasefire"}],
            "review_state": "accepted",
        },
        headers=if_match(client, url),
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["version"] == before["version"] + 1
    assert (after["status"], after["status_rank"], after["conditional"]) == ("pledged", 4, True)
    assert after["conditions"] == [
        {"type": "ceasefire", "text": "after a ceasefire", "milestone": None, "requires": None}
    ]
    assert after["evidence"] == before["evidence"]
    assert comparable(client.get(url).json()) == comparable(after)
    cleared = client.patch(url, json={"conditions": []}, headers=if_match(client, url)).json()
    assert (cleared["conditional"], cleared["conditions"], cleared["version"]) == (
        False,
        [],
        before["version"] + 2,
    )


def test_patch_claim_to_another_source_finds_the_evidence_there(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    other = make_source(session, text=TEXT, published_on=date(2025, 8, 21))
    response = client.patch(
        f"{CLAIMS}/{claim.id}",
        json={"source_id": other.id},
        headers=if_match(client, f"{CLAIMS}/{claim.id}"),
    )
    assert response.status_code == 200, response.text
    start = TEXT.index("ready to send troops")
    assert response.json()["source"]["id"] == other.id
    assert response.json()["evidence"]["start"] == start


def test_patch_claim_answers_with_the_new_actor_and_speaker(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    make_speaker(session, "jean-noel-barrot", actor="FR")
    response = client.patch(
        f"{CLAIMS}/{claim.id}",
        json={"actor": "FR", "speaker": "jean-noel-barrot"},
        headers=if_match(client, f"{CLAIMS}/{claim.id}"),
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["actor"], changed["actor_name"]) == ("FR", "France")
    assert (changed["speaker"], changed["speaker_name"]) == ("jean-noel-barrot", "Jean Noel Barrot")
    assert comparable(client.get(f"{CLAIMS}/{claim.id}").json()) == comparable(changed)


def test_retract_claim_keeps_it_marked_with_the_reason(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    response = client.post(
        f"{CLAIMS}/{claim.id}/retract",
        json={"reason": "wrong actor"},
        headers=if_match(client, f"{CLAIMS}/{claim.id}"),
    )
    assert response.status_code == 200
    retracted = response.json()
    assert (retracted["retracted"], retracted["retraction_reason"]) == (True, "wrong actor")
    assert retracted["retracted_at"] is not None
    assert retracted["version"] == 2
    assert client.get(f"{CLAIMS}/{claim.id}").json()["retracted"] is True


# Bad input on POST: the status, the field and its reason, and nothing written


@pytest.mark.parametrize(
    ("overrides", "field", "reason"),
    [
        ({"actor": "XQ"}, "actor", "unknown actor 'XQ'"),
        ({"actor": "keir-starmer"}, "actor", "speaks for"),
        ({"actor": ""}, "actor", "at least 1"),
        ({"role": "peacekeeping"}, "role", "ground_forces"),
        ({"role": None}, "role", "needs a role"),
        ({"status": None}, "status", "needs a status"),
        ({"status": "eager"}, "status", "willing"),
        ({"stance": "supports"}, "stance", "not a stance"),
        (
            {
                "kind": "stance",
                "status": None,
                "initiative": "peace-framework",
                "stance": "opposes",
            },
            "role",
            "not a role",
        ),
        (
            {"kind": "stance", "role": None, "status": None, "stance": "opposes"},
            "initiative",
            "needs",
        ),
        (
            {"kind": "stance", "role": None, "status": None, "initiative": "peace-framework"},
            "stance",
            "needs a stance",
        ),
        ({"kind": "position"}, "kind", "commitment"),
        ({"initiative": "no-such-plan"}, "initiative", "unknown initiative"),
        ({"evidence": {"text": "ready to send ships"}}, "evidence.text", "not found verbatim"),
        (
            {"evidence": {"text": "ready to send troops", "start": 0, "end": 20}},
            "evidence",
            "not the quote",
        ),
        (
            {"evidence": {"text": "ready to send troops", "start": 5, "end": 10}},
            "evidence",
            "length",
        ),
        ({"evidence": {"text": "ready to send troops", "start": 5}}, "evidence", "both"),
        ({"evidence": {"text": ""}}, "evidence.text", "at least 1"),
        ({"stated_on": "2025-08-21"}, "stated_on", "after the source's publication date"),
        ({"speaker": "FR"}, "speaker", "not a person"),
        ({"speaker": "nobody-known"}, "speaker", "unknown actor"),
        ({"speaker": "sergei-lavrov"}, "speaker", "held no office with 'GB'"),
        ({"speaker": "keir-starmer", "stated_on": "2024-07-04"}, "speaker", "on 2024-07-04"),
        ({"source_id": 987654}, "source_id", "unknown source"),
        ({"source_id": 0}, "source_id", "greater than or equal to 1"),
        ({"conditional": True}, "conditions", "at least one condition"),
        (
            {"conditional": False, "conditions": [{"type": "ceasefire", "text": "x"}]},
            "conditional",
            "false",
        ),
        ({"conditions": [{"type": "weather", "text": "x"}]}, "conditions.0.type", "ceasefire"),
        ({"quantity": {"amount": "-5", "unit": "troops"}}, "quantity.amount", "greater than"),
        ({"certainty": "certain"}, "certainty", "high"),
        ({"basis": None}, "basis", "required"),
        ({"review_state": "approved"}, "review_state", "accepted"),
        ({"confidence": 0.9}, "confidence", "not permitted"),
    ],
)
def test_create_claim_with_bad_input_is_refused_and_writes_nothing(
    client: TestClient,
    session: Session,
    overrides: dict[str, Any],
    field: str,
    reason: str,
) -> None:
    make_speaker(session)
    make_speaker(session, "sergei-lavrov", actor="RU")
    make_actor(session, "FR")
    make_initiative(session)
    source = make_source(session, text=TEXT)
    # A None override leaves the field out of the body.
    payload = {k: v for k, v in commitment(source, **overrides).items() if v is not None}
    body = assert_problem(client.post(CLAIMS, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert claim_count(client) == 0


def test_create_claim_reports_every_broken_rule_at_once(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, text=TEXT)
    payload = commitment(
        source,
        actor="XQ",
        status=None,
        stated_on="2025-08-21",
        evidence={"text": "not in the text"},
    )
    body = assert_problem(client.post(CLAIMS, json=payload), 422)
    assert {e["field"] for e in body["errors"]} == {"actor", "status", "stated_on", "evidence.text"}
    assert claim_count(client) == 0


# Bad input on PATCH: the status, the field and its reason, and the claim unchanged


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({"actor": "XQ"}, "actor", "unknown actor 'XQ'"),
        ({"actor": "keir-starmer"}, "actor", "speaks for"),
        ({"role": "peacekeeping"}, "role", "ground_forces"),
        ({"status": None}, "status", "needs a status"),
        ({"stance": "supports"}, "stance", "not a stance"),
        (
            {"kind": "stance", "initiative": "peace-framework", "stance": "supports"},
            "role",
            "not a role",
        ),
        ({"initiative": "no-such-plan"}, "initiative", "unknown initiative"),
        ({"evidence": {"text": "ready to send ships"}}, "evidence.text", "not found verbatim"),
        (
            {"evidence": {"text": "ready to send troops", "start": 0, "end": 20}},
            "evidence",
            "not the quote",
        ),
        ({"stated_on": "2025-08-21"}, "stated_on", "after the source's publication date"),
        ({"speaker": "FR"}, "speaker", "not a person"),
        ({"speaker": "sergei-lavrov"}, "speaker", "held no office"),
        ({"source_id": 987654}, "source_id", "unknown source"),
        ({"conditional": True}, "conditions", "at least one condition"),
        ({"conditions": [{"type": "weather", "text": "x"}]}, "conditions.0.type", "ceasefire"),
        ({"basis": None}, "basis", "statement"),
        ({"kind": None}, "kind", "commitment"),
        ({"limits": "x", "retracted": True}, "retracted", "not permitted"),
    ],
)
def test_patch_claim_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    make_speaker(session)
    make_speaker(session, "sergei-lavrov", actor="RU")
    make_actor(session, "FR")
    make_initiative(session)
    claim = make_claim(session, conditions=[], limits=None)
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    body = assert_problem(
        client.patch(url, json=payload, headers=if_match(client, url)), 422, field
    )
    assert reason in message_for(body, field)
    assert comparable(client.get(url).json()) == comparable(before)


def test_patch_claim_to_a_source_without_its_evidence_is_refused_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    elsewhere = make_source(session, text="Nothing about it here.")
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    body = assert_problem(
        client.patch(url, json={"source_id": elsewhere.id}, headers=if_match(client, url)),
        422,
        "evidence.text",
    )
    assert str(elsewhere.id) in message_for(body, "evidence.text")
    assert comparable(client.get(url).json()) == comparable(before)


def retracted(session: Session) -> Claim:
    """A claim retracted as miscoded."""
    claim = make_claim(session)
    retract_claim(session, claim.id, "miscoded")
    return claim


def test_patch_retracted_claim_is_a_conflict_and_changes_nothing(
    client: TestClient, session: Session
) -> None:
    claim = retracted(session)
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    body = assert_problem(
        client.patch(url, json={"status": "pledged"}, headers=if_match(client, url)),
        409,
        "retracted",
    )
    assert "retracted on" in message_for(body, "retracted")
    assert comparable(client.get(url).json()) == comparable(before)


def test_patch_unknown_claim_is_not_found(client: TestClient) -> None:
    assert (
        "987654"
        in assert_problem(client.patch(f"{CLAIMS}/987654", json={}, headers=ANY_VERSION), 404)[
            "detail"
        ]
    )


# Bad input on retract


def test_retracting_twice_is_a_conflict_and_keeps_the_first_retraction(
    client: TestClient, session: Session
) -> None:
    claim = retracted(session)
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    response = client.post(
        f"{url}/retract", json={"reason": "again"}, headers=if_match(client, url)
    )
    body = assert_problem(response, 409, "retracted")
    assert "retracted on" in message_for(body, "retracted")
    after = client.get(url).json()
    assert comparable(after) == comparable(before)
    assert after["retraction_reason"] == "miscoded"


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({}, "reason", "required"),
        ({"reason": ""}, "reason", "at least 1"),
        ({"reason": "   "}, "reason", "at least 1"),
        ({"reason": "x" * 2001}, "reason", "at most 2000"),
        ({"reason": "miscoded", "by": "me"}, "by", "not permitted"),
    ],
)
def test_retract_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    claim = make_claim(session)
    url = f"{CLAIMS}/{claim.id}"
    before = client.get(url).json()
    body = assert_problem(
        client.post(f"{url}/retract", json=payload, headers=if_match(client, url)), 422, field
    )
    assert reason in message_for(body, field)
    assert comparable(client.get(url).json()) == comparable(before)
    assert client.get(url).json()["retracted"] is False


def test_retract_without_a_body_is_refused(client: TestClient, session: Session) -> None:
    claim = make_claim(session)
    assert_problem(
        client.post(
            f"{CLAIMS}/{claim.id}/retract", headers=if_match(client, f"{CLAIMS}/{claim.id}")
        ),
        422,
    )
    assert client.get(f"{CLAIMS}/{claim.id}").json()["retracted"] is False


def test_retract_unknown_claim_is_not_found(client: TestClient) -> None:
    response = client.post(f"{CLAIMS}/987654/retract", json={"reason": "x"}, headers=ANY_VERSION)
    assert "987654" in assert_problem(response, 404)["detail"]
