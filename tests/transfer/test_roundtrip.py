"""Export and import: a round trip without loss, the API, refused files, ids after import."""

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import migrate
from app.actors.schemas import ActorUpdate, MembershipIn
from app.actors.service import update_actor
from app.claims.schemas import ClaimUpdate
from app.claims.service import retract_claim, update_claim
from app.config import Settings
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.seed.loader import load_seed
from app.sources.models import Source
from app.sources.service import content_hash
from app.transfer.service import export_lines, import_lines
from tests.conftest import (
    SEED_TEXT_DIR,
    NewDatabase,
    create_database,
    drop_database,
    in_transaction,
)
from tests.factories import (
    make_actor,
    make_claim,
    make_initiative,
    make_source,
    make_token,
    make_user,
)

D = date


def export_of(url: str) -> list[str]:
    """The database's export, line by line."""
    lines: list[str] = in_transaction(url, lambda session: list(export_lines(session)))
    return lines


def comparable(lines: list[str]) -> list[Any]:
    """The export with the header's exported_at left out, the only field allowed to differ."""
    header = json.loads(lines[0])
    del header["exported_at"]
    return [header, *lines[1:]]


def records(lines: list[str]) -> list[dict[str, Any]]:
    """The export's lines as dicts."""
    return [json.loads(line) for line in lines]


def count_by_type(lines: list[str]) -> dict[str, int]:
    """How many records of each type the export holds (the header aside)."""
    return dict(Counter(r["type"] for r in records(lines) if r["type"] != "posture-export"))


def add_extras(session: Session) -> None:
    """Records that fill every field the seed leaves empty."""
    make_actor(
        session,
        "COW",
        kind="group",
        name="Coalition of the willing",
        description="Countries ready to guarantee a ceasefire.",
        aliases=[{"alias": "the coalition", "kind": "other"}],
    )
    update_actor(
        session,
        "NO",
        ActorUpdate(
            memberships=[
                MembershipIn(group="COW", from_on=D(2025, 3, 2), until_on=D(2025, 8, 1)),
                MembershipIn(group="COW"),
            ]
        ),
    )
    make_actor(
        session,
        "jane-roe",
        kind="person",
        name="Jane Roe",
        aliases=[{"alias": "Roe", "kind": "name"}],
        affiliations=[
            {
                "actor": "NO",
                "office": "Minister of Defence",
                "from_on": "2024-01-01",
                "until_on": "2025-12-31",
            },
            {"actor": "NO", "office": "Member of parliament"},
        ],
    )
    make_initiative(
        session,
        "oslo-talks",
        name="Oslo talks",
        description="Talks hosted in Oslo.",
        proposer="NO",
        first_reported_on=D(2025, 8, 1),
    )
    texted = make_source(session, url="https://example.org/oslo", language="en")
    textless = make_source(session, text=None, title="Radio report", outlet=None)
    retracted = make_claim(session, source=texted, actor="NO", status="willing")
    retract_claim(session, retracted.id, "miscoded actor")
    make_claim(
        session,
        source=texted,
        actor="NO",
        role="training",
        status="pledged",
        review_state="proposed",
        quantity={"amount": "5000", "unit": "troops"},
        certainty="medium",
        basis="report",
        reported_by="Test Wire",
        via=["Bloomberg", "Reuters"],
        limits="far from the front line",
        note="Hedged by 'reportedly'.",
    )
    make_claim(
        session,
        source=texted,
        actor="NO",
        kind="stance",
        initiative="oslo-talks",
        stance="conditional",
        role=None,
        status=None,
        conditional=True,
        conditions=[
            {"type": "ceasefire", "text": "if the guns fall silent"},
            {"type": "us_backstop", "text": "only with US support"},
        ],
        speaker="jane-roe",
        stated_on=D(2025, 8, 19),
        evidence={"text": "London agrees"},
    )
    make_claim(
        session,
        source=textless,
        actor="NO",
        role="financial_support",
        status="pledged",
        quantity={"amount": "1.5", "unit": "EUR billion"},
        evidence={"text": "NOK 15 billion for Ukraine"},
    )
    rejected = make_claim(session, source=texted, actor="DK", review_state="rejected")
    update_claim(session, rejected.id, ClaimUpdate(note="Denmark is not named."))


def populate(url: str) -> None:
    """The seed (with its article's text) and the extra records."""

    def work(session: Session) -> None:
        load_seed(session, SEED_TEXT_DIR)
        add_extras(session)

    in_transaction(url, work)


