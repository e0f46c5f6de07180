"""The access log: one JSON line per request, with a request id echoed to the client."""

import json
import logging
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.ops.access_log import request_id_of
from tests.ops.helpers import UNREACHABLE_URL, client_for

ACCESS = "posture.access"
GENERATED_ID = re.compile(r"[0-9a-f]{32}")


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The access log's lines captured so far, parsed."""
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == ACCESS]


def test_a_request_id_sent_is_echoed_and_logged_with_the_request(
    anonymous_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)

    response = anonymous_client.get(
        "/api/v1/actors/QZ9?x=secret", headers={"X-Request-ID": "req-42.a:b"}
    )

    assert response.headers["X-Request-ID"] == "req-42.a:b"
    [line] = access_lines(caplog)
    assert line.keys() == {
        "time",
        "request_id",
        "method",
        "path",
        "route",
        "status",
        "duration_ms",
        "client",
    }
    assert line["request_id"] == "req-42.a:b"
    assert line["method"] == "GET"
    assert line["path"] == "/api/v1/actors/QZ9"  # the query string stays out of the log
    assert line["route"] == "/api/v1/actors/{code}"
    assert line["status"] == 404
    assert line["duration_ms"] >= 0
    assert line["client"] == "testclient"
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize(
    "sent", ["", "two words", 'quote"d', "a,b", "x" * 129, "line\\nbreak", "é"]
)
def test_an_id_that_is_not_sane_is_replaced_by_a_new_one(
    sent: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    headers = {"X-Request-ID": sent.encode("utf-8")}
    with client_for(UNREACHABLE_URL) as client:
        response = client.get("/healthz", headers=headers)

    echoed = response.headers["X-Request-ID"]
    assert GENERATED_ID.fullmatch(echoed)
    assert [line["request_id"] for line in access_lines(caplog)] == [echoed]


def test_without_an_id_each_request_gets_its_own(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    with client_for(UNREACHABLE_URL) as client:
        first = client.get("/healthz").headers["X-Request-ID"]
        second = client.get("/healthz").headers["X-Request-ID"]

    assert first != second
    assert [line["request_id"] for line in access_lines(caplog)] == [first, second]


def test_answers_of_other_middleware_are_logged_too(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    limit = Settings.model_fields["body_size_max"].default
    with client_for(UNREACHABLE_URL) as client:
        response = client.post(
            "/api/v1/claims", content=b"x" * (limit + 1), headers={"X-Request-ID": "big-1"}
        )

    assert response.status_code == 413
    assert response.headers["X-Request-ID"] == "big-1"
    [line] = access_lines(caplog)
    assert (line["status"], line["route"], line["request_id"]) == (413, "unmatched", "big-1")


def test_request_ids_are_taken_only_from_the_header() -> None:
    scope = {"type": "http", "headers": [(b"x-request-id", b"abc"), (b"x-other", b"zzz")]}

    assert request_id_of(scope) == "abc"
    assert GENERATED_ID.fullmatch(request_id_of({"type": "http", "headers": []}))
