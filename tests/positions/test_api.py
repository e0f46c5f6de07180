"""The positions API on the seed dataset: the product owner's acceptance check and its kin."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.positions.api import CSV_COLUMNS
from app.vocab import (
    BASIS_PRIORITY,
    STATUS_RANK,
    Basis,
    Certainty,
    ConditionType,
    Role,
    Stance,
    Status,
)
from tests.api_assertions import assert_problem, message_for
from tests.factories import make_actor

POSITIONS = "/api/v1/positions"
NATO_WITH_A_SEED_CLAIM = {"GB", "FR", "FI", "DE", "ES", "US"}


def cells_by_actor(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["cells"])
    return {c["actor"]: c for c in body["cells"]}


def test_ground_forces_as_of_20_august_match_the_product_owners_check(
    client: TestClient, seeded: Session
) -> None:
    response = client.get(POSITIONS, params={"as_of": "2025-08-20", "role": "ground_forces"})
    cells = cells_by_actor(response)
    assert (cells["GB"]["status"], cells["GB"]["conditional"]) == ("willing", True)
    assert (cells["FR"]["status"], cells["FR"]["conditional"]) == ("willing", True)
    assert cells["FI"]["status"] == "considering"
    assert cells["US"]["status"] == "ruled_out"
    assert {c["role"] for c in cells.values()} == {"ground_forces"}
    gb = cells["GB"]
    assert (gb["actor_name"], gb["stated_on"], gb["basis"], gb["contested"]) == (
        "United Kingdom",
        "2025-08-20",
        "report",
        False,
    )
    assert gb["evidence"].startswith("United Kingdom, France, and possibly Finland")
    assert client.get(f"/api/v1/claims/{gb['claim_id']}").json()["actor"] == "GB"


def test_ground_forces_as_of_14_august_show_none_of_them(
    client: TestClient, seeded: Session
) -> None:
    response = client.get(POSITIONS, params={"as_of": "2025-08-14", "role": "ground_forces"})
    assert cells_by_actor(response) == {}


def test_positions_filter_by_group_membership_at_the_date(
    client: TestClient, seeded: Session
) -> None:
    nato = cells_by_actor(client.get(POSITIONS, params={"as_of": "2025-08-20", "group": "NATO"}))
    assert set(nato) == NATO_WITH_A_SEED_CLAIM
    # GB left the EU on 2020-01-31.
    eu = client.get(
        POSITIONS, params={"as_of": "2025-08-20", "group": "EU", "role": "ground_forces"}
    )
    assert set(cells_by_actor(eu)) == {"FR", "FI", "DE", "ES"}


@pytest.mark.parametrize(("group", "reason"), [("XQ", "unknown actor 'XQ'"), ("GB", "not a group")])
def test_positions_refuse_a_group_that_is_not_one(
    client: TestClient, session: Session, group: str, reason: str
) -> None:
    make_actor(session, "GB")
    response = client.get(POSITIONS, params={"as_of": "2025-08-20", "group": group})
    body = assert_problem(response, 422, "group")
    assert reason in message_for(body, "group")


def test_positions_as_csv_have_a_header_and_one_row_per_cell(
    client: TestClient, seeded: Session
) -> None:
    params = {"as_of": "2025-08-20"}
    total = client.get(POSITIONS, params=params).json()["total"]
    for response in (
        client.get(POSITIONS, params={**params, "format": "csv"}),
        client.get(POSITIONS, params=params, headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == CSV_COLUMNS
        records = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        assert len(records) == total
        assert {r["as_of"] for r in records} == {"2025-08-20"}
        us_ground = [r for r in records if (r["actor"], r["role"]) == ("US", "ground_forces")]
        assert [(r["status"], r["conditional"]) for r in us_ground] == [("ruled_out", "false")]


def test_position_counts_follow_the_ground_force_coalition(
    client: TestClient, seeded: Session
) -> None:
    response = client.get(
        f"{POSITIONS}/counts",
        params={"role": "ground_forces", "from": "2025-08-06", "to": "2025-08-20", "step": "week"},
    )
    assert response.status_code == 200, response.text
    counts = response.json()
    assert counts["values"] == [s.value for s in Status]
    assert [p["as_of"] for p in counts["series"]] == ["2025-08-06", "2025-08-13", "2025-08-20"]
    assert [p["total"] for p in counts["series"]] == [0, 0, 6]
    last = counts["series"][-1]["counts"]
    assert (last["willing"], last["considering"], last["ruled_out"], last["pledged"]) == (
        2,
        3,
        1,
        0,
    )


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"role": "ground_forces", "from": "2025-08-20", "to": "2025-08-01"}, "to"),
        ({"from": "2025-08-01", "to": "2025-08-20"}, "role"),
        ({"role": "ground_forces", "from": "2025-08-01"}, "to"),
        (
            {"role": "ground_forces", "from": "2025-08-01", "to": "2025-08-20", "group": "XQ"},
            "group",
        ),
    ],
)
def test_position_counts_refuse_bad_input_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    assert_problem(client.get(f"{POSITIONS}/counts", params=params), 422, field)


def test_changes_list_the_positions_taken_between_two_dates(
    client: TestClient, seeded: Session
) -> None:
    response = client.get(
        "/api/v1/changes",
        params={"from": "2025-08-14", "to": "2025-08-20", "role": "ground_forces"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    changes = {c["actor"]: c for c in body["changes"]}
    assert set(changes) == NATO_WITH_A_SEED_CLAIM
    assert body["total"] == len(changes)
    assert {c["change"] for c in changes.values()} == {"new"}
    assert changes["US"]["before"] is None
    assert changes["US"]["after"]["status"] == "ruled_out"


def test_changes_refuse_a_to_before_from(client: TestClient) -> None:
    response = client.get("/api/v1/changes", params={"from": "2025-08-20", "to": "2025-08-14"})
    body = assert_problem(response, 422, "to")
    assert "before" in message_for(body, "to")


def test_us_timeline_lists_every_us_claim_in_date_order(
    client: TestClient, seeded: Session
) -> None:
    response = client.get("/api/v1/actors/US/timeline")
    assert response.status_code == 200, response.text
    timeline = response.json()
    assert (timeline["actor"], timeline["actor_name"]) == ("US", "United States")
    claims = timeline["claims"]
    assert {c["role"] for c in claims} == {
        "ground_forces",
        "air_cover",
        "intelligence",
        "border_monitoring",
        "arms_supply",
        "air_defense",
    }
    assert {c["actor"] for c in claims} == {"US"}
    # Each is the first word on its role, so each changed a position.
    assert all(c["changed"] for c in claims)
    [ground] = [c for c in claims if c["role"] == "ground_forces"]
    assert (ground["status"], ground["speaker"]) == ("ruled_out", "donald-trump")


def test_vocabulary_matches_the_codebook_enums(client: TestClient) -> None:
    response = client.get("/api/v1/vocabulary")
    assert response.status_code == 200
    vocabulary = response.json()
    ids = {name: [t["id"] for t in terms] for name, terms in vocabulary.items()}
    assert ids == {
        "roles": [r.value for r in Role],
        "statuses": [s.value for s in Status],
        "stances": [s.value for s in Stance],
        "condition_types": [c.value for c in ConditionType],
        "basis": [b.value for b in Basis],
        "certainty": [c.value for c in Certainty],
    }
    assert {t["id"]: t["rank"] for t in vocabulary["statuses"]} == {
        s.value: rank for s, rank in STATUS_RANK.items()
    }
    assert {t["id"]: t["priority"] for t in vocabulary["basis"]} == {
        b.value: p for b, p in BASIS_PRIORITY.items()
    }
    assert all(t["label"] and t["description"] for terms in vocabulary.values() for t in terms)