@pytest.fixture(scope="module")
def origin(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database holding the seed and the extra records; the tests only read it."""
    url, name = create_database(backend, tmp_path_factory.mktemp("origin"))
    try:
        migrate.upgrade(url)
        populate(url)
        yield url
    finally:
        drop_database(name)


def api(url: str) -> TestClient:
    """A client of the real app on this database: one real transaction per request, made
    as an admin with a bearer token."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            token = make_token(session, make_user(session, "admin", role="admin"))
    finally:
        engine.dispose()
    app = create_app(Settings(database_url=url, seed_text_dir=SEED_TEXT_DIR))
    return TestClient(app, headers={"Authorization": f"Bearer {token}"})


def post_import(client: TestClient, lines: list[str]) -> Any:
    """POST the lines to /api/v1/import as JSON Lines."""
    return client.post(
        "/api/v1/import",
        content="".join(lines).encode("utf-8"),
        headers={"Content-Type": "application/x-ndjson"},
    )


def test_import_into_an_empty_database_exports_the_same_lines(
    backend: str, origin: str, new_database: NewDatabase
) -> None:
    exported = export_of(origin)
    target = new_database(backend)
    in_transaction(target, lambda session: import_lines(session, exported))
    assert comparable(export_of(target)) == comparable(exported)


def test_export_carries_every_field_of_the_extra_records(origin: str) -> None:
    found = records(export_of(origin))
    by_key = {(r["type"], r.get("code") or r.get("slug") or r.get("id")): r for r in found}
    claims = [r for r in found if r["type"] == "claim" and r["actor"] == "NO"]
    assert by_key[("actor", "COW")]["description"] == "Countries ready to guarantee a ceasefire."
    assert by_key[("actor", "jane-roe")]["aliases"] == [{"alias": "Roe", "kind": "name"}]
    assert {
        (r["from_on"], r["until_on"])
        for r in found
        if r["type"] == "membership" and r["member"] == "NO"
    } == {("2025-03-02", "2025-08-01"), (None, None)}
    assert {
        (r["office"], r["from_on"], r["until_on"])
        for r in found
        if r["type"] == "affiliation" and r["person"] == "jane-roe"
    } == {("Minister of Defence", "2024-01-01", "2025-12-31"), ("Member of parliament", None, None)}
    assert by_key[("initiative", "oslo-talks")]["proposer"] == "NO"
    textless = next(r for r in found if r["type"] == "source" and r["title"] == "Radio report")
    assert (textless["text"], textless["content_hash"]) == (None, None)
    retracted = next(c for c in claims if c["retracted_at"] is not None)
    assert (retracted["retraction_reason"], retracted["version"]) == ("miscoded actor", 2)
    proposed = next(c for c in claims if c["review_state"] == "proposed")
    assert proposed["quantity"] == {"amount": "5000", "unit": "troops"}
    assert proposed["via"] == ["Bloomberg", "Reuters"]
    stance = next(c for c in claims if c["kind"] == "stance")
    assert (stance["conditional"], stance["speaker"]) == (True, "jane-roe")
    assert [c["type"] for c in stance["conditions"]] == ["ceasefire", "us_backstop"]
    pledge = next(c for c in claims if c["role"] == "financial_support")
    assert pledge["quantity"] == {"amount": "1.5", "unit": "EUR billion"}
    assert pledge["evidence"] == {"text": "NOK 15 billion for Ukraine", "start": None, "end": None}


def test_export_from_one_backend_imports_into_the_other_without_loss(
    request: pytest.FixtureRequest, new_database: NewDatabase
) -> None:
    if request.config.getoption("--db") != "all":
        pytest.skip("needs both databases")
    for first, second in (("sqlite", "postgresql"), ("postgresql", "sqlite")):
        first_url = new_database(first)
        populate(first_url)
        exported = export_of(first_url)
        second_url = new_database(second)
        in_transaction(second_url, lambda session, lines=exported: import_lines(session, lines))
        assert comparable(export_of(second_url)) == comparable(exported), (first, second)


def test_source_text_keeps_surrounding_whitespace_through_a_round_trip(
    backend: str, new_database: NewDatabase
) -> None:
    # The seed loader stores an article file as read, trailing newline included.
    text = "  An article.\nThe United Kingdom is ready to send troops.\n"

    def add_source(session: Session) -> None:
        session.add(
            Source(
                title="Raw article",
                published_on=D(2025, 8, 20),
                text=text,
                content_hash=content_hash(text),
            )
        )
        session.flush()
        make_claim(session, source=session.scalars(select(Source)).one())

    first = new_database(backend)
    in_transaction(first, add_source)
    exported = export_of(first)
    target = new_database(backend)
    in_transaction(target, lambda session: import_lines(session, exported))
    assert comparable(export_of(target)) == comparable(exported)
    assert in_transaction(target, lambda session: session.scalars(select(Source.text)).one()) == (
        text
    )


def test_api_export_is_ndjson_and_reimporting_it_updates_without_change(origin: str) -> None:
    with api(origin) as client:
        response = client.get("/api/v1/export", params={"format": "jsonl"})
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = response.text.splitlines(keepends=True)
        assert json.loads(lines[0])["type"] == "posture-export"
        assert comparable(lines) == comparable(export_of(origin))

        first = post_import(client, lines)
        second = post_import(client, lines)

        assert first.status_code == 200
        assert first.json() == {"created": {}, "updated": count_by_type(lines)}
        assert second.json() == first.json()
        again = client.get("/api/v1/export", params={"format": "jsonl"})
        assert comparable(again.text.splitlines(keepends=True)) == comparable(lines)


def test_api_import_into_an_empty_database_reports_what_it_created(
    backend: str, origin: str, new_database: NewDatabase
) -> None:
    lines = export_of(origin)
    target = new_database(backend)
    with api(target) as client:
        response = post_import(client, lines)
    assert response.status_code == 200
    assert response.json() == {"created": count_by_type(lines), "updated": {}}
    assert comparable(export_of(target)) == comparable(lines)


GOOD_LINES = [
    {"type": "posture-export", "format": 1, "exported_at": "2025-08-21T00:00:00+00:00"},
    {"type": "actor", "code": "TESTGRP", "kind": "group", "name": "Test group"},
    {
        "type": "source",
        "id": 999,
        "title": "Imported",
        "published_on": "2025-08-20",
        "text": "Norway is ready to send a frigate.",
    },
]


def claim_line(claim_id: int, **overrides: Any) -> dict[str, Any]:
    """A claim record that imports cleanly on top of GOOD_LINES, unless overridden."""
    return {
        "type": "claim",
        "id": claim_id,
        "actor": "NO",
        "kind": "commitment",
        "role": "naval_security",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": 999,
        "evidence": {"text": "ready to send a frigate"},
        "review_state": "accepted",
        **overrides,
    }


def bad_file() -> tuple[list[str], set[tuple[int, str]]]:
    """A file whose good lines come first, and the (line, field) of each bad one."""
    lines = [json.dumps(r) + "\n" for r in [*GOOD_LINES, claim_line(999)]]
    bad: list[tuple[str, str]] = [
        ('{"type": "claim", "id": 1000,\n', "line"),
        (json.dumps(claim_line(1001, actor="QQ")) + "\n", "actor"),
        (json.dumps(claim_line(1002, role="space_forces")) + "\n", "role"),
        (
            json.dumps(claim_line(1003, evidence={"text": "ready to send a submarine"})) + "\n",
            "evidence.text",
        ),
        (json.dumps(claim_line(1004, source_id=4242)) + "\n", "source_id"),
    ]
    expected = {(len(lines) + n, field) for n, (_, field) in enumerate(bad, start=1)}
    return lines + [line for line, _ in bad], expected


def test_bad_import_lists_every_bad_line_and_writes_nothing(origin: str) -> None:
    before = export_of(origin)
    lines, expected = bad_file()
    with api(origin) as client:
        response = post_import(client, lines)
        assert client.get("/api/v1/sources/999").status_code == 404
        assert client.get("/api/v1/actors/TESTGRP").status_code == 404
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert {(e["line"], e["field"]) for e in errors} == expected
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    messages = {e["field"]: e["message"] for e in errors}
    assert "QQ" in messages["actor"]
    assert "4242" in messages["source_id"]
    assert comparable(export_of(origin)) == comparable(before)


def test_the_good_lines_of_the_bad_file_import_on_their_own(
    client: TestClient, seeded: Session
) -> None:
    # So the test above proves that the bad lines held back good ones.
    lines = [json.dumps(r) + "\n" for r in [*GOOD_LINES, claim_line(999)]]
    response = post_import(client, lines)
    assert response.status_code == 200
    assert response.json()["created"] == {"actor": 1, "source": 1, "claim": 1}
    assert client.get("/api/v1/claims/999").json()["evidence"]["start"] == 10


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"type": "actor", "code": "LONGNAME", "kind": "group", "name": "x" * 201}, "name"),
        ({"type": "actor", "code": "XX", "kind": "state", "name": "Nowhere"}, "code"),
        (
            {
                "type": "source",
                "id": 900,
                "title": "T",
                "published_on": "2025-08-20",
                "language": "en-GB-oxendict",
            },
            "language",
        ),
        ({"type": "source", "id": 2**31, "title": "T", "published_on": "2025-08-20"}, "id"),
        ({"type": "initiative", "slug": "Not A Slug", "name": "N"}, "slug"),
        ({"type": "membership", "group": "GB", "member": "FR"}, "group"),
        ({"type": "affiliation", "person": "GB", "actor": "FR", "office": "Envoy"}, "person"),
        (
            {
                "type": "affiliation",
                "person": "sergei-lavrov",
                "actor": "vladimir-putin",
                "office": "Aide",
            },
            "actor",
        ),
    ],
    ids=[
        "name-too-long",
        "state-code-not-iso",
        "language-too-long",
        "id-beyond-int4",
        "slug-not-a-slug",
        "group-is-a-state",
        "person-is-a-state",
        "person-speaks-for-a-person",
    ],
)
def test_import_refuses_what_the_api_refuses_naming_line_and_field(
    client: TestClient, seeded: Session, record: dict[str, Any], field: str
) -> None:
    response = post_import(client, [json.dumps(GOOD_LINES[0]) + "\n", json.dumps(record) + "\n"])
    assert response.status_code == 422
    assert [(e["line"], e["field"]) for e in response.json()["errors"]] == [(2, field)]


