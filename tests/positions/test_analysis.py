"""Conditions evaluated against milestones and required positions, what-if assumptions,
and bloc inheritance, on hand-made scenarios (both databases)."""

import csv
import io
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.milestones.models import Milestone, MilestoneState
from app.sources.models import Source
from tests.api_assertions import assert_problem, message_for
from tests.etags import if_match
from tests.factories import make_actor, make_claim, make_source

POSITIONS = "/api/v1/positions"
COUNTS = "/api/v1/positions/counts"
CEASEFIRE_TEXT = "A ceasefire took effect at midnight. Talks are pending. ({})"


def make_milestone(
    session: Session,
    slug: str,
    condition_type: str,
    states: list[tuple[str, date, Source, str]],
) -> Milestone:
    """A milestone with its history: (state, from_on, source, verbatim evidence)."""
    milestone = Milestone(
        slug=slug,
        name=slug.replace("-", " ").title(),
        condition_type=condition_type,
        states=[
            MilestoneState(state=state, from_on=day, source_id=source.id, evidence_text=evidence)
            for state, day, source, evidence in states
        ],
    )
    session.add(milestone)
    session.flush()
    return milestone


def cell(client: TestClient, actor: str, **params: Any) -> dict[str, Any]:
    response = client.get(POSITIONS, params={"actor": actor, **params})
    assert response.status_code == 200, response.text
    (found,) = response.json()["cells"]
    return dict(found)


def ceasefire_scenario(session: Session) -> None:
    """FR willing to send ground forces once a ceasefire holds; the ceasefire is pending
    from 2025-08-01 and met from 2025-09-10 (a source published that day says so)."""
    early = make_source(session, published_on=date(2025, 8, 1), text=CEASEFIRE_TEXT.format(1))
    late = make_source(session, published_on=date(2025, 9, 10), text=CEASEFIRE_TEXT.format(2))
    make_milestone(
        session,
        "ukraine-ceasefire",
        "ceasefire",
        [
            ("pending", date(2025, 8, 1), early, "Talks are pending"),
            ("met", date(2025, 9, 10), late, "A ceasefire took effect"),
        ],
    )
    make_claim(
        session,
        actor="FR",
        conditions=[
            {
                "type": "ceasefire",
                "text": "once a ceasefire holds",
                "milestone": "ukraine-ceasefire",
            }
        ],
        source_fields={"published_on": date(2025, 8, 20)},
    )


