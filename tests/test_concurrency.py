"""No silent overwrite: ETags on reads, If-Match on writes (428 without, 412 when stale),
two editors at once on a real database, and the dashboard's forms showing a conflict."""

import html
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app import migrate
from app.audit.models import AuditEntry
from app.claims import service as claim_service
from app.claims.models import Claim
from app.claims.schemas import ClaimUpdate
from app.db import make_engine, make_session_factory
from app.errors import PreconditionFailed
from tests.api_assertions import assert_problem, comparable
from tests.conftest import create_database, drop_database
from tests.etags import if_match
from tests.factories import make_actor, make_claim, make_initiative, make_source
from tests.page_assertions import csrf_token, text_of

TEXT = "Source text. The United Kingdom is ready to send troops. London agrees."


@pytest.fixture
def records(session: Session) -> dict[str, str]:
    """One record of each versioned kind: its API URL."""
    source = make_source(session, text=TEXT)
    claim = make_claim(session, source=source, review_state="proposed")
    make_initiative(session, "peace-plan")
    return {
        "actor": "/api/v1/actors/GB",
        "initiative": "/api/v1/initiatives/peace-plan",
        "source": f"/api/v1/sources/{source.id}",
        "claim": f"/api/v1/claims/{claim.id}",
    }


CHANGES = {
    "actor": {"description": "changed"},
    "initiative": {"description": "changed"},
    "source": {"outlet": "changed"},
    "claim": {"limits": "changed"},
}


