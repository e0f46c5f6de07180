"""The seed's milestones, and milestones through export and import (JSON Lines)."""

import json
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.errors import InvalidInput, NotFound
from app.milestones import service
from app.seed.loader import load_seed
from app.transfer.service import export_lines, import_lines
from tests.api_assertions import comparable
from tests.conftest import SEED_ARTICLE, seed_text
from tests.milestones.helpers import MILESTONES, make_milestone, quoting_source, state_body

SEED_MILESTONES = {
    "ukraine-peace-agreement": (
        "peace_agreement",
        "contingent on the signing of a peace agreement with Russia",
    ),
    "ukraine-ceasefire": ("ceasefire", "if there is an effective cessation of hostilities"),
}


def test_the_seed_has_both_milestones_pending_as_of_its_day(seeded: Session) -> None:
    article = seed_text(SEED_ARTICLE)
    for slug, (condition_type, quote) in SEED_MILESTONES.items():
        milestone = service.read_milestone(seeded, slug, date(2025, 8, 20))
        assert milestone.condition_type == condition_type
        assert (milestone.state, milestone.state_since) == ("pending", date(2025, 8, 20))
        (state,) = milestone.states
        assert state.evidence_text == quote
        assert state.evidence_start is not None
        assert article[state.evidence_start : state.evidence_end] == quote
        before = service.read_milestone(seeded, slug, date(2025, 8, 19))
        assert (before.state, before.state_since) == ("pending", None)


def test_the_seed_milestones_load_without_the_article_and_only_once(session: Session) -> None:
    first = load_seed(session, None)
    assert first.milestones == 2
    for slug in SEED_MILESTONES:
        (state,) = service.read_milestone(session, slug).states
        assert state.evidence_start is not None
    assert load_seed(session, None).milestones == 0


def records(session: Session) -> list[dict[str, Any]]:
    """The export's records, without its header."""
    return [json.loads(line) for line in export_lines(session)][1:]


def test_milestones_are_exported_after_sources_and_before_claims_and_import_back(
    client: TestClient, seeded: Session
) -> None:
    source = quoting_source(seeded)
    make_milestone(
        seeded,
        source.id,
        states=[
            state_body(source.id),
            state_body(
                source.id,
                state="failed",
                from_on="2025-09-12",
                evidence_text="the ceasefire collapsed on Friday",
                note="It held four days.",
            ),
        ],
    )
    exported = records(seeded)
    types = [r["type"] for r in exported]
    last_source = max(n for n, t in enumerate(types) if t == "source")
    first_claim = types.index("claim")
    milestones = [r for r in exported if r["type"] == "milestone"]
    assert [r["slug"] for r in milestones] == [
        "gaza-ceasefire",
        "ukraine-ceasefire",
        "ukraine-peace-agreement",
    ]
    at = [n for n, t in enumerate(types) if t == "milestone"]
    assert last_source < min(at)
    assert max(at) < first_claim
    gaza = milestones[0]
    assert gaza["condition_type"] == "ceasefire"
    assert [(s["state"], s["from_on"], s["source_id"], s["note"]) for s in gaza["states"]] == [
        ("met", "2025-09-08", source.id, None),
        ("failed", "2025-09-12", source.id, "It held four days."),
    ]
    assert gaza["version"] == 1
    before = client.get(f"{MILESTONES}/gaza-ceasefire").json()

    # Changed since the export, then the export imported back: as it was, version included.
    client.patch(
        f"{MILESTONES}/gaza-ceasefire",
        json={"name": "Changed", "states": []},
        headers={"If-Match": '"1"'},
    )
    lines = list(export_lines_of(exported))
    report = import_lines(seeded, lines)
    assert report.updated["milestone"] == 3
    assert "milestone" not in report.created
    assert comparable(client.get(f"{MILESTONES}/gaza-ceasefire").json()) == comparable(before)
    assert records(seeded) == exported


def export_lines_of(exported: list[dict[str, Any]]) -> list[str]:
    """The records as an export file's lines, with its header."""
    header = {"type": "posture-export", "format": 1, "exported_at": "2025-09-15T00:00:00+00:00"}
    return [json.dumps(r) for r in [header, *exported]]


def test_a_milestone_imported_into_an_empty_database_is_created(
    anonymous_client: TestClient, session: Session
) -> None:
    source = quoting_source(session)
    make_milestone(session, source.id)
    exported = records(session)
    # Only the source and the milestone, into a database with neither.
    wanted = [r for r in exported if r["type"] in ("source", "milestone")]
    # The test's writes undone (the admin's token with them: reads are public).
    session.rollback()
    assert anonymous_client.get(MILESTONES).json()["total"] == 0
    report = import_lines(session, export_lines_of(wanted))
    assert report.created == {"source": 1, "milestone": 1}
    stored = anonymous_client.get(f"{MILESTONES}/gaza-ceasefire").json()
    assert [(s["state"], s["from_on"]) for s in stored["states"]] == [("met", "2025-09-08")]


def test_an_imported_milestone_whose_evidence_is_not_in_its_source_is_refused(
    session: Session,
) -> None:
    source = quoting_source(session)
    record = {
        "type": "milestone",
        "slug": "gaza-ceasefire",
        "name": "Ceasefire in Gaza",
        "condition_type": "ceasefire",
        "states": [state_body(source.id, evidence_text="a truce held")],
    }
    with pytest.raises(InvalidInput) as refused:
        import_lines(session, export_lines_of([record]))
    assert [(e["field"], e["line"]) for e in refused.value.errors] == [
        ("states.0.evidence_text", 2)
    ]
    with pytest.raises(NotFound):
        service.read_milestone(session, "gaza-ceasefire")
