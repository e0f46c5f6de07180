"""The snapshots API: freezing a matrix, reading it back unchanged, citing it, refusals."""

import csv
import io
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.positions.api import CSV_COLUMNS
from tests.api_assertions import assert_problem, message_for
from tests.etags import if_match
from tests.factories import make_actor, make_claim
from tests.milestones.helpers import make_milestone
from tests.snapshots.helpers import AS_OF, SNAPSHOTS, canonical, make_matrix, sha256

ID = re.compile(r"^[a-z2-7]{12}$")


def take(client: TestClient, **body: Any) -> Any:
    response = client.post(SNAPSHOTS, json={"as_of": AS_OF, **body})
    assert response.status_code == 201, response.text
    return response


def test_create_answers_201_with_location_hash_citation_and_the_question(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    response = take(client, role="ground_forces", title="Ground forces, September")
    created = response.json()
    assert ID.match(created["id"])
    assert response.headers["location"] == f"{SNAPSHOTS}/{created['id']}"
    assert created["url"] == f"/snapshots/{created['id']}"
    assert (created["as_of"], created["known_as_of"], created["cell_count"]) == (AS_OF, None, 2)
    assert created["question"] == {
        "kind": None,
        "role": ["ground_forces"],
        "initiative": [],
        "group": None,
        "actor": [],
        "assume": [],
        "inherit": False,
    }
    assert created["created_by"] == "admin"
    assert created["created_at"]
    assert "cells" not in created
    assert re.fullmatch(r"[0-9a-f]{64}", created["content_hash"])
    text = created["citation"]["text"]
    assert text.startswith(
        'Posture snapshot "Ground forces, September": positions as of 2025-09-01'
    )
    assert "role ground_forces" in text
    assert f"http://testserver/snapshots/{created['id']}" in text
    assert created["content_hash"] in text
    assert "by admin" in text
    bibtex = created["citation"]["bibtex"]
    assert bibtex.startswith(f"@misc{{posture-{created['id']},")
    assert f"\\url{{http://testserver/snapshots/{created['id']}}}" in bibtex
    assert "ground\\_forces" in bibtex
    assert created["content_hash"] in bibtex


def test_the_hash_is_the_sha256_of_the_canonical_json_of_the_cells_read_back(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = take(client).json()
    response = client.get(f"{SNAPSHOTS}/{created['id']}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    frozen = response.json()
    assert frozen["cell_count"] == len(frozen["cells"]) == 3
    assert sha256(canonical(frozen["cells"])) == created["content_hash"] == frozen["content_hash"]
    # The stored text is sent verbatim: the hash can be checked on the bytes received.
    assert canonical(frozen["cells"]).encode() in response.content
    assert {k: v for k, v in frozen.items() if k != "cells"} == created
    gb = next(c for c in frozen["cells"] if c["actor"] == "GB")
    assert (gb["role"], gb["status"], gb["evidence"]) == (
        "ground_forces",
        "willing",
        "ready to send troops",
    )


def test_the_filters_take_one_value_or_a_list(client: TestClient, session: Session) -> None:
    make_matrix(session)
    one = take(client, actor="FR").json()
    assert (one["question"]["actor"], one["cell_count"]) == (["FR"], 2)
    several = take(client, actor=["FR", "GB"], kind="commitment", role=["ground_forces"]).json()
    assert several["question"]["actor"] == ["FR", "GB"]
    assert (several["question"]["kind"], several["cell_count"]) == ("commitment", 2)
    stances = take(client, initiative="reassurance-force").json()
    assert stances["cell_count"] == 1
    known = take(client, known_as_of="2025-08-19").json()
    assert (known["known_as_of"], known["cell_count"]) == ("2025-08-19", 0)


def test_a_snapshot_never_changes_when_its_deciding_claim_is_retracted(
    client: TestClient, session: Session
) -> None:
    claims = make_matrix(session)
    positions = {"as_of": AS_OF, "role": "ground_forces"}
    before = client.get("/api/v1/positions", params=positions).json()
    assert {c["actor"] for c in before["cells"]} == {"FR", "GB"}
    created = take(client, role="ground_forces").json()
    url = f"{SNAPSHOTS}/{created['id']}"
    frozen = client.get(url).content

    claim = f"/api/v1/claims/{claims['GB/ground_forces'].id}"
    retracted = client.post(
        f"{claim}/retract", json={"reason": "misquoted"}, headers=if_match(client, claim)
    )
    assert retracted.status_code == 200, retracted.text
    after = client.get("/api/v1/positions", params=positions).json()
    assert {c["actor"] for c in after["cells"]} == {"FR"}
    assert client.get(url).content == frozen
    assert sha256(canonical(client.get(url).json()["cells"])) == created["content_hash"]


def test_a_snapshot_reads_as_csv_with_the_positions_columns_and_more(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = take(client, role="ground_forces").json()
    for response in (
        client.get(f"{SNAPSHOTS}/{created['id']}", params={"format": "csv"}),
        client.get(f"{SNAPSHOTS}/{created['id']}", headers={"Accept": "text/csv"}),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert f"snapshot-{created['id']}.csv" in response.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == [*CSV_COLUMNS, "in_effect", "inherited_from", "opt_out"]
        assert len(rows) == 3
        by_actor = {r[2]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
        assert by_actor["GB"]["as_of"] == AS_OF
        assert by_actor["GB"]["status"] == "willing"
        assert by_actor["FR"]["status"] == "pledged"


def test_the_list_pages_newest_first_without_cells(client: TestClient, session: Session) -> None:
    make_matrix(session)
    ids = [take(client, title=f"Snapshot {n}").json()["id"] for n in range(3)]
    first = client.get(SNAPSHOTS, params={"limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert all("cells" not in item for item in page["items"])
    assert all(item["citation"]["text"] for item in page["items"])
    listed = [i["id"] for i in page["items"]] + [
        i["id"] for i in client.get(SNAPSHOTS, params={"offset": 2}).json()["items"]
    ]
    assert sorted(listed) == sorted(ids)
    by_title = client.get(SNAPSHOTS, params={"sort": "title"}).json()["items"]
    assert [i["title"] for i in by_title] == ["Snapshot 0", "Snapshot 1", "Snapshot 2"]
    assert_problem(client.get(SNAPSHOTS, params={"sort": "cells"}), 422, "sort")
    assert_problem(client.get(SNAPSHOTS, params={"limit": 501}), 422, "limit")


def test_taking_a_snapshot_is_in_the_audit_trail(client: TestClient, session: Session) -> None:
    make_matrix(session)
    created = take(client).json()
    entries = client.get(
        "/api/v1/audit", params={"record_type": "snapshot", "record": created["id"]}
    ).json()["items"]
    assert [e["action"] for e in entries] == ["snapshot.create"]
    assert "cells" not in (entries[0].get("after") or {})


# Who may take one


def test_an_anonymous_client_may_read_but_not_take_snapshots(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = take(client).json()
    assert_problem(anonymous_client.post(SNAPSHOTS, json={"as_of": AS_OF}), 401)
    assert anonymous_client.get(f"{SNAPSHOTS}/{created['id']}").status_code == 200
    assert anonymous_client.get(SNAPSHOTS).json()["total"] == 1


def test_an_unknown_snapshot_is_not_found(client: TestClient) -> None:
    body = assert_problem(client.get(f"{SNAPSHOTS}/abcdefabcdef"), 404)
    assert "abcdefabcdef" in body["detail"]
    assert_problem(client.get(f"{SNAPSHOTS}/not.an.id"), 422, "snapshot_id")


# Bad input: the status, the field and its reason, and nothing written


@pytest.mark.parametrize(
    ("payload", "field", "reason"),
    [
        ({}, "as_of", "required"),
        ({"as_of": "soon"}, "as_of", "YYYY-MM-DD"),
        ({"as_of": "2025-02-30"}, "as_of", "date"),
        ({"as_of": AS_OF, "known_as_of": "2025-13-01"}, "known_as_of", "date"),
        ({"as_of": AS_OF, "known_as_of": 20250901}, "known_as_of", "YYYY-MM-DD"),
        ({"as_of": AS_OF, "actor": "XQ"}, "actor", "unknown actor 'XQ'"),
        ({"as_of": AS_OF, "actor": ["GB", "XQ"]}, "actor", "unknown actor 'XQ'"),
        ({"as_of": AS_OF, "role": "cooking"}, "role", "unknown role 'cooking'"),
        ({"as_of": AS_OF, "role": ["ground_forces", "x"]}, "role", "unknown role 'x'"),
        ({"as_of": AS_OF, "initiative": "no-such-plan"}, "initiative", "unknown initiative"),
        ({"as_of": AS_OF, "group": "XQ"}, "group", "unknown actor"),
        ({"as_of": AS_OF, "group": "GB"}, "group", "not a group"),
        ({"as_of": AS_OF, "kind": "opinion"}, "kind", "commitment"),
        ({"as_of": AS_OF, "title": ""}, "title", "at least 1"),
        ({"as_of": AS_OF, "inherit": "yes"}, "inherit", "true or false"),
        ({"as_of": AS_OF, "colour": "red"}, "colour", "not permitted"),
    ],
)
def test_a_bad_question_is_refused_naming_the_field_and_writes_nothing(
    client: TestClient, session: Session, payload: dict[str, Any], field: str, reason: str
) -> None:
    make_actor(session, "GB")
    make_claim(session)
    body = assert_problem(client.post(SNAPSHOTS, json=payload), 422, field)
    assert reason in message_for(body, field)
    assert client.get(SNAPSHOTS).json()["total"] == 0


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    response = client.post(
        SNAPSHOTS, content=b"as_of=2025", headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 422, "body")
    assert json.loads(client.get(SNAPSHOTS).text)["total"] == 0


def test_a_snapshot_freezes_conditions_and_what_was_assumed(
    client: TestClient, session: Session
) -> None:
    make_milestone(session)
    make_claim(
        session,
        actor="FR",
        conditions=[
            {"type": "ceasefire", "text": "once a ceasefire holds", "milestone": "gaza-ceasefire"}
        ],
    )
    plain = take(client, actor="FR").json()
    assumed = take(client, actor="FR", assume="gaza-ceasefire", inherit=True).json()
    assert (assumed["question"]["assume"], assumed["question"]["inherit"]) == (
        ["gaza-ceasefire"],
        True,
    )
    assert "assuming gaza-ceasefire met" in assumed["citation"]["text"]
    (waiting,) = client.get(f"{SNAPSHOTS}/{plain['id']}").json()["cells"]
    (met,) = client.get(f"{SNAPSHOTS}/{assumed['id']}").json()["cells"]
    assert (waiting["in_effect"], met["in_effect"], met["in_effect_by_assumption"]) == (
        False,
        True,
        True,
    )
    assert [c["text"] for c in waiting["conditions"]] == ["once a ceasefire holds"]
    assert plain["content_hash"] != assumed["content_hash"]
    page = client.get(f"/snapshots/{plain['id']}").text
    assert "once a ceasefire holds" in page
    rows = client.get(f"{SNAPSHOTS}/{plain['id']}", params={"format": "csv"}).text.splitlines()
    assert rows[1].endswith(",false,,false")
    body = assert_problem(client.post(SNAPSHOTS, json={"as_of": AS_OF, "assume": "x-y"}), 422)
    assert "unknown milestone 'x-y'" in message_for(body, "assume")
