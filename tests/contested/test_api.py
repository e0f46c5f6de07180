"""GET /api/v1/contested: the contested cells with their claims side by side, and a
retraction through the API that settles a cell and is on the audit trail."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.config import Settings
from app.main import create_app
from tests.api_assertions import assert_problem
from tests.contested.helpers import DAY, D, claim_on, disagreement
from tests.etags import if_match
from tests.factories import make_initiative

CONTESTED = "/api/v1/contested"


def test_contested_answers_each_cell_with_its_claims_and_the_winner_marked(
    client: TestClient, session: Session
) -> None:
    winner, loser = disagreement(session)
    response = client.get(CONTESTED, params={"as_of": "2025-08-20"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["as_of"], body["known_as_of"], body["total"]) == ("2025-08-20", None, 1)
    (cell,) = body["cells"]
    assert {k: cell[k] for k in cell if k != "claims"} == {
        "actor": "GB",
        "actor_name": "United Kingdom",
        "kind": "commitment",
        "role": "ground_forces",
        "initiative": None,
        "initiative_name": None,
        "stated_on": "2025-08-20",
        "decided_by": winner.id,
    }
    first, second = cell["claims"]
    assert first == {
        "claim_id": winner.id,
        "status": "ruled_out",
        "stance": None,
        "conditional": False,
        "basis": "statement",
        "certainty": "high",
        "speaker": None,
        "evidence": "ready to send troops",
        "source": {
            "id": winner.source_id,
            "title": first["source"]["title"],
            "outlet": "Test Wire",
            "url": None,
            "published_on": "2025-08-20",
        },
        "stated_on": "2025-08-20",
        "version": 1,
        "decides": True,
    }
    assert (second["claim_id"], second["status"], second["decides"]) == (
        loser.id,
        "willing",
        False,
    )
    # The version is the claim's ETag: what a write's If-Match names.
    etag = client.get(f"/api/v1/claims/{loser.id}").headers["ETag"]
    assert etag == f'"{second["version"]}"'


def test_contested_takes_known_as_of_and_the_matrix_filters(
    client: TestClient, session: Session
) -> None:
    claim_on(session, DAY, status="ruled_out")
    claim_on(session, DAY, D(2025, 8, 25), status="willing", basis="report")
    claim_on(session, DAY, actor="FR", status="ruled_out")
    claim_on(session, DAY, actor="FR", status="willing", basis="report")

    def actors(**params: str) -> list[str]:
        response = client.get(CONTESTED, params={"as_of": "2025-08-30", **params})
        assert response.status_code == 200, response.text
        return [c["actor"] for c in response.json()["cells"]]

    assert actors() == ["FR", "GB"]
    assert actors(known_as_of="2025-08-24") == ["FR"]
    assert actors(actor="GB") == ["GB"]
    assert actors(role="air_cover") == []
    assert actors(kind="stance") == []
    make_initiative(session, "peace-framework")
    assert actors(initiative="peace-framework") == []


def test_contested_refuses_unknown_filters_and_bad_dates(
    client: TestClient, session: Session
) -> None:
    assert_problem(client.get(CONTESTED, params={"actor": "XQ"}), 422, "actor")
    assert_problem(client.get(CONTESTED, params={"initiative": "nothing"}), 422, "initiative")
    assert_problem(client.get(CONTESTED, params={"as_of": "20 August"}), 422, "as_of")
    assert_problem(client.get(CONTESTED, params={"known_as_of": "0"}), 422, "known_as_of")


def test_contested_defaults_to_today(anonymous_client: TestClient, session: Session) -> None:
    disagreement(session)
    body = anonymous_client.get(CONTESTED).json()
    assert body["total"] == 1
    assert body["as_of"] > "2025-08-20"


def test_retracting_a_claim_through_the_api_settles_the_cell_on_the_audit_trail(
    client: TestClient, session: Session, admin: User
) -> None:
    _, loser = disagreement(session)
    session.commit()
    url = f"/api/v1/claims/{loser.id}"
    retracted = client.post(
        f"{url}/retract", json={"reason": "the report misread"}, headers=if_match(client, url)
    )
    assert retracted.status_code == 200, retracted.text
    assert client.get(CONTESTED, params={"as_of": "2025-08-20"}).json()["total"] == 0
    trail = client.get("/api/v1/audit", params={"record_type": "claim", "record": loser.id})
    assert trail.status_code == 200, trail.text
    latest = trail.json()["items"][0]
    assert (latest["action"], latest["user_id"], latest["user_name"]) == (
        "retract",
        admin.id,
        admin.display_name,
    )
    assert latest["after"]["retraction_reason"] == "the report misread"


def test_contested_is_in_the_openapi_document_like_the_other_gets() -> None:
    document = create_app(Settings(database_url="sqlite://")).openapi()
    get = document["paths"][CONTESTED]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContestedCells"
    }
    assert {"401", "422", "503"} <= set(get["responses"])
    names = {p["name"] for p in get["parameters"]}
    assert names == {"as_of", "known_as_of", "kind", "role", "initiative", "actor", "group"}
