"""The reference office-holders: well-formed, loaded by the seed, read by the extractor."""

import json
from datetime import date
from typing import Any

import pycountry
from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.actors.schemas import ActorCreate
from app.extraction.actors import build_index
from app.folding import fold
from app.seed.loader import OFFICE_HOLDERS, load_seed

DATA: dict[str, Any] = json.loads(OFFICE_HOLDERS.read_text(encoding="utf-8"))
PERSONS: list[dict[str, Any]] = DATA["persons"]
ORGANISATIONS = {"EU", "NATO", "UN"}


def test_every_office_holder_is_a_valid_person_with_dated_offices() -> None:
    codes = [p["code"] for p in PERSONS]
    assert len(codes) == len(set(codes))
    for person in PERSONS:
        fields = {k: v for k, v in person.items() if k in ActorCreate.model_fields}
        ActorCreate.model_validate(fields)
        assert person["kind"] == "person"
        assert person["affiliations"], person["code"]
        for office in person["affiliations"]:
            actor = office["actor"]
            assert actor in ORGANISATIONS or pycountry.countries.get(alpha_2=actor), actor


def test_no_alias_names_two_office_holders() -> None:
    owners: dict[str, str] = {}
    for person in PERSONS:
        for alias in [person["name"], *(a["alias"] for a in person["aliases"])]:
            assert owners.setdefault(fold(alias), person["code"]) == person["code"], alias


def test_the_seed_loads_the_office_holders_once(session: Session) -> None:
    first = load_seed(session, None)
    second = load_seed(session, None)

    assert first.actors >= len(PERSONS) - 10  # a few are the seed file's own
    assert second.total() == 0
    assert actor_queries.actor_by_code(session, "emmanuel-macron") is not None


def test_an_office_holder_speaks_for_the_state_only_while_in_office(session: Session) -> None:
    load_seed(session, None)
    index = build_index(session)

    assert index.speaks_for("joe-biden", date(2024, 6, 1)) == "US"
    assert index.speaks_for("joe-biden", date(2025, 6, 1)) is None
    assert index.speaks_for_surname("Miller", date(2024, 6, 1)) == "US"
    assert index.speaks_for_surname("Miller", date(2025, 6, 1)) is None
