"""Bulk import of claims from CSV and JSON Lines: row-by-row checks, all or nothing."""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.errors import InvalidInput
from app.transfer.bulk import import_claims
from tests.accounts.helpers import bearer_client
from tests.factories import make_actor, make_source

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
        with bearer_client(app, session, "editor") as client:
            return client.post(
                "/api/v1/import",
                content=content,
                headers={"Content-Type": "application/x-ndjson"},
            )

    before = claim_count(session)
    refused = restore("accepted")

    assert refused.status_code == 422, refused.text
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(2, "review_state")]
    assert claim_count(session) == before
    assert restore("proposed").status_code == 200
    assert claim_count(session) == before + 1


@pytest.mark.parametrize("path", ["rows", "staged", "lists"])
def test_insert_many_writes_what_sqlalchemys_executemany_writes(
    session: Session, path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bulk import's insert: on SQLite the driver gets tuples processed column by column
    # (through a temporary table when staged; as VALUES lists from VALUES_ROWS rows on, here
    # made 2 for "lists"), on PostgreSQL COPY from COPY_ROWS rows on (2 for "lists"),
    # elsewhere SQLAlchemy's executemany runs. Either way the rows read back are
    # SQLAlchemy's own, in order, defaults included (scalar ones; a per-row default such as
    # via's takes SQLAlchemy's path).
    from datetime import UTC, date, datetime

    import app.db

    staged = path == "staged"
    if path == "lists":
        monkeypatch.setattr(app.db, "VALUES_ROWS", 2)
        monkeypatch.setattr(app.db, "COPY_ROWS", 2)
    from decimal import Decimal

    from sqlalchemy import insert

    from app.db import insert_many
    from app.transfer.queries import CLAIMS

    actor_id = make_actor(session, "GB").id
    source_id = make_source(session).id
    at = datetime(2025, 8, 21, 9, 30, 15, 123456, tzinfo=UTC)
    base: dict[str, Any] = {
        "actor_id": actor_id,
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "certainty": "high",
        "basis": "report",
        "stated_on": date(2025, 8, 19),
        "source_id": source_id,
        "evidence_text": "ready to send troops",
        "quantity_amount": None,
        "quantity_unit": None,
        "via": ["Reuters", "AP"],
        "reviewed_at": None,
        "note": None,
        "evidence_start": None,
        "evidence_end": None,
    }
    rows = [
        base,
        {
            **base,
            "quantity_amount": Decimal("5000.25"),
            "quantity_unit": "troops",
            "via": [],
            "reviewed_at": at,
            "stated_on": date(2024, 2, 29),
            "note": "12",
        },
        {**base, "evidence_text": "Ünïcode ✓", "quantity_amount": Decimal("1E+3")},
    ]
    shared = {"created_at": at, "updated_at": at, "review_state": "accepted"}
    columns = [c for c in CLAIMS.columns if c.key != "id"]

    def written(insert_rows: Any) -> list[tuple[Any, ...]]:
        top = session.scalar(select(func.max(Claim.id))) or 0
        insert_rows()
        stmt = select(*columns).where(Claim.id > top).order_by(Claim.id)
        return [tuple(row) for row in session.connection().execute(stmt)]

    conn = session.connection()
    # Per insert: whether SQLAlchemy compiled none of its statements (the driver got them).
    driver_level: list[bool] = []
    compiled: list[bool] = []

    def spy(*args: Any) -> None:
        if args[2].startswith("INSERT"):
            compiled.append(args[4].compiled is not None)

    for given in (rows, [{k: v for k, v in row.items() if k != "via"} for row in rows]):
        event.listen(conn, "before_cursor_execute", spy)
        compiled.clear()
        try:
            ours = written(
                lambda given=given: insert_many(conn, CLAIMS, given, shared, staged=staged)
            )
        finally:
            event.remove(conn, "before_cursor_execute", spy)
        driver_level.append(not any(compiled))
        theirs = written(
            lambda given=given: conn.execute(insert(CLAIMS), [{**r, **shared} for r in given])
        )
        assert ours == theirs
        assert [row[columns.index(CLAIMS.c.evidence_text)] for row in ours][2] == "Ünïcode ✓"
    # SQLite took the driver's path for the rows with every column, PostgreSQL its COPY
    # ("lists"); the rows without via (a default computed per row) took SQLAlchemy's.
    sqlite = session.get_bind().dialect.name == "sqlite"
    assert driver_level == [sqlite or path == "lists", False]
    # Omitted columns with a default got it; shared values went to every row.
    assert {
        (r.version, r.conditional, r.review_state)
        for r in session.scalars(select(Claim).where(Claim.source_id == source_id))
    } == {(1, False, "accepted")}
    # Foreign keys and checks still hold, and a refused insert writes none of its rows.
    before = claim_count(session)
    for bad in ({"actor_id": 10**9}, {"evidence_start": 5, "evidence_end": 1}):
        refused = [base, {**base, **bad}]
        with pytest.raises(IntegrityError), session.begin_nested():
            insert_many(session.connection(), CLAIMS, refused, shared, staged=staged)
    assert claim_count(session) == before
    # Rows must share their keys: none is dropped (SQLAlchemy drops a later row's extra key).
    uneven = [base, {**base, "limits": "x"}]
    with pytest.raises(ValueError, match="do not share their keys"):
        insert_many(session.connection(), CLAIMS, uneven, shared, staged=staged)
    swapped = [base, {**{k: v for k, v in base.items() if k != "note"}, "limits": "x"}]
    with pytest.raises((KeyError, StatementError)), session.begin_nested():
        insert_many(session.connection(), CLAIMS, swapped, shared, staged=staged)
    assert claim_count(session) == before


def test_a_sqlite_import_gives_the_connection_its_page_cache_back(session: Session) -> None:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the page cache is a SQLite setting")
    make_actor(session, "GB")
    source = make_source(session)
    before = session.connection().exec_driver_sql("PRAGMA cache_size").scalar()
    content = f"{HEADER}\nGB,commitment,ground_forces,willing,report,2025-08-19,{source.id},"
    content += "ready to send troops,,,\n"
    import_claims(session, content, "csv")
    assert session.connection().exec_driver_sql("PRAGMA cache_size").scalar() == before
