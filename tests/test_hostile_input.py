"""Hostile input on every endpoint it applies to: each gets a clear 4xx or is kept as
inert text, never a 500, and a refused write changes nothing.

The routes come from the app's own OpenAPI document, so a route added later is covered
without a word here."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.claims.models import Claim
from tests.api_assertions import assert_problem
from tests.factories import commitment_body, make_claim, make_source

# What a query parameter may be sent: SQL metacharacters, NUL, markup, extreme numbers
# and dates. None of them may reach the database as anything but a bound value.
HOSTILE_VALUES = [
    "' OR '1'='1",
    "1; DROP TABLE claims; --",
    '"\\%_*',
    "\x00",
    "<script>alert(1)</script>",
    "0001-01-01",
    "9999-12-31",
    "-1",
    "99999999999999999999",
    "",
]
TEXT = "London says the United Kingdom is ready to send troops. Paris could offer air cover."


def get_routes(app: FastAPI) -> Iterator[tuple[str, list[str]]]:
    """(path, query parameter names) of every GET operation with a path of fixed segments
    or of ids, as the OpenAPI document describes it."""
    paths = app.openapi()["paths"]
    for path, operations in paths.items():
        get = operations.get("get")
        if get is None:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p["in"] == "query"]
        yield path, names


def concrete(path: str) -> str:
    """A path with each {parameter} filled with a value that names nothing."""
    return path.replace("{", "").replace("}", "").replace("code", "ZZ").replace("slug", "none")


def test_every_query_parameter_of_every_get_takes_hostile_values_without_a_500(
    app: FastAPI, anonymous_client: TestClient, session: Session
) -> None:
    make_claim(session, source=make_source(session, text=TEXT), evidence={"text": "ready"})
    session.commit()
    tried = 0
    for path, names in get_routes(app):
        url = concrete(path)
        for name in names:
            for value in HOSTILE_VALUES:
                response = anonymous_client.get(url, params={name: value})
                tried += 1
                assert response.status_code < 500, (path, name, value, response.text)
                if response.status_code >= 400 and response.status_code != 401:
                    assert_problem(response, response.status_code)
    assert tried > 300, "the OpenAPI document lists the API's GET routes and their filters"
    # Nothing was dropped or added by a metacharacter.
    assert session.scalar(select(func.count()).select_from(Claim)) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 10**9}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**30}, "offset"),
    ],
)
def test_paging_out_of_range_is_refused_naming_the_parameter(
    anonymous_client: TestClient, params: dict[str, int], field: str
) -> None:
    response = anonymous_client.get("/api/v1/claims", params=params)
    assert_problem(response, 422, field)


def write_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every JSON write of the API."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method in ("post", "patch", "put"):
            body = operations.get(method, {}).get("requestBody", {})
            if "application/json" in body.get("content", {}):
                found.append((method.upper(), concrete(path)))
    return found


def entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_broken_bodies_on_every_json_write_are_4xx_and_change_nothing(
    app: FastAPI, client: TestClient, session: Session
) -> None:
    writes = write_routes(app)
    assert len(writes) >= 10
    nested = "[" * 100_000 + "]" * 100_000
    bodies: list[tuple[str, bytes | str]] = [
        ("deeply nested JSON", nested),
        ("invalid UTF-8", b'{"name": "\xff\xfe"}'),
        ("not JSON", "{'name': "),
        ("a NUL character", json.dumps({"name": "a\u0000b", "title": "a\u0000b"})),
        ("JSON of the wrong shape", "[1, 2, 3]"),
    ]
    before = entries(session)
    for method, path in writes:
        for what, body in bodies:
            response = client.request(
                method,
                path,
                content=body,
                headers={"Content-Type": "application/json", "If-Match": '"1"'},
            )
            assert 400 <= response.status_code < 500, (method, path, what, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    assert entries(session) == before


def test_an_oversized_body_is_413_before_it_is_read(client: TestClient) -> None:
    response = client.post(
        "/api/v1/sources",
        content=b"{" + b" " * (3 * 1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


@pytest.mark.parametrize(
    ("evidence", "field"),
    [
        ({"text": "ready", "start": 10_000, "end": 10_005}, "evidence"),
        ({"text": "ready", "start": -5, "end": 0}, "evidence.start"),
        ({"text": "ready", "start": 40, "end": 30}, "evidence"),
    ],
)
def test_evidence_offsets_outside_the_text_are_refused(
    client: TestClient, session: Session, evidence: dict[str, Any], field: str
) -> None:
    source = make_source(session, text=TEXT)
    session.commit()
    body = commitment_body(source.id, evidence=evidence)
    response = client.post("/api/v1/claims", json=body)
    problem = assert_problem(response, 422)
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem
    assert session.scalar(select(func.count()).select_from(Claim)) == 0


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@"])
def test_csv_exports_neutralise_cells_that_a_spreadsheet_would_run(
    client: TestClient, session: Session, prefix: str
) -> None:
    cell = f"{prefix}cmd|' /C calc'!A0"
    source = make_source(session, text=f"{cell} ready to send troops")
    make_claim(session, source=source, evidence={"text": f"{cell} ready"}, limits=cell)
    session.commit()
    for url in ("/api/v1/claims?format=csv", "/api/v1/positions?format=csv&as_of=2025-08-20"):
        response = client.get(url)
        assert response.status_code == 200, response.text
        lines = response.text.splitlines()[1:]
        cells = [c.strip('"') for line in lines for c in line.split(",")]
        assert not any(c.startswith(prefix + "cmd") for c in cells), (url, lines)
        assert any(c.startswith("'" + prefix + "cmd") for c in cells), (url, lines)


def test_markup_in_text_fields_is_stored_as_text_and_inert_on_pages(
    client: TestClient, session: Session
) -> None:
    markup = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    created = client.post(
        "/api/v1/sources",
        json={"title": markup, "outlet": markup, "published_on": "2025-08-20", "text": TEXT},
    )
    assert created.status_code == 201, created.text
    source = created.json()
    assert source["title"] == markup
    page = client.get(f"/sources/{source['id']}").text
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
