"""The seed files: verbatim evidence, codebook identifiers, an idempotent loader, the matrix."""

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pycountry
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.claims import queries as claim_queries
from app.claims.models import Claim
from app.db import Base
from app.positions import service as positions
from app.seed.loader import load_seed, seed_files
from app.sources import queries as source_queries
from app.sources.service import content_hash
from app.vocab import (
    ActorKind,
    AliasKind,
    Basis,
    Certainty,
    ClaimKind,
    ConditionType,
    Role,
    Stance,
    Status,
)
from tests.conftest import SEED_TEXT_DIR, seed_text

SEEDS: list[tuple[Path, dict[str, Any]]] = [
    (path, json.loads(path.read_text(encoding="utf-8"))) for path in seed_files()
]
CLAIMS = [(path, data, claim) for path, data in SEEDS for claim in data["claims"]]
CLAIM_IDS = [f"{path.stem}-{n}-{claim['actor']}" for n, (path, _, claim) in enumerate(CLAIMS)]


def article(data: dict[str, Any]) -> str:
    """The seed source's article, read from the shared seeds folder."""
    return seed_text(data["source"]["text_file"])


def claim_key(actor: str, kind: str, role: str | None, initiative: str | None) -> tuple[Any, ...]:
    """What identifies a claim within one seed source."""
    return (actor, kind, role if kind == ClaimKind.COMMITMENT else None, initiative)


def stored_claims(session: Session) -> dict[tuple[Any, ...], Claim]:
    """Every stored claim by actor, kind, role and initiative."""
    claims = session.scalars(claim_queries.claim_list(include_retracted=True)).unique().all()
    return {
        claim_key(c.actor.code, c.kind, c.role, c.initiative.slug if c.initiative else None): c
        for c in claims
    }


def table_counts(session: Session) -> dict[str, int]:
    """How many rows each table holds."""
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def test_there_is_a_seed_file_and_its_article_matches_the_recorded_hash() -> None:
    assert SEEDS
    for _, data in SEEDS:
        digest = hashlib.sha256(article(data).encode("utf-8")).hexdigest()
        assert digest == data["source"]["content_sha256"]


@pytest.mark.parametrize(("path", "data", "claim"), CLAIMS, ids=CLAIM_IDS)
def test_every_evidence_span_is_verbatim_at_its_offsets(
    path: Path, data: dict[str, Any], claim: dict[str, Any]
) -> None:
    text = article(data)
    evidence = claim["evidence"]
    assert evidence["text"] in text
    assert text[evidence["start"] : evidence["end"]] == evidence["text"]


@pytest.mark.parametrize(("path", "data", "claim"), CLAIMS, ids=CLAIM_IDS)
def test_every_claim_uses_codebook_identifiers_and_known_references(
    path: Path, data: dict[str, Any], claim: dict[str, Any]
) -> None:
    actors = {a["code"]: a["kind"] for a in data["actors"]}
    initiatives = {i["slug"] for i in data["initiatives"]}
    assert claim["actor"] in actors or pycountry.countries.get(alpha_2=claim["actor"])
    assert actors.get(claim["actor"]) != ActorKind.PERSON
    assert claim["kind"] in set(ClaimKind)
    if claim["kind"] == ClaimKind.COMMITMENT:
        assert claim["role"] in set(Role)
        assert claim["status"] in set(Status)
        assert claim["stance"] is None
    else:
        assert claim["stance"] in set(Stance)
        assert (claim["role"], claim["status"]) == (None, None)
        assert claim["initiative"] is not None
    assert claim["initiative"] is None or claim["initiative"] in initiatives
    assert claim["basis"] in set(Basis)
    assert claim["certainty"] in set(Certainty)
    assert {c["type"] for c in claim["conditions"]} <= set(ConditionType)
    assert claim["conditional"] == bool(claim["conditions"])
    assert claim["speaker"] is None or actors[claim["speaker"]] == ActorKind.PERSON