def test_new_records_get_fresh_ids_after_an_import_with_explicit_ids(
    backend: str, origin: str, new_database: NewDatabase
) -> None:
    lines = export_of(origin)
    top_source = max(r["id"] for r in records(lines) if r["type"] == "source")
    top_claim = max(r["id"] for r in records(lines) if r["type"] == "claim")
    target = new_database(backend)
    with api(target) as client:
        assert post_import(client, lines).status_code == 200
        source = client.post(
            "/api/v1/sources",
            json={
                "title": "After the import",
                "published_on": "2025-09-01",
                "text": "Norway is ready to send a frigate.",
            },
        )
        assert source.status_code == 201
        fields = claim_line(1, source_id=source.json()["id"])
        del fields["type"], fields["id"]
        claim = client.post("/api/v1/claims", json=fields)
        assert claim.status_code == 201
    assert source.json()["id"] > top_source
    assert claim.json()["id"] > top_claim


def test_import_never_answers_500_for_a_nul_character(client: TestClient, seeded: Session) -> None:
    record = {"type": "actor", "code": "NULGRP", "kind": "group", "name": "Nul\u0000group"}
    response = post_import(client, [json.dumps(GOOD_LINES[0]) + "\n", json.dumps(record) + "\n"])
    assert response.status_code in (200, 422)
    if response.status_code == 422:
        assert {e["line"] for e in response.json()["errors"]} == {2}


