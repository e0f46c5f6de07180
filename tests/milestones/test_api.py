"""The milestones API: listing, creating, reading as of a day, changing with If-Match; bad
input names its field and writes nothing; only editors write."""

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from tests.accounts.helpers import bearer_client
from tests.api_assertions import assert_problem, comparable, message_for
from tests.etags import ANY_VERSION, if_match
from tests.milestones.helpers import (
    MILESTONES,
    TEXT,
    make_milestone,
    milestone_body,
    quoting_source,
    state_body,
)

CEASEFIRE = f"{MILESTONES}/gaza-ceasefire"


def slugs(response: Any) -> list[str]:
    return [m["slug"] for m in response.json()["items"]]


def make_milestones(session: Session) -> int:
    """Three milestones: a ceasefire met then failed, a peace agreement with no state, and a
    UN mandate pending; returns the source's id."""
    source = quoting_source(session)
    make_milestone(
        session,
        source.id,
        states=[
            state_body(
                source.id,
                state="failed",
                from_on="2025-09-12",
                evidence_text="the ceasefire collapsed on Friday",
            ),
            state_body(source.id),
        ],
    )
    make_milestone(
        session,
        slug="peace-agreement",
        name="Peace agreement signed",
        condition_type="peace_agreement",
        description=None,
    )
    make_milestone(
        session,
        source.id,
        slug="un-mandate",
        name="UN mandate for the force",
        condition_type="other",
        description="A Security Council resolution.",
        states=[
            state_body(
                source.id, state="pending", from_on="2025-09-01", evidence_text="Talks in Geneva"
            )
        ],
    )
    return source.id


# Happy paths


def test_create_milestone_answers_201_with_location_etag_and_the_states_sources(
    client: TestClient, session: Session
) -> None:
    source = quoting_source(session, title="Geneva wire")
    response = client.post(MILESTONES, json=milestone_body(source.id))
    assert response.status_code == 201, response.text
    assert response.headers["location"] == CEASEFIRE
    assert response.headers["etag"] == '"1"'
    created = response.json()
    assert (created["slug"], created["condition_type"], created["version"]) == (
        "gaza-ceasefire",
        "ceasefire",
        1,
    )
    (state,) = created["states"]
    start = TEXT.index("A ceasefire took effect on Monday")
    assert state == {
        "state": "met",
        "from_on": "2025-09-08",
        "source_id": source.id,
        "source_title": "Geneva wire",
        "evidence_text": "A ceasefire took effect on Monday",
        "evidence_start": start,
        "evidence_end": start + len("A ceasefire took effect on Monday"),
        "note": None,
    }
    # Today is after 2025-09-08: met since then.
    assert (created["state"], created["state_since"]) == ("met", "2025-09-08")
    assert comparable(client.get(CEASEFIRE).json()) == comparable(created)


def test_a_milestone_without_states_is_pending_with_no_since_date(client: TestClient) -> None:
    response = client.post(MILESTONES, json=milestone_body())
    assert response.status_code == 201, response.text
    assert (response.json()["state"], response.json()["state_since"]) == ("pending", None)
    assert response.json()["states"] == []


def test_reading_as_of_a_day_gives_the_latest_state_begun_by_then(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)

    def state(day: str) -> tuple[str, str | None]:
        body = client.get(CEASEFIRE, params={"as_of": day}).json()
        return body["state"], body["state_since"]

    assert state("2025-09-07") == ("pending", None)
    assert state("2025-09-08") == ("met", "2025-09-08")
    assert state("2025-09-11") == ("met", "2025-09-08")
    assert state("2025-09-12") == ("failed", "2025-09-12")
    assert state("2030-01-01") == ("failed", "2025-09-12")
    # The history is sorted by date whatever the order it was given in.
    history = client.get(CEASEFIRE).json()["states"]
    assert [s["from_on"] for s in history] == ["2025-09-08", "2025-09-12"]
    assert_problem(client.get(CEASEFIRE, params={"as_of": "soon"}), 422, "as_of")


def test_list_milestones_pages_filters_sorts_and_gives_each_state_as_of_the_day(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)
    first = client.get(MILESTONES, params={"limit": 2})
    assert first.status_code == 200
    assert (first.json()["total"], first.json()["limit"], first.json()["offset"]) == (3, 2, 0)
    assert slugs(first) == ["gaza-ceasefire", "peace-agreement"]
    assert slugs(client.get(MILESTONES, params={"limit": 2, "offset": 2})) == ["un-mandate"]
    assert slugs(client.get(MILESTONES, params={"q": "SECURITY council"})) == ["un-mandate"]
    assert slugs(client.get(MILESTONES, params={"condition_type": "peace_agreement"})) == [
        "peace-agreement"
    ]
    assert slugs(client.get(MILESTONES, params={"sort": "-name"})) == [
        "un-mandate",
        "peace-agreement",
        "gaza-ceasefire",
    ]
    on_the_tenth = client.get(MILESTONES, params={"as_of": "2025-09-10"}).json()["items"]
    assert {m["slug"]: (m["state"], m["state_since"]) for m in on_the_tenth} == {
        "gaza-ceasefire": ("met", "2025-09-08"),
        "peace-agreement": ("pending", None),
        "un-mandate": ("pending", "2025-09-01"),
    }


