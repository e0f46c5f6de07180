"""Every error the API answers is an RFC 9457 problem, and bad input never answers 500."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from tests.api_assertions import assert_problem, comparable, message_for
from tests.conftest import build_app
from tests.etags import ANY_VERSION, if_match
from tests.factories import make_actor, make_claim, make_initiative, make_source

INVALID_INPUT = "https://posture.example/problems/invalid-input"
HUGE = 2**70


def test_fastapi_validation_error_for_a_bad_query_date_is_a_problem_naming_the_parameter(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/claims", params={"stated_from": "2025-13-40"})
    body = assert_problem(response, 422, "stated_from")
    assert body["type"] == INVALID_INPUT
    assert body["title"] == "Invalid input"
    assert "stated_from" in body["detail"]


def test_fastapi_validation_error_for_an_unknown_enum_value_in_a_body_names_the_field(
    client: TestClient,
) -> None:
    response = client.post("/api/v1/actors", json={"code": "GB", "kind": "planet"})
    body = assert_problem(response, 422, "kind")
    assert "state" in message_for(body, "kind")
    assert client.get("/api/v1/actors/GB").status_code == 404


def test_fastapi_validation_error_for_a_missing_body_field_names_the_field(
    client: TestClient,
) -> None:
    body = assert_problem(client.post("/api/v1/sources", json={"title": "t"}), 422)
    assert message_for(body, "published_on") == "Field required"


def test_fastapi_validation_error_for_a_malformed_json_body_names_the_body(
    client: TestClient,
) -> None:
    response = client.post(
        "/api/v1/actors", content=b'{"code": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "body")


def test_fastapi_validation_error_for_a_non_numeric_path_id_names_it(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/sources/abc"), 422, "source_id")


def test_app_error_422_is_a_problem_with_the_field_and_its_reason(client: TestClient) -> None:
    response = client.post("/api/v1/actors", json={"code": "XX", "kind": "state"})
    body = assert_problem(response, 422, "code")
    assert body["type"] == INVALID_INPUT
    assert "ISO 3166-1" in message_for(body, "code")


def test_list_limit_above_the_maximum_is_an_app_error_422(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/claims", params={"limit": 501}), 422, "limit")
    assert "500" in message_for(body, "limit")


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/api/v1/actors/XQ", "XQ"),
        ("/api/v1/initiatives/no-such-plan", "no-such-plan"),
        ("/api/v1/sources/987654", "987654"),
        ("/api/v1/claims/987654", "987654"),
        ("/api/v1/actors/XQ/timeline", "XQ"),
    ],
)
def test_unknown_record_is_a_404_problem_naming_it(
    client: TestClient, path: str, named: str
) -> None:
    body = assert_problem(client.get(path), 404)
    assert body["type"] == "https://posture.example/problems/not-found"
    assert named in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("PATCH", "/api/v1/actors/XQ", {"name": "x"}),
        ("PATCH", "/api/v1/initiatives/no-such-plan", {"name": "x"}),
        ("PATCH", "/api/v1/sources/987654", {"title": "x"}),
        ("PATCH", "/api/v1/claims/987654", {"limits": "x"}),
        ("POST", "/api/v1/claims/987654/retract", {"reason": "x"}),
    ],
)
def test_writing_to_an_unknown_record_is_a_404_problem(
    client: TestClient, method: str, path: str, payload: dict[str, Any]
) -> None:
    assert_problem(client.request(method, path, json=payload, headers=ANY_VERSION), 404)


def test_conflict_is_a_409_problem_naming_the_field_and_the_existing_record(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    response = client.post("/api/v1/actors", json={"code": "GB", "kind": "state"})
    body = assert_problem(response, 409, "code")
    assert body["type"] == "https://posture.example/problems/conflict"
    assert body["existing_id"] == "GB"


def test_method_not_allowed_is_a_405_problem_that_keeps_the_allow_header(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    response = client.delete("/api/v1/actors/GB")
    body = assert_problem(response, 405)
    assert body["title"] == "Method Not Allowed"
    # Every method of the path, though GET and PATCH are two routes.
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "PATCH"}


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/v1/claims/1", {"GET", "PATCH"}),
        ("/api/v1/claims", {"GET", "POST"}),
        # The import, not a claim whose id would be "import".
        ("/api/v1/claims/import", {"POST"}),
        ("/api/v1/tokens/1", {"DELETE"}),
    ],
)
def test_options_is_a_405_whose_allow_header_names_every_method_of_the_path(
    client: TestClient, path: str, allowed: set[str]
) -> None:
    response = client.options(path)
    assert_problem(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} == allowed


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404)
    assert body["title"] == "Not Found"


@pytest.mark.parametrize(
    ("method", "path", "payload", "field"),
    [
        ("GET", f"/api/v1/sources/{HUGE}", None, "source_id"),
        ("GET", f"/api/v1/claims/{HUGE}", None, "claim_id"),
        ("GET", "/api/v1/sources/0", None, "source_id"),
        ("PATCH", f"/api/v1/sources/{HUGE}", {"title": "x"}, "source_id"),
        ("PATCH", f"/api/v1/claims/{HUGE}", {"limits": "x"}, "claim_id"),
        ("POST", f"/api/v1/claims/{HUGE}/retract", {"reason": "x"}, "claim_id"),
        ("GET", f"/api/v1/claims?source={HUGE}", None, "source"),
        ("GET", f"/api/v1/claims?offset={HUGE}", None, "offset"),
        ("GET", f"/api/v1/sources?offset={HUGE}", None, "offset"),
        ("GET", "/api/v1/actors?offset=-1", None, "offset"),
        ("GET", "/api/v1/initiatives?limit=0", None, "limit"),
        ("GET", "/api/v1/claims?sort=-nothing", None, "sort"),
        ("GET", "/api/v1/claims?format=xlsx", None, "format"),
        ("GET", "/api/v1/claims?include_retracted=perhaps", None, "include_retracted"),
        ("POST", "/api/v1/actors", [1, 2], "body"),
        ("POST", "/api/v1/claims", {}, "actor"),
    ],
)
def test_bad_input_without_data_is_a_4xx_problem_never_a_500(
    client: TestClient, method: str, path: str, payload: Any, field: str
) -> None:
    # Writes name a version (If-Match); the bad input is refused all the same.
    response = client.request(method, path, json=payload, headers=ANY_VERSION)
    assert_problem(response, 422, field)


def test_huge_numbers_in_a_claim_body_are_refused_not_sent_to_the_database(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    textless = make_source(session, text=None)
    body = {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": HUGE,
        "evidence": {"text": "x"},
    }
    assert_problem(client.post("/api/v1/claims", json=body), 422, "source_id")
    offsets = {"text": "x", "start": 3_000_000_000, "end": 3_000_000_001}
    response = client.post(
        "/api/v1/claims", json={**body, "source_id": textless.id, "evidence": offsets}
    )
    assert_problem(response, 422, "evidence.start")
    assert client.get("/api/v1/claims", params={"source": textless.id}).json()["total"] == 0


@pytest.mark.parametrize("field", ["kind", "basis", "actor", "stated_on", "evidence", "via"])
def test_patching_a_claim_with_null_for_a_required_field_is_a_422_naming_it(
    client: TestClient, session: Session, field: str
) -> None:
    claim = make_claim(session)
    before = client.get(f"/api/v1/claims/{claim.id}").json()
    url = f"/api/v1/claims/{claim.id}"
    response = client.patch(url, json={field: None}, headers=if_match(client, url))
    assert_problem(response, 422, field)
    assert comparable(client.get(f"/api/v1/claims/{claim.id}").json()) == comparable(before)


def test_every_domain_answers_problems_for_unknown_references(
    client: TestClient, session: Session
) -> None:
    make_initiative(session)
    assert_problem(client.get("/api/v1/actors", params={"group": "XQ"}), 422, "group")
    assert_problem(client.get("/api/v1/initiatives", params={"proposer": "XQ"}), 422, "proposer")
    assert_problem(client.get("/api/v1/claims", params={"actor": "XQ"}), 422, "actor")
    response = client.get("/api/v1/claims", params={"initiative": "no-such-plan"})
    assert_problem(response, 422, "initiative")


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/api/v1/sources", {"title": "a\u0000b", "published_on": "2025-08-20"}),
        ("GET", "/api/v1/claims?q=a%00b", None),
    ],
)
def test_a_nul_character_is_refused_naming_the_field(
    client: TestClient, method: str, path: str, payload: Any
) -> None:
    # PostgreSQL's text cannot hold NUL: it must be refused before it reaches the database.
    response = client.request(method, path, json=payload)
    field = "title" if method == "POST" else "q"
    assert_problem(response, 422, field)


def test_a_claims_import_the_csv_reader_cannot_read_is_a_422_naming_the_body(
    client: TestClient,
) -> None:
    # A bare carriage return inside an unquoted field stops Python's csv module.
    response = client.post(
        "/api/v1/claims/import?format=csv",
        content=b"actor,role\r\nGB,ground\rforces\r\n",
        headers={"Content-Type": "text/csv"},
    )
    assert "cannot be read as CSV" in message_for(assert_problem(response, 422, "body"), "body")


def test_too_many_extractions_is_a_too_many_requests_problem_with_retry_after(
    settings: Settings, engine: Engine, session: Session
) -> None:
    limited = settings.model_copy(update={"extract_rate_per_minute": 1})
    body = {"text": "Sweden is ready to send troops.", "published_on": "2025-08-20"}
    with TestClient(build_app(limited, engine, session)) as client:
        client.post("/api/v1/extract", json=body)
        response = client.post("/api/v1/extract", json=body)

    problem = assert_problem(response, 429)
    assert problem["type"] == "https://posture.example/problems/too-many-requests"
    assert problem["title"] == "Too many requests"
    assert "extractions a minute" in problem["detail"]
    assert int(response.headers["Retry-After"]) >= 1
