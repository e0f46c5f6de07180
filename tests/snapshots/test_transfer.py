"""Export and import keep snapshots: ids, hashes and cells byte for byte."""

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.snapshots import service as snapshot_service
from app.transfer.service import export_lines, import_lines
from tests.api_assertions import assert_problem, message_for
from tests.conftest import NewDatabase, in_transaction
from tests.factories import make_user
from tests.snapshots.helpers import AS_OF, SNAPSHOTS, canonical, make_matrix, sha256


def snapshot_lines(lines: list[str]) -> list[str]:
    """The export's snapshot lines, as written."""
    return [line for line in lines if json.loads(line)["type"] == "snapshot"]


def test_the_round_trip_keeps_snapshots_byte_for_byte(
    backend: str, client: TestClient, session: Session, new_database: NewDatabase
) -> None:
    claims = make_matrix(session)
    first = client.post(SNAPSHOTS, json={"as_of": AS_OF, "title": "Ünïcode & “quotes”"}).json()
    second = client.post(SNAPSHOTS, json={"as_of": AS_OF, "role": "ground_forces"}).json()
    # A later edit changes the matrix, never a snapshot.
    claim = claims["GB/ground_forces"]
    claim_url = f"/api/v1/claims/{claim.id}"
    etag = client.get(claim_url).headers["ETag"]
    client.post(f"{claim_url}/retract", json={"reason": "wrong"}, headers={"If-Match": etag})
    lines = list(export_lines(session))
    exported = snapshot_lines(lines)
    # Last in the file, oldest first.
    assert [json.loads(line)["id"] for line in lines[-2:]] == [first["id"], second["id"]]
    assert len(exported) == 2

    url = new_database(backend)
    report = in_transaction(url, lambda s: import_lines(s, lines))
    assert report.created["snapshot"] == 2
    again = in_transaction(url, lambda s: list(export_lines(s)))
    # The taker is kept by name, though users are not exported.
    assert snapshot_lines(again) == exported
    assert all('"created_by": "admin"' in line for line in exported)
    # Where the taker has an account, the lines are the same byte for byte too.
    with_users = new_database(backend)
    in_transaction(with_users, lambda s: make_user(s, "admin", role="admin"))
    in_transaction(with_users, lambda s: import_lines(s, lines))
    assert snapshot_lines(in_transaction(with_users, lambda s: list(export_lines(s)))) == exported

    def read(s: Session, snapshot_id: str) -> Any:
        return snapshot_service.read_snapshot(s, snapshot_id, base_url="http://x/")

    for original in (first, second):
        stored = session_read = read(session, original["id"])
        copied = in_transaction(url, lambda s, i=original["id"]: read(s, i))
        assert copied.cells_json == session_read.cells_json
        assert sha256(copied.cells_json) == original["content_hash"]
        assert canonical(json.loads(copied.cells_json)) == copied.cells_json
        # Everything, the taker and the citation included, is as it was.
        assert copied.summary == stored.summary
        assert copied.summary.created_by == "admin"


def test_importing_the_same_snapshot_again_leaves_it_unchanged(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = client.post(SNAPSHOTS, json={"as_of": AS_OF}).json()
    before = client.get(f"{SNAPSHOTS}/{created['id']}").content
    body = "".join(export_lines(session))
    response = client.post(
        "/api/v1/import", content=body.encode(), headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 200, response.text
    assert "snapshot" not in response.json()["created"]
    assert "snapshot" not in response.json()["updated"]
    assert client.get(f"{SNAPSHOTS}/{created['id']}").content == before
    assert client.get(SNAPSHOTS).json()["total"] == 1


def import_problem(client: TestClient, lines: list[str]) -> Any:
    response = client.post(
        "/api/v1/import",
        content="".join(lines).encode(),
        headers={"Content-Type": "application/x-ndjson"},
    )
    return assert_problem(response, 422, "content_hash")


def test_an_import_refuses_another_snapshot_under_a_stored_id_naming_the_line(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = client.post(SNAPSHOTS, json={"as_of": AS_OF}).json()
    lines = list(export_lines(session))
    record = json.loads(lines[-1])
    cells = json.loads(record["cells"])
    cells[0]["status"] = "active"
    record["cells"] = canonical(cells)
    record["content_hash"] = sha256(record["cells"])
    body = import_problem(client, [lines[0], json.dumps(record) + "\n"])
    assert "another hash" in message_for(body, "content_hash")
    assert [e["line"] for e in body["errors"]] == [2]
    assert (
        client.get(f"{SNAPSHOTS}/{created['id']}").json()["content_hash"]
        == (created["content_hash"])
    )


def test_an_import_refuses_cells_that_do_not_match_their_hash(
    client: TestClient, session: Session
) -> None:
    make_matrix(session)
    created = client.post(SNAPSHOTS, json={"as_of": AS_OF}).json()
    lines = list(export_lines(session))
    record = json.loads(lines[-1])
    record["id"] = "newsnapshot2"
    record["cells"] = record["cells"].replace("willing", "pledged")
    body = import_problem(client, [lines[0], json.dumps(record) + "\n"])
    assert "does not match" in message_for(body, "content_hash")
    assert client.get(f"{SNAPSHOTS}/newsnapshot2").status_code == 404
    assert client.get(SNAPSHOTS).json()["total"] == 1
    assert created["id"] != "newsnapshot2"