def test_list_milestones_refuses_a_bad_limit_sort_or_condition_type(client: TestClient) -> None:
    assert_problem(client.get(MILESTONES, params={"limit": 501}), 422, "limit")
    assert_problem(client.get(MILESTONES, params={"sort": "state"}), 422, "sort")
    assert_problem(
        client.get(MILESTONES, params={"condition_type": "weather"}), 422, "condition_type"
    )


def test_patch_milestone_changes_fields_and_replaces_the_history(
    client: TestClient, session: Session
) -> None:
    source_id = make_milestones(session)
    before = client.get(CEASEFIRE).json()
    response = client.patch(
        CEASEFIRE,
        json={
            "name": "Ceasefire along the front line",
            # The history replaced: the failed state goes, the met one moves a day.
            "states": [state_body(source_id, from_on="2025-09-09", note="A day later.")],
        },
        headers=if_match(client, CEASEFIRE),
    )
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == f'"{before["version"] + 1}"'
    after = response.json()
    assert after["version"] == before["version"] + 1
    assert (after["name"], after["condition_type"], after["description"]) == (
        "Ceasefire along the front line",
        "ceasefire",
        "Hostilities stop.",
    )
    assert [(s["state"], s["from_on"], s["note"]) for s in after["states"]] == [
        ("met", "2025-09-09", "A day later.")
    ]
    assert (after["state"], after["state_since"]) == ("met", "2025-09-09")
    assert comparable(client.get(CEASEFIRE).json()) == comparable(after)


def test_patch_may_give_a_replaced_state_its_old_date(client: TestClient, session: Session) -> None:
    source_id = make_milestones(session)
    response = client.patch(
        CEASEFIRE,
        json={"states": [state_body(source_id, state="pending", evidence_text="Talks in Geneva")]},
        headers=if_match(client, CEASEFIRE),
    )
    assert response.status_code == 200, response.text
    assert [(s["state"], s["from_on"]) for s in response.json()["states"]] == [
        ("pending", "2025-09-08")
    ]


def test_patch_with_an_empty_history_leaves_the_milestone_pending(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)
    response = client.patch(CEASEFIRE, json={"states": []}, headers=if_match(client, CEASEFIRE))
    assert response.status_code == 200, response.text
    assert (response.json()["states"], response.json()["state"]) == ([], "pending")


def test_patch_with_a_stale_or_missing_if_match_changes_nothing(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)
    stale = if_match(client, CEASEFIRE)
    assert client.patch(CEASEFIRE, json={"description": "First"}, headers=stale).status_code == 200
    before = client.get(CEASEFIRE).json()
    response = client.patch(CEASEFIRE, json={"description": "Second"}, headers=stale)
    body = assert_problem(response, 412)
    assert body["current_version"] == before["version"]
    assert response.headers["etag"] == f'"{before["version"]}"'
    assert_problem(client.patch(CEASEFIRE, json={"description": "Third"}), 428)
    assert comparable(client.get(CEASEFIRE).json()) == comparable(before)


def test_patch_unknown_milestone_is_not_found(client: TestClient) -> None:
    response = client.patch(f"{MILESTONES}/no-such", json={"name": "x"}, headers=ANY_VERSION)
    assert "no-such" in assert_problem(response, 404)["detail"]
    assert_problem(client.get(f"{MILESTONES}/no-such"), 404)


# Bad input: the status, the field and its reason, and nothing written


def bad_states(source_id: int) -> list[tuple[dict[str, Any], str, str]]:
    """(body, field, reason) of refused milestone bodies."""
    return [
        (milestone_body(source_id, condition_type="weather"), "condition_type", "ceasefire"),
        (milestone_body(source_id, slug="Gaza Ceasefire"), "slug", "pattern"),
        (
            milestone_body(source_id, states=[state_body(source_id, evidence_text="a truce held")]),
            "states.0.evidence_text",
            "not found verbatim",
        ),
        (
            milestone_body(
                source_id,
                states=[
                    state_body(source_id),
                    state_body(source_id, state="failed", evidence_text="the ceasefire collapsed"),
                ],
            ),
            "states.1.from_on",
            "one state per date",
        ),
        (
            milestone_body(source_id, states=[state_body(source_id + 1000)]),
            "states.0.source_id",
            f"unknown source {source_id + 1000}",
        ),
        (
            milestone_body(
                source_id, states=[state_body(source_id, evidence_start=0, evidence_end=33)]
            ),
            "states.0.evidence_start",
            "is not the quote",
        ),
        (
            milestone_body(source_id, states=[state_body(source_id, state="signed")]),
            "states.0.state",
            "pending",
        ),
    ]


