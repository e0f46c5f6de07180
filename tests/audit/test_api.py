"""The audit API: every write through the API is an entry naming its user; entries are
listed, filtered and exported, and no route changes or deletes one."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.config import Settings
from tests.api_assertions import assert_problem
from tests.etags import if_match
from tests.factories import make_actor, make_claim, make_source

AUDIT = "/api/v1/audit"
TEXT = "Source text. The United Kingdom is ready to send troops. London agrees."


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_api_writes_are_entries_naming_the_user_with_before_and_after(
    client: TestClient, session: Session, admin: User
) -> None:
    created = client.post("/api/v1/actors", json={"code": "PL", "kind": "state"})
    assert created.status_code == 201
    url = "/api/v1/actors/PL"
    renamed = client.patch(
        url, json={"name": "Poland (Rzeczpospolita)"}, headers=if_match(client, url)
    )
    assert renamed.status_code == 200
    trail = client.get(AUDIT, params={"record_type": "actor", "record": "PL"}).json()
    assert trail["total"] == 2
    update, create = trail["items"]
    assert (create["action"], create["before"], create["user_id"]) == ("create", None, admin.id)
    assert create["after"]["name"] == "Poland"
    assert (update["action"], update["user_id"], update["user_name"]) == (
        "update",
        admin.id,
        admin.display_name,
    )
    assert (update["before"]["name"], update["after"]["name"]) == (
        "Poland",
        "Poland (Rzeczpospolita)",
    )
    assert set(update["changed"]) == {"name", "version"}
    assert update["agent"] is None
    assert datetime.fromisoformat(update["at"]) >= datetime.fromisoformat(create["at"])


def test_claim_writes_through_the_api_leave_one_entry_each(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session, source=make_source(session, text=TEXT))
    session.commit()  # the factories' writes, and their entries
    url = f"/api/v1/claims/{claim.id}"
    before = entry_count(session)
    changed = client.patch(url, json={"status": "pledged"}, headers=if_match(client, url))
    assert changed.status_code == 200
    retracted = client.post(f"{url}/retract", json={"reason": "x"}, headers=if_match(client, url))
    assert retracted.status_code == 200
    actions = [
        e["action"]
        for e in client.get(AUDIT, params={"record_type": "claim", "record": claim.id}).json()[
            "items"
        ]
    ]
    assert actions == ["retract", "update", "create"]
    assert entry_count(session) == before + 2


def test_a_refused_write_leaves_no_entry(client: TestClient, session: Session) -> None:
    make_actor(session, "GB")
    session.commit()
    url = "/api/v1/actors/GB"
    headers = if_match(client, url)
    before = entry_count(session)
    assert_problem(client.patch(url, json={"name": None}, headers=headers), 422)
    assert_problem(client.patch(url, json={"name": "x"}, headers={"If-Match": '"7"'}), 412)
    assert_problem(client.patch(url, json={"name": "x"}), 428)
    assert entry_count(session) == before


def test_filters_by_type_record_user_action_and_time(
    client: TestClient, session: Session, admin: User
) -> None:
    make_actor(session, "GB")
    make_actor(session, "FR")
    for code in ("GB", "FR"):
        url = f"/api/v1/actors/{code}"
        client.patch(url, json={"description": "x"}, headers=if_match(client, url))

    def keys(**params: str | int) -> list[tuple[str, str]]:
        body = client.get(AUDIT, params=params).json()
        return [(e["action"], e["record_key"]) for e in body["items"]]

    assert keys(record_type="actor", action="update") == [("update", "FR"), ("update", "GB")]
    assert keys(record_type="actor", record="GB", action="update") == [("update", "GB")]
    assert keys(user=admin.id, record_type="actor") == [("update", "FR"), ("update", "GB")]
    assert keys(user="admin", record_type="actor") == [("update", "FR"), ("update", "GB")]
    today = datetime.now(UTC).date()
    assert len(keys(record_type="actor", action="update", **{"from": str(today)})) == 2
    assert keys(record_type="actor", to=str(today - timedelta(days=1))) == []
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert keys(record_type="actor", **{"from": later}) == []
    page = client.get(AUDIT, params={"record_type": "actor", "limit": 1, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 1, 1, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2025-13-01"}, "to"),
        ({"user": "nobody-here"}, "user"),
        ({"from": "2025-08-20", "to": "2025-08-19"}, "to"),
        ({"limit": "0"}, "limit"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_filters_are_422_naming_the_field(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    assert_problem(client.get(AUDIT, params=params), 422, field)


def test_jsonl_exports_every_match_oldest_first(client: TestClient, session: Session) -> None:
    make_actor(session, "GB")
    url = "/api/v1/actors/GB"
    client.patch(url, json={"description": "x"}, headers=if_match(client, url))
    response = client.get(AUDIT, params={"record_type": "actor", "format": "jsonl"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [(e["action"], e["record_key"]) for e in lines] == [("create", "GB"), ("update", "GB")]
    assert lines[1]["before"]["description"] is None
    assert lines[1]["after"]["description"] == "x"


def test_one_entry_reads_back_and_an_unknown_one_is_404(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    session.commit()
    first = client.get(AUDIT, params={"record_type": "actor"}).json()["items"][0]
    assert client.get(f"{AUDIT}/{first['id']}").json() == first
    assert_problem(client.get(f"{AUDIT}/987654"), 404)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_no_route_changes_or_deletes_an_entry(
    client: TestClient, session: Session, method: str
) -> None:
    make_actor(session, "GB")
    session.commit()
    entry = client.get(AUDIT).json()["items"][0]
    before = entry_count(session)
    for path in (AUDIT, f"{AUDIT}/{entry['id']}"):
        response = client.request(method, path, json={"action": "forged"})
        assert_problem(response, 405)
        assert "GET" in response.headers["allow"]
    assert client.get(f"{AUDIT}/{entry['id']}").json() == entry
    assert entry_count(session) == before


def test_the_trail_is_for_signed_in_readers_unless_a_setting_makes_it_public(
    app: FastAPI, settings: Settings, client: TestClient, session: Session
) -> None:
    make_actor(session, "FR")
    session.commit()
    with TestClient(app) as anonymous:
        for url in (AUDIT, f"{AUDIT}?format=jsonl", f"{AUDIT}/1"):
            refused = anonymous.get(url)
            assert_problem(refused, 401)
            assert "audit trail" in refused.json()["detail"]
        assert client.get(AUDIT).status_code == 200
        settings.public_audit_trail = True
        public = anonymous.get(AUDIT)
    assert public.status_code == 200
    assert public.json()["total"] >= 1