def writes(records: dict[str, str]) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(kind, record URL, write URL, body) of every conditional write."""
    claim = records["claim"]
    return [
        *((kind, url, url, CHANGES[kind]) for kind, url in records.items()),
        ("claim", claim, f"{claim}/retract", {"reason": "miscoded"}),
        ("claim", claim, f"{claim}/accept", {}),
        ("claim", claim, f"{claim}/reject", {"reason": "not in the text"}),
    ]


def entry_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_reads_send_the_version_as_etag_and_writes_the_new_one(
    client: TestClient, records: dict[str, str]
) -> None:
    for kind, url in records.items():
        response = client.get(url)
        assert response.headers["etag"] == '"1"', kind
        assert response.json()["version"] == 1
        written = client.patch(url, json=CHANGES[kind], headers={"If-Match": '"1"'})
        assert written.status_code == 200, written.text
        assert written.headers["etag"] == '"2"'
        assert client.get(url).headers["etag"] == '"2"'


def test_creating_answers_the_new_records_etag(client: TestClient) -> None:
    response = client.post("/api/v1/actors", json={"code": "PL", "kind": "state"})
    assert (response.status_code, response.headers["etag"]) == (201, '"1"')


def test_a_write_without_if_match_is_428_and_changes_nothing(
    client: TestClient, session: Session, records: dict[str, str]
) -> None:
    session.commit()
    for kind, url, write, body in writes(records):
        before = client.get(url).json()
        count = entry_count(session)
        response = client.request("PATCH" if write == url else "POST", write, json=body)
        problem = assert_problem(response, 428)
        assert "If-Match" in problem["detail"], kind
        assert comparable(client.get(url).json()) == comparable(before)
        assert entry_count(session) == count


def test_a_stale_if_match_is_412_with_the_current_version_and_changes_nothing(
    client: TestClient, session: Session, records: dict[str, str]
) -> None:
    for kind, url in records.items():
        client.patch(url, json=CHANGES[kind], headers=if_match(client, url))
    session.commit()
    for kind, url, write, body in writes(records):
        before = client.get(url).json()
        count = entry_count(session)
        method = "PATCH" if write == url else "POST"
        response = client.request(method, write, json=body, headers={"If-Match": '"1"'})
        problem = assert_problem(response, 412)
        assert problem["current_version"] == 2, kind
        assert response.headers["etag"] == '"2"'
        assert comparable(client.get(url).json()) == comparable(before)
        assert entry_count(session) == count


@pytest.mark.parametrize(
    ("value", "status"),
    [("*", 428), ("", 428), ('"1", "2"', 422), ('"one"', 412), ("1", 200), ('W/"1"', 200)],
)
def test_if_match_takes_one_etag_strong_or_weak(
    client: TestClient, session: Session, value: str, status: int
) -> None:
    make_actor(session, "GB")
    response = client.patch(
        "/api/v1/actors/GB", json={"description": "x"}, headers={"If-Match": value}
    )
    if status == 200:
        assert response.status_code == 200
    else:
        assert_problem(response, status)


def test_the_second_of_two_editors_who_read_the_same_version_is_refused(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    url = "/api/v1/actors/GB"
    read_by_both = client.get(url).headers["etag"]
    first = client.patch(url, json={"description": "first"}, headers={"If-Match": read_by_both})
    assert first.status_code == 200
    second = client.patch(url, json={"name": "Britain"}, headers={"If-Match": read_by_both})
    assert_problem(second, 412)
    assert client.get(url).json()["description"] == "first"
    # Having read the first editor's change, the second applies theirs on top of it.
    again = client.patch(url, json={"name": "Britain"}, headers=if_match(client, url))
    assert again.status_code == 200
    assert (again.json()["name"], again.json()["description"]) == ("Britain", "first")


# Two sessions at once on a real database (committed, so not the test's transaction).


@pytest.fixture
def factory(
    backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """Sessions on a new database of the backend, migrated, with a claim (id 1) in it."""
    url, name = create_database(backend, tmp_path_factory.mktemp("concurrency"))
    engine: Engine | None = None
    try:
        migrate.upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            make_claim(session, source=make_source(session, text=TEXT))
        yield factory
    finally:
        if engine is not None:
            engine.dispose()
        drop_database(name)


def _claim(factory: sessionmaker[Session]) -> Claim:
    with factory() as session:
        claim = session.scalars(select(Claim)).one()
        session.expunge(claim)
        return claim


LOST_THE_RACE = (PreconditionFailed, StaleDataError, OperationalError)


def test_two_editors_at_the_same_moment_never_lose_a_change(
    factory: sessionmaker[Session],
) -> None:
    barrier = threading.Barrier(2)
    outcomes: dict[str, BaseException | None] = {}

    def edit(name: str, change: dict[str, Any]) -> Callable[[], None]:
        def run() -> None:
            try:
                with factory.begin() as session:
                    barrier.wait(timeout=10)
                    claim_service.update_claim(
                        session, 1, ClaimUpdate.model_validate(change), expected_version=1
                    )
                outcomes[name] = None
            except LOST_THE_RACE as exc:
                outcomes[name] = exc

        return run

    threads = [
        threading.Thread(target=edit("note", {"note": "first editor"})),
        threading.Thread(target=edit("limits", {"limits": "second editor"})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert set(outcomes) == {"note", "limits"}
    winners = [name for name, outcome in outcomes.items() if outcome is None]
    assert len(winners) == 1, outcomes
    (loser,) = set(outcomes) - set(winners)
    claim = _claim(factory)
    # The winner's change is there; the loser's is not, and the loser was told.
    assert claim.version == 2
    assert getattr(claim, winners[0]) is not None
    assert getattr(claim, loser) is None
    # Retrying with the version it read is refused; with the new one, both changes stay.
    change = {loser: "retried"}
    with pytest.raises(PreconditionFailed), factory.begin() as session:
        claim_service.update_claim(
            session, 1, ClaimUpdate.model_validate(change), expected_version=1
        )
    with factory.begin() as session:
        claim_service.update_claim(
            session, 1, ClaimUpdate.model_validate(change), expected_version=2
        )
    claim = _claim(factory)
    assert claim.version == 3
    assert (getattr(claim, winners[0]), getattr(claim, loser)) == (
        "first editor" if winners[0] == "note" else "second editor",
        "retried",
    )


def test_an_update_of_a_row_changed_since_it_was_read_matches_nothing(
    factory: sessionmaker[Session],
) -> None:
    # Even a write that names no version (a command, a script) never overwrites blindly:
    # the UPDATE says WHERE version = <the version it read>.
    stale = factory(expire_on_commit=False)
    claim = stale.scalars(select(Claim)).one()
    stale.commit()
    with factory.begin() as other:
        claim_service.update_claim(other, 1, ClaimUpdate(note="theirs"))
    claim.note = "mine"
    claim.version += 1
    with pytest.raises(StaleDataError):
        stale.commit()
    stale.close()
    assert _claim(factory).note == "theirs"


# The dashboard's forms


def form_fields(page: str, action: str) -> dict[str, str]:
    """Every input, textarea and select of the page's form posting to `action`, as a
    browser sends them."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>.*?</form>', page, re.DOTALL)
    assert form, f"no form posting to {action}"
    body = form.group()
    fields: dict[str, str] = {}
    for tag in re.finditer(r"<input\b[^>]*>", body):
        name = re.search(r'\bname="([^"]*)"', tag.group())
        kind = re.search(r'\btype="([^"]*)"', tag.group())
        if name and not (kind and kind.group(1) in ("submit", "button")):
            value = re.search(r'\bvalue="([^"]*)"', tag.group())
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for area in re.finditer(
        r'<textarea\b[^>]*name="([^"]*)"[^>]*>\n?(.*?)</textarea>', body, re.DOTALL
    ):
        fields[area.group(1)] = html.unescape(area.group(2))
    for select_ in re.finditer(
        r'<select\b[^>]*name="([^"]*)"[^>]*>(.*?)</select>', body, re.DOTALL
    ):
        chosen = re.search(r'<option value="([^"]*)" selected>', select_.group(2))
        fields[select_.group(1)] = chosen.group(1) if chosen else ""
    return fields


