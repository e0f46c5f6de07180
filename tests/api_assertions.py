"""Assertions shared by the API tests: RFC 9457 problem details, records read back."""

from datetime import UTC, datetime
from typing import Any

import httpx2

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def assert_problem(response: httpx2.Response, status: int, field: str | None = None) -> Any:
    """The response is a problem+json of this status; with `field`, `errors` names that
    field with a reason. Returns the problem's body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert body["status"] == status
    assert isinstance(body["type"], str)
    assert body["type"]
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    assert body["detail"]
    for error in body.get("errors", []):
        assert error.keys() >= {"field", "message"}
        assert isinstance(error["field"], str)
        assert isinstance(error["message"], str)
        assert error["message"].strip()
    if field is not None:
        assert field in fields_named(body), body
    return body


def fields_named(body: Any) -> list[str]:
    """The fields a problem's `errors` list names."""
    return [e["field"] for e in body.get("errors", [])]


def message_for(body: Any, field: str) -> str:
    """The reason a problem gives for one field (every reason, joined, if several)."""
    return " | ".join(e["message"] for e in body.get("errors", []) if e["field"] == field)


def comparable(record: Any) -> Any:
    """The record with every `*_at` timestamp as a UTC instant, so that a record read back
    from SQLite (which drops the UTC offset, see test_timestamps_read_back_keep_their_offset)
    compares equal to the same record before it was stored."""
    if isinstance(record, list):
        return [comparable(r) for r in record]
    if not isinstance(record, dict):
        return record
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key.endswith("_at") and isinstance(value, str):
            stamp = datetime.fromisoformat(value)
            out[key] = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        else:
            out[key] = comparable(value)
    return out
