"""Bulk import of claims from CSV and JSON Lines: row-by-row checks, all or nothing."""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.errors import InvalidInput
from app.transfer.bulk import import_claims
from tests.factories import make_actor, make_source, make_token, make_user

HEADER = "actor,kind,role,status,basis,stated_on,source_id,evidence,condition_types,conditions,via"


def claim_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Claim)) or 0


def test_a_valid_csv_imports_every_row_as_proposed(session: Session) -> None:
    make_actor(session, "GB")
    make_actor(session, "FR")
    source = make_source(session, url="https://example.org/a")
    before = claim_count(session)
    content = "\n".join(
        [
            HEADER,
            f"GB,commitment,ground_forces,willing,report,2025-08-19,{source.id},"
            "ready to send troops,ceasefire,once the guns fall silent,Reuters; AP",
            f"FR,commitment,air_cover,considering,statement,2025-08-20,{source.id},"
            "London agrees,,,",
        ]
    )
    report = import_claims(session, content, "csv")
    assert report.created == 2
    assert report.review_state == "proposed"
    assert claim_count(session) == before + 2
    gb = session.get(Claim, report.first_id)
    assert gb is not None
    assert (gb.status, gb.conditional, gb.via) == ("willing", True, ["Reuters", "AP"])
    assert source.text is not None
    assert source.text[gb.evidence_start : gb.evidence_end] == "ready to send troops"


def test_json_lines_rows_may_reference_the_source_by_url(session: Session) -> None:
    make_source(session, url="https://example.org/b")
    row = {
        "actor": "GB",
        "kind": "commitment",
        "role": "sanctions",
        "status": "pledged",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_url": "https://example.org/b",
        "evidence": {"text": "London agrees"},
        "conditions": [{"type": "talks_refused", "text": "if talks fail"}],
    }
    make_actor(session, "GB")
    report = import_claims(session, json.dumps(row), "jsonl", accept=True)
    claim = session.get(Claim, report.first_id)
    assert claim is not None
    assert (claim.review_state, claim.role, claim.conditional) == ("accepted", "sanctions", True)


def test_bad_rows_are_listed_with_line_field_and_reason_and_nothing_is_written(
    session: Session,
) -> None:
    source = make_source(session)
    make_actor(session, "GB")
    before = claim_count(session)
    ok = f"{source.id},ready to send troops,,,"
    content = "\n".join(
        [
            HEADER,
            f"GB,commitment,ground_forces,willing,report,2025-08-19,{ok}",
            f"XX,commitment,ground_forces,willing,report,2025-08-19,{ok}",
            f"GB,commitment,flying,willing,report,2025-08-19,{ok}",
            f"GB,commitment,ground_forces,willing,report,2025-08-19,{source.id},never written,,,",
            f"GB,commitment,ground_forces,,report,2025-08-19,{ok}",
            f"GB,commitment,ground_forces,willing,report,2030-01-01,{ok}",
            "GB,commitment,ground_forces,willing,report,2025-08-19,999999,ready to send troops,,,",
        ]
    )
    with pytest.raises(InvalidInput) as caught:
        import_claims(session, content, "csv")
    found = {(e["line"], e["field"]) for e in caught.value.errors}
    assert found == {
        (3, "actor"),
        (4, "role"),
        (5, "evidence"),
        (6, "status"),
        (7, "stated_on"),
        (8, "source_id"),
    }
    assert all(e["message"] for e in caught.value.errors)
    assert claim_count(session) == before


def test_a_json_lines_file_with_a_broken_line_names_it(session: Session) -> None:
    with pytest.raises(InvalidInput) as caught:
        import_claims(session, '{"actor": "GB"\nnot json', "jsonl")
    assert {e["line"] for e in caught.value.errors} == {1, 2}


def test_the_api_imports_a_csv_and_only_a_reviewer_may_import_as_accepted(
    client: TestClient, anonymous_client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    source = make_source(session)
    body = f"{HEADER}\nGB,commitment,ground_forces,willing,report,2025-08-19,{source.id},"
    body += "ready to send troops,,,\n"
    headers = {"Content-Type": "text/csv"}
    refused = anonymous_client.post("/api/v1/claims/import", content=body, headers=headers)
    assert refused.status_code == 401
    response = client.post("/api/v1/claims/import?accept=true", content=body, headers=headers)
    assert response.status_code == 201, response.text
    assert response.json()["review_state"] == "accepted"
    claim_id = response.json()["first_id"]
    assert client.get(f"/api/v1/claims/{claim_id}").json()["review_state"] == "accepted"


def test_an_editor_restoring_an_export_may_bring_only_proposed_claims(
    app: FastAPI, session: Session
) -> None:
    make_actor(session, "GB")
    source = make_source(session)
    editor = make_user(session, "eddie", role="editor")
    headers = {
        "Authorization": f"Bearer {make_token(session, editor)}",
        "Content-Type": "application/x-ndjson",
    }
    header = {"type": "posture-export", "format": 1, "exported_at": "2025-08-21T00:00:00+00:00"}
    claim = {
        "type": "claim",
        "id": 990001,
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "report",
        "stated_on": "2025-08-19",
        "source_id": source.id,
        "evidence": {"text": "ready to send troops"},
    }

    def restore(state: str) -> Any:
        lines = [header, {**claim, "review_state": state}]
        content = "".join(json.dumps(line) + "\n" for line in lines)
        with TestClient(app, headers=headers) as client:
            return client.post("/api/v1/import", content=content)

    before = claim_count(session)
    refused = restore("accepted")

    assert refused.status_code == 422, refused.text
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(2, "review_state")]
    assert claim_count(session) == before
    assert restore("proposed").status_code == 200
    assert claim_count(session) == before + 1