def test_every_actor_and_membership_uses_codebook_identifiers() -> None:
    for _, data in SEEDS:
        actors = {a["code"]: a["kind"] for a in data["actors"]}
        for actor in data["actors"]:
            assert actor["kind"] in set(ActorKind)
            assert {a["kind"] for a in actor["aliases"]} <= set(AliasKind)
            for affiliation in actor.get("affiliations", []):
                assert actor["kind"] == ActorKind.PERSON
                assert actors[affiliation["actor"]] != ActorKind.PERSON
        for membership in data["memberships"]:
            assert actors[membership["group"]] in {ActorKind.ORGANIZATION, ActorKind.GROUP}
            assert membership["member"] in actors


def test_loading_the_seed_twice_adds_nothing_the_second_time(session: Session) -> None:
    first = load_seed(session, SEED_TEXT_DIR)
    after_first = table_counts(session)
    second = load_seed(session, SEED_TEXT_DIR)

    assert first.claims == len(CLAIMS)
    assert first.sources == len(SEEDS)
    assert first.states > 0
    assert second.total() == 0
    assert table_counts(session) == after_first


def test_seed_source_stores_the_article_with_a_matching_hash(seeded: Session) -> None:
    for _, data in SEEDS:
        source = source_queries.source_by_hash(seeded, data["source"]["content_sha256"])
        assert source is not None
        assert source.text == article(data)
        assert content_hash(source.text) == source.content_hash
        assert source.published_on == date.fromisoformat(data["source"]["published_on"])


def test_every_seed_claim_is_stored_accepted_with_its_offsets(seeded: Session) -> None:
    stored = stored_claims(seeded)
    for _, _, claim in CLAIMS:
        found = stored[claim_key(claim["actor"], claim["kind"], claim["role"], claim["initiative"])]
        assert found.review_state == "accepted"
        assert found.evidence_text == claim["evidence"]["text"]
        assert (found.evidence_start, found.evidence_end) == (
            claim["evidence"]["start"],
            claim["evidence"]["end"],
        )


def test_loading_without_the_text_folder_stores_no_text_but_keeps_offsets(
    session: Session,
) -> None:
    report = load_seed(session, None)

    assert report.claims == len(CLAIMS)
    for _, data in SEEDS:
        source = source_queries.source_by_hash(session, data["source"]["content_sha256"])
        assert source is not None
        assert source.text is None
    stored = stored_claims(session)
    for _, _, claim in CLAIMS:
        found = stored[claim_key(claim["actor"], claim["kind"], claim["role"], claim["initiative"])]
        assert (found.evidence_start, found.evidence_end) == (
            claim["evidence"]["start"],
            claim["evidence"]["end"],
        )


def test_a_later_load_with_the_text_folder_adds_the_text_and_no_records(
    session: Session,
) -> None:
    load_seed(session, None)
    again = load_seed(session, SEED_TEXT_DIR)

    assert again.total() == 0
    for _, data in SEEDS:
        source = source_queries.source_by_hash(session, data["source"]["content_sha256"])
        assert source is not None
        assert source.text == article(data)


def ground_forces(session: Session, day: date) -> dict[str, Any]:
    """The ground_forces cells as of the day, by actor."""
    matrix = positions.positions_as_of(
        session,
        day,
        known_as_of=None,
        cells=positions.cell_filter(session, roles=[Role.GROUND_FORCES]),
    )
    return {cell.actor: cell for cell in matrix.cells}


def test_ground_forces_as_of_publication_day_match_the_article(seeded: Session) -> None:
    cells = ground_forces(seeded, date(2025, 8, 20))

    assert {a: cells[a].status for a in ("GB", "FR", "FI", "US")} == {
        "GB": "willing",
        "FR": "willing",
        "FI": "considering",
        "US": "ruled_out",
    }
    stored = {c.id: c for c in stored_claims(seeded).values()}
    for actor in ("GB", "FR"):
        assert cells[actor].conditional is True
        conditions = stored[cells[actor].claim_id].conditions
        assert "peace_agreement" in {c.type for c in conditions}


def test_no_ground_forces_position_before_the_article(seeded: Session) -> None:
    assert ground_forces(seeded, date(2025, 8, 14)) == {}