@pytest.mark.parametrize("case", range(7))
def test_create_milestone_with_bad_input_is_refused_and_writes_nothing(
    client: TestClient, session: Session, case: int
) -> None:
    source = quoting_source(session)
    body, field, reason = bad_states(source.id)[case]
    problem = assert_problem(client.post(MILESTONES, json=body), 422, field)
    assert reason in message_for(problem, field)
    assert client.get(MILESTONES).json()["total"] == 0


@pytest.mark.parametrize("case", range(7))
def test_patch_milestone_with_bad_input_is_refused_and_changes_nothing(
    client: TestClient, session: Session, case: int
) -> None:
    source_id = make_milestones(session)
    body, field, reason = bad_states(source_id)[case]
    if field == "slug":
        body, field, reason = {"slug": "renamed"}, "slug", "not permitted"
    else:
        body = {k: v for k, v in body.items() if k in ("condition_type", "states")}
    before = client.get(CEASEFIRE).json()
    response = client.patch(CEASEFIRE, json=body, headers=if_match(client, CEASEFIRE))
    problem = assert_problem(response, 422, field)
    assert reason in message_for(problem, field)
    assert comparable(client.get(CEASEFIRE).json()) == comparable(before)


def test_patch_refuses_a_null_name_condition_type_or_history(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)
    reasons = {"name": "cannot be empty", "condition_type": "cannot be empty", "states": "[]"}
    before = client.get(CEASEFIRE).json()
    for field, reason in reasons.items():
        response = client.patch(CEASEFIRE, json={field: None}, headers=if_match(client, CEASEFIRE))
        assert reason in message_for(assert_problem(response, 422, field), field)
    assert comparable(client.get(CEASEFIRE).json()) == comparable(before)


def test_create_milestone_with_a_duplicate_slug_is_a_conflict(
    client: TestClient, session: Session
) -> None:
    make_milestones(session)
    response = client.post(MILESTONES, json=milestone_body(name="Another"))
    body = assert_problem(response, 409, "slug")
    assert body["existing_id"] == "gaza-ceasefire"
    assert client.get(CEASEFIRE).json()["name"] == "Ceasefire in Gaza"


def test_evidence_of_a_source_without_text_keeps_the_offsets_given(
    client: TestClient, session: Session
) -> None:
    source = quoting_source(session, text=None)
    body = milestone_body(
        source.id, states=[state_body(source.id, evidence_start=5, evidence_end=38)]
    )
    response = client.post(MILESTONES, json=body)
    assert response.status_code == 201, response.text
    (state,) = response.json()["states"]
    assert (state["evidence_start"], state["evidence_end"]) == (5, 38)


# Who may write


def test_anonymous_writes_are_401_and_viewer_writes_403_and_change_nothing(
    app: FastAPI, anonymous_client: TestClient, session: Session
) -> None:
    make_milestones(session)
    body = milestone_body(slug="new-milestone")
    before = anonymous_client.get(CEASEFIRE).json()
    assert_problem(anonymous_client.post(MILESTONES, json=body), 401)
    assert_problem(anonymous_client.patch(CEASEFIRE, json={"name": "x"}, headers=ANY_VERSION), 401)
    with bearer_client(app, session, "viewer") as viewer:
        assert "editor" in assert_problem(viewer.post(MILESTONES, json=body), 403)["detail"]
        response = viewer.patch(CEASEFIRE, json={"name": "x"}, headers=if_match(viewer, CEASEFIRE))
        assert_problem(response, 403)
    with bearer_client(app, session, "editor") as editor:
        assert editor.post(MILESTONES, json=body).status_code == 201
    assert anonymous_client.get(MILESTONES).json()["total"] == 4
    assert comparable(anonymous_client.get(CEASEFIRE).json()) == comparable(before)


# The audit trail


def test_writes_are_audited_with_the_states_folded_in(client: TestClient, session: Session) -> None:
    source = quoting_source(session)
    client.post(MILESTONES, json=milestone_body(source.id))
    client.patch(
        CEASEFIRE,
        json={
            "states": [
                state_body(source.id),
                state_body(
                    source.id,
                    state="failed",
                    from_on="2025-09-12",
                    evidence_text="the ceasefire collapsed on Friday",
                ),
            ]
        },
        headers=if_match(client, CEASEFIRE),
    )
    entries = list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.record_type == "milestone").order_by(AuditEntry.id)
        )
    )
    assert [(e.action, e.record_key) for e in entries] == [
        ("create", "gaza-ceasefire"),
        ("update", "gaza-ceasefire"),
    ]
    created, updated = entries
    assert created.before is None
    assert created.after is not None
    assert created.after["condition_type"] == "ceasefire"
    assert [s["state"] for s in created.after["states"]] == ["met"]
    assert updated.before == created.after
    assert updated.after is not None
    assert [(s["state"], s["from_on"]) for s in updated.after["states"]] == [
        ("met", "2025-09-08"),
        ("failed", "2025-09-12"),
    ]
    assert updated.after["version"] == 2
    assert updated.user_id is not None
    api = client.get(
        "/api/v1/audit", params={"record_type": "milestone", "record": "gaza-ceasefire"}
    )
    assert api.status_code == 200
    assert api.json()["total"] == 2