def test_the_export_streams_in_batches_the_lines_a_whole_read_gives(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Sources and claims are read EXPORT_BATCH at a time (here 2: batches end everywhere);
    # the lines are those of reading each table whole, as the export did before, byte for
    # byte, on a database with claims, conditions, retractions, reviews, users and entries.
    from app.claims.models import Claim
    from app.claims.queries import claim_list
    from app.transfer import queries

    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)
    streamed = export_of(origin)
    with monkeypatch.context() as whole:
        whole.setattr(
            queries,
            "all_claims",
            lambda session: (
                session.scalars(claim_list(include_retracted=True).order_by(Claim.id))
                .unique()
                .all()
            ),
        )
        whole.setattr(
            queries,
            "all_sources",
            lambda session: session.scalars(select(Source).order_by(Source.id)).all(),
        )
        read_whole = export_of(origin)
    assert comparable(streamed) == comparable(read_whole)
    assert count_by_type(streamed)["claim"] > 4


def test_the_export_holds_one_batch_of_claims_at_a_time(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from app.claims.models import Claim
    from app.transfer import queries
    from app.transfer.service import export_records

    monkeypatch.setattr(queries, "EXPORT_BATCH", 2)

    def most_claims_held(session: Session) -> int:
        most = 0
        for record in export_records(session):
            if record["type"] == "claim":
                gc.collect()
                held = sum(isinstance(o, Claim) for o in session.identity_map.values())
                most = max(most, held)
        return most

    # At most the batch being read, and the one whose last claim was just written out.
    assert in_transaction(origin, most_claims_held) <= 2 * queries.EXPORT_BATCH


def test_the_api_streams_the_export_in_pieces_of_lines(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.transfer import service

    monkeypatch.setattr(service, "CHUNK_LINES", 3)
    expected = export_of(origin)
    with api(origin) as client, client.stream("GET", "/api/v1/export") as response:
        assert response.status_code == 200
        pieces = list(response.iter_text())
    lines = "".join(pieces).splitlines(keepends=True)
    assert comparable(lines) == comparable(expected)
    assert len(pieces) >= len(expected) // 3