@pytest.mark.parametrize(
    ("kind", "form", "field", "label"),
    [
        ("actor", "/actors/GB/edit", "description", "Description"),
        ("initiative", "/initiatives/peace-plan/edit", "description", "Description"),
        ("source", "/sources/{source}/edit", "outlet", "Outlet"),
        ("claim", "/claims/{claim}/edit", "limits", "Limits"),
    ],
)
def test_a_form_saved_over_someone_elses_change_shows_both_and_saves_nothing(
    client: TestClient,
    editor_client: TestClient,
    session: Session,
    records: dict[str, str],
    kind: str,
    form: str,
    field: str,
    label: str,
) -> None:
    ids = {k: url.rsplit("/", 1)[1] for k, url in records.items()}
    form = form.format(**ids)
    url = records[kind]
    # The editor opens the form; meanwhile someone else saves a change.
    opened = form_fields(editor_client.get(form).text, form)
    assert opened["version"] == "1"
    theirs = {field: "their text"}
    assert client.patch(url, json=theirs, headers=if_match(client, url)).status_code == 200
    mine = {**opened, field: "my text", "csrf_token": csrf_token(editor_client, form)}
    response = editor_client.post(form, data=mine, follow_redirects=False)
    assert response.status_code == 409
    text = text_of(response.text)
    assert f"Not saved: someone else changed this {kind} while you were editing it" in text
    assert f"{label} their text my text" in text
    # What the editor typed is still in the form, now at the version that is stored.
    again = form_fields(response.text, form)
    assert (again[field], again["version"]) == ("my text", "2")
    assert client.get(url).json()[field] == "their text"
    # Saving again, having seen theirs, stores the editor's text.
    again["csrf_token"] = csrf_token(editor_client, form)
    saved = editor_client.post(form, data=again, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert client.get(url).json()[field] == "my text"


def test_a_retract_form_of_a_claim_changed_since_is_shown_again(
    client: TestClient, editor_client: TestClient, records: dict[str, str]
) -> None:
    url = records["claim"]
    form = url.replace("/api/v1", "") + "/retract"
    opened = form_fields(editor_client.get(form).text, form)
    client.patch(url, json={"limits": "x"}, headers=if_match(client, url))
    data = {**opened, "reason": "miscoded", "csrf_token": csrf_token(editor_client, form)}
    response = editor_client.post(form, data=data, follow_redirects=False)
    assert response.status_code == 409
    assert "someone else changed this claim" in text_of(response.text)
    assert client.get(url).json()["retracted"] is False


def test_a_form_without_its_version_is_refused(
    editor_client: TestClient, records: dict[str, str]
) -> None:
    fields = form_fields(editor_client.get("/actors/GB/edit").text, "/actors/GB/edit")
    del fields["version"]
    fields["csrf_token"] = csrf_token(editor_client, "/actors/GB/edit")
    response = editor_client.post("/actors/GB/edit", data=fields, follow_redirects=False)
    assert response.status_code == 428