def test_a_condition_met_after_as_of_is_pending_then_met(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    before = cell(client, "FR", as_of="2025-08-20")
    assert before["conditional"] is True
    assert before["conditions"] == [
        {
            "type": "ceasefire",
            "text": "once a ceasefire holds",
            "state": "pending",
            "milestone": "ukraine-ceasefire",
            "requires": None,
        }
    ]
    assert (before["in_effect"], before["in_effect_by_assumption"]) == (False, False)

    after = cell(client, "FR", as_of="2025-09-15")
    assert after["conditions"][0]["state"] == "met"
    assert (after["in_effect"], after["in_effect_by_assumption"]) == (True, False)
    # What could be known on 2025-09-01: the source saying it was met came out later.
    known = cell(client, "FR", as_of="2025-09-15", known_as_of="2025-09-01")
    assert (known["conditions"][0]["state"], known["in_effect"]) == ("pending", False)


def test_assuming_a_milestone_turns_the_cell_on_and_says_so(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    make_claim(session, actor="DE", status="pledged")  # unconditional: in effect regardless

    assumed = cell(client, "FR", as_of="2025-08-20", assume="ukraine-ceasefire")
    assert assumed["conditions"][0]["state"] == "met"
    assert (assumed["in_effect"], assumed["in_effect_by_assumption"]) == (True, True)
    body = client.get(
        POSITIONS, params={"as_of": "2025-08-20", "assume": "ukraine-ceasefire"}
    ).json()
    assert body["assume"] == ["ukraine-ceasefire"]
    de = next(c for c in body["cells"] if c["actor"] == "DE")
    assert (de["in_effect"], de["in_effect_by_assumption"], de["conditions"]) == (True, False, [])

    series = client.get(
        COUNTS,
        params={
            "role": "ground_forces",
            "from": "2025-08-20",
            "to": "2025-08-20",
            "assume": "ukraine-ceasefire",
        },
    ).json()["series"]
    assert series[0]["counts"]["willing"] == 1
    assert series[0]["in_effect"]["willing"] == 1
    assert series[0]["in_effect"]["pledged"] == 1
    plain = client.get(
        COUNTS,
        params={
            "role": "ground_forces",
            "from": "2025-08-20",
            "to": "2025-08-20",
            "in_effect": "true",
        },
    ).json()["series"]
    assert (plain[0]["in_effect"]["willing"], plain[0]["in_effect"]["pledged"]) == (0, 1)
    without = client.get(
        COUNTS, params={"role": "ground_forces", "from": "2025-08-20", "to": "2025-08-20"}
    ).json()["series"]
    assert without[0]["in_effect"] is None


def test_an_unknown_milestone_to_assume_is_refused_naming_assume(
    client: TestClient, session: Session
) -> None:
    make_claim(session, actor="FR")
    for url, params in (
        (POSITIONS, {"assume": "no-such-milestone"}),
        (
            COUNTS,
            {
                "role": "ground_forces",
                "from": "2025-08-01",
                "to": "2025-09-01",
                "assume": "no-such-milestone",
            },
        ),
    ):
        response = client.get(url, params=params)
        assert_problem(response, 422)
        assert "no-such-milestone" in message_for(response.json(), "assume")


def test_a_condition_on_another_position_follows_that_positions_rung(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "US")
    requires = {"actor": "US", "role": "air_cover", "status_at_least": "pledged"}
    make_claim(
        session,
        actor="DE",
        role="air_defense",
        conditions=[{"type": "us_backstop", "text": "only with US support", "requires": requires}],
    )
    make_claim(
        session,
        actor="US",
        role="air_cover",
        status="willing",
        source_fields={"published_on": date(2025, 8, 20)},
    )
    make_claim(
        session,
        actor="US",
        role="air_cover",
        status="pledged",
        source_fields={"published_on": date(2025, 9, 1)},
    )
    make_claim(
        session,
        actor="US",
        role="air_cover",
        status="ruled_out",
        source_fields={"published_on": date(2025, 10, 1)},
    )

    def state(day: str) -> tuple[str, bool]:
        found = cell(client, "DE", as_of=day, role="air_defense")
        return found["conditions"][0]["state"], found["in_effect"]

    assert state("2025-08-25") == ("pending", False)
    assert state("2025-09-05") == ("met", True)
    assert state("2025-10-05") == ("failed", False)
    found = cell(client, "DE", as_of="2025-09-05", role="air_defense")
    assert found["conditions"][0]["requires"] == requires


def test_a_condition_linked_to_nothing_is_unknown_and_not_in_effect(
    client: TestClient, session: Session
) -> None:
    make_claim(session, actor="FI", conditions=[{"type": "other", "text": "after a vote"}])
    found = cell(client, "FI", as_of="2025-08-20")
    assert [c["state"] for c in found["conditions"]] == ["unknown"]
    assert found["in_effect"] is False


def test_the_positions_csv_carries_conditions_and_whether_in_effect(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    response = client.get(POSITIONS, params={"as_of": "2025-08-20", "format": "csv"})
    (row,) = csv.DictReader(io.StringIO(response.text))
    assert row["in_effect"] in ("False", "false")
    assert row["conditions"] == "ceasefire: once a ceasefire holds (pending)"


def bloc_scenario(session: Session) -> None:
    """The EU pledges sanctions; FR has been a member throughout, GB left on 2020-01-31,
    HU rules sanctions out on its own account."""
    make_actor(session, "EU", kind="organization", name="European Union")
    make_actor(session, "FR", memberships=[{"group": "EU", "from_on": "1958-01-01"}])
    make_actor(
        session,
        "GB",
        memberships=[{"group": "EU", "from_on": "1973-01-01", "until_on": "2020-01-31"}],
    )
    make_actor(session, "HU", memberships=[{"group": "EU", "from_on": "2004-05-01"}])
    eu_source = make_source(session, published_on=date(2019, 6, 1))
    make_claim(session, actor="EU", role="sanctions", status="pledged", source=eu_source)
    make_claim(session, actor="HU", role="sanctions", status="ruled_out")


def test_members_inherit_their_blocs_position_while_members(
    client: TestClient, session: Session
) -> None:
    bloc_scenario(session)
    params = {"role": "sanctions", "inherit": "true"}
    now = {
        c["actor"]: c
        for c in client.get(POSITIONS, params={**params, "as_of": "2025-08-20"}).json()["cells"]
    }
    assert set(now) == {"EU", "FR", "HU"}
    assert (now["FR"]["status"], now["FR"]["inherited_from"]) == ("pledged", "EU")
    assert now["FR"]["claim_id"] == now["EU"]["claim_id"]
    assert now["FR"]["actor_name"] == "France"
    # HU's own claim wins and differs from its bloc's.
    assert (now["HU"]["status"], now["HU"]["inherited_from"], now["HU"]["opt_out"]) == (
        "ruled_out",
        None,
        True,
    )
    # GB was a member in 2019, not in 2025; HU had no claim of its own yet.
    then = {
        c["actor"]: c["inherited_from"]
        for c in client.get(POSITIONS, params={**params, "as_of": "2019-12-01"}).json()["cells"]
    }
    assert then == {"EU": None, "FR": "EU", "GB": "EU", "HU": "EU"}
    # Without inherit, nobody inherits and nobody opts out.
    plain = {
        c["actor"]: c
        for c in client.get(POSITIONS, params={"role": "sanctions", "as_of": "2025-08-20"}).json()[
            "cells"
        ]
    }
    assert set(plain) == {"EU", "HU"}
    assert plain["HU"]["opt_out"] is False


def test_inheritance_follows_the_actor_and_group_filters(
    client: TestClient, session: Session
) -> None:
    bloc_scenario(session)
    one = client.get(
        POSITIONS, params={"actor": "FR", "inherit": "true", "as_of": "2025-08-20"}
    ).json()["cells"]
    assert [(c["actor"], c["inherited_from"]) for c in one] == [("FR", "EU")]
    members = client.get(
        POSITIONS, params={"group": "EU", "inherit": "true", "as_of": "2025-08-20"}
    ).json()["cells"]
    assert {c["actor"] for c in members} == {"FR", "HU"}


def test_claims_link_conditions_to_milestones_and_positions(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, text=CEASEFIRE_TEXT.format(3))
    make_milestone(
        session,
        "ukraine-ceasefire",
        "ceasefire",
        [("pending", date(2025, 8, 1), source, "Talks are pending")],
    )
    make_actor(session, "GB")
    make_actor(session, "US")
    body = {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "willing",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": source.id,
        "evidence": {"text": "A ceasefire"},
        "conditions": [
            {"type": "ceasefire", "text": "after a ceasefire", "milestone": "ukraine-ceasefire"},
            {
                "type": "us_backstop",
                "text": "with US support",
                "requires": {"actor": "US", "role": "air_cover", "status_at_least": "pledged"},
            },
        ],
    }
    created = client.post("/api/v1/claims", json=body)
    assert created.status_code == 201, created.text
    assert [c["milestone"] for c in created.json()["conditions"]] == ["ukraine-ceasefire", None]
    assert created.json()["conditions"][1]["requires"] == body["conditions"][1]["requires"]

    bad = {
        **body,
        "conditions": [
            {"type": "ceasefire", "text": "x", "milestone": "no-such"},
            {
                "type": "us_backstop",
                "text": "y",
                "requires": {"actor": "XX", "role": "air_cover", "status_at_least": "withdrawn"},
            },
        ],
    }
    response = client.post("/api/v1/claims", json=bad)
    assert_problem(response, 422)
    assert "no-such" in message_for(response.json(), "conditions.0.milestone")
    assert "XX" in message_for(response.json(), "conditions.1.requires.actor")
    assert "ladder" in message_for(response.json(), "conditions.1.requires.status_at_least")

    both = {
        **body,
        "conditions": [
            {
                "type": "ceasefire",
                "text": "x",
                "milestone": "ukraine-ceasefire",
                "requires": {"actor": "US", "role": "air_cover", "status_at_least": "pledged"},
            }
        ],
    }
    assert_problem(client.post("/api/v1/claims", json=both), 422)


def test_linking_a_condition_is_a_change_in_the_claims_audit_trail(
    client: TestClient, session: Session
) -> None:
    source = make_source(session, text=CEASEFIRE_TEXT.format(4))
    make_milestone(
        session, "ukraine-ceasefire", "ceasefire", [("pending", date(2025, 8, 1), source, "Talks")]
    )
    claim = make_claim(session, actor="FR", conditions=[{"type": "ceasefire", "text": "truce"}])
    url = f"/api/v1/claims/{claim.id}"
    linked = [{"type": "ceasefire", "text": "truce", "milestone": "ukraine-ceasefire"}]
    response = client.patch(url, json={"conditions": linked}, headers=if_match(client, url))
    assert response.status_code == 200, response.text
    entries = client.get(
        "/api/v1/audit", params={"record_type": "claim", "record": str(claim.id)}
    ).json()["items"]
    update = next(e for e in entries if e["action"] == "update")
    assert update["before"]["conditions"] == [{"type": "ceasefire", "text": "truce"}]
    assert update["after"]["conditions"] == linked
    assert "conditions" in update["changed"]
