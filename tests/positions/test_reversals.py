"""Reversals in the changes, the Atom feed and the changes page; the analysis controls of
the matrix, map, changes and timeline pages (both databases)."""

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.positions.service import is_reversal
from tests.factories import make_claim, make_source
from tests.positions.test_analysis import bloc_scenario, ceasefire_scenario
from tests.positions.test_pages import cell_labels, page

A = "{http://www.w3.org/2005/Atom}"
EARLY, LATE = date(2025, 8, 1), date(2025, 8, 10)


@pytest.mark.parametrize(
    ("before", "after", "reversal"),
    [
        ("willing", "considering", True),
        ("pledged", "ruled_out", True),
        ("undisclosed", "withdrawn", True),
        ("considering", "willing", False),
        ("willing", "undisclosed", False),
        ("supports", "opposes", True),
        ("conditional", "rejects", True),
        ("rejects", "supports", True),
        ("supports", "conditional", False),
        ("undecided", "opposes", False),
        (None, "ruled_out", False),
        ("willing", None, False),
    ],
)
def test_what_counts_as_a_reversal(before: str | None, after: str | None, reversal: bool) -> None:
    assert is_reversal(before, after) is reversal


def reversal_scenario(session: Session) -> None:
    """GB steps down the ladder, FR steps up, RU flips its stance, and on 2025-08-10 IT is
    both ruled out (by the later-published source, which decides) and willing: a reversal
    on the same day as a contested claim."""
    for actor, first, then in (("GB", "willing", "considering"), ("FR", "willing", "pledged")):
        make_claim(session, actor=actor, status=first, source_fields={"published_on": EARLY})
        make_claim(session, actor=actor, status=then, source_fields={"published_on": LATE})
    for stance, day in (("supports", EARLY), ("rejects", LATE)):
        make_claim(
            session,
            actor="RU",
            kind="stance",
            initiative="peace-framework",
            stance=stance,
            source_fields={"published_on": day},
        )
    make_claim(session, actor="IT", status="willing", source_fields={"published_on": EARLY})
    same_day = make_source(session, published_on=LATE)
    published_later = make_source(session, published_on=date(2025, 8, 12))
    make_claim(session, actor="IT", status="willing", source=same_day, stated_on=LATE)
    make_claim(session, actor="IT", status="ruled_out", source=published_later, stated_on=LATE)


def changes(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(
        "/api/v1/changes", params={"from": "2025-08-05", "to": "2025-08-20", **params}
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_changes_mark_reversals_and_can_list_only_them(
    client: TestClient, session: Session
) -> None:
    reversal_scenario(session)
    every = {c["actor"]: c for c in changes(client)["changes"]}
    assert {a: c["reversal"] for a, c in every.items()} == {
        "GB": True,
        "FR": False,
        "RU": True,
        "IT": True,
    }
    italy = every["IT"]["after"]
    assert (italy["status"], italy["contested"]) == ("ruled_out", True)

    only = changes(client, reversals="true")
    assert (only["reversals"], only["total"]) == (True, 3)
    assert [c["actor"] for c in only["changes"]] == ["GB", "IT", "RU"]


def test_the_feed_marks_reversals_and_can_list_only_them(
    client: TestClient, session: Session
) -> None:
    reversal_scenario(session)

    def titles(url: str) -> dict[str, list[str]]:
        response = client.get(url)
        assert response.status_code == 200, response.text
        root = ET.fromstring(response.content)
        return {
            entry.findtext(f"{A}title", ""): [
                c.attrib["term"] for c in entry.findall(f"{A}category")
            ]
            for entry in root.findall(f"{A}entry")
        }

    every = titles("/feed.atom")
    assert every["GB · ground forces: considering (reversal: was willing)"] == [
        "ground_forces",
        "reversal",
    ]
    assert every["FR · ground forces: pledged (was willing)"] == ["ground_forces"]
    only = titles("/feed.atom?reversals=true")
    assert set(only) == {
        "GB · ground forces: considering (reversal: was willing)",
        "IT · ground forces: ruled out (reversal: was willing)",
        "RU · Peace Framework: rejects (reversal: was supports)",
    }


def test_the_changes_page_marks_reversals_and_filters_them(
    client: TestClient, session: Session
) -> None:
    reversal_scenario(session)
    doc = page(client, "/changes?from=2025-08-05&to=2025-08-20&reversals=true")
    section = doc.by_id("changes")
    assert "3 reversals" in section.find("h2").text()
    assert len(section.find_all("span", class_="reversal")) == 3
    assert not section.find_all("h3", id="changes-FR")
    form_box = doc.find("input", name="reversals")
    assert "checked" in form_box.attrs


def test_the_changes_page_has_a_known_as_of_control(client: TestClient, session: Session) -> None:
    reversal_scenario(session)
    # As could be known on 2025-08-11, IT's ruled-out source (published 12 August) is not.
    doc = page(client, "/changes?from=2025-08-05&to=2025-08-20&known_as_of=2025-08-11")
    assert doc.find("input", name="known_as_of").attrs["value"] == "2025-08-11"
    italy = doc.find_all("section", **{"aria-labelledby": "changes-IT"})
    assert italy == [] or "Ruled out" not in italy[0].text()
    later = page(client, "/changes?from=2025-08-05&to=2025-08-20")
    assert "Ruled out" in later.find("section", **{"aria-labelledby": "changes-IT"}).text()


def test_the_matrix_page_shows_what_an_assumption_turns_on(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    plain = page(client, "/?as_of=2025-08-20")
    assert cell_labels(plain) == ["France, ground forces: Willing cond."]
    box = plain.find("input", name="assume", value="ukraine-ceasefire")
    assert "checked" not in box.attrs

    doc = page(client, "/?as_of=2025-08-20&assume=ukraine-ceasefire")
    assert cell_labels(doc) == ["France, ground forces: Willing if assumed"]
    assert "1 cell turned on" in doc.by_id("matrix").find("caption").text()
    assert doc.find("td", class_="assumed")
    assert "checked" in doc.find("input", name="assume", value="ukraine-ceasefire").attrs


def test_the_matrix_page_inherits_bloc_positions_when_asked(
    client: TestClient, session: Session
) -> None:
    bloc_scenario(session)
    labels = cell_labels(page(client, "/?as_of=2025-08-20&inherit=true&role=sanctions"))
    assert "France, sanctions: Pledged via EU" in labels
    assert "Hungary, sanctions: Ruled out opts out" in labels
    plain = cell_labels(page(client, "/?as_of=2025-08-20&role=sanctions"))
    assert not any(label.startswith("France") for label in plain)


def test_the_matrix_and_map_pages_have_a_known_as_of_control(
    client: TestClient, session: Session
) -> None:
    make_claim(session, actor="GB", status="willing", source_fields={"published_on": EARLY})
    make_claim(
        session,
        actor="GB",
        status="pledged",
        stated_on=LATE,
        source_fields={"published_on": date(2025, 8, 15)},
    )
    known = page(client, "/?as_of=2025-08-20&known_as_of=2025-08-12")
    assert cell_labels(known) == ["United Kingdom, ground forces: Willing"]
    assert cell_labels(page(client, "/?as_of=2025-08-20")) == [
        "United Kingdom, ground forces: Pledged"
    ]
    shown = page(client, "/map?as_of=2025-08-20&role=ground_forces&known_as_of=2025-08-12")
    assert shown.find("a", href="/actors/GB").attrs["aria-label"] == "United Kingdom: Willing"
    assert shown.find("input", name="known_as_of").attrs["value"] == "2025-08-12"


def test_the_timeline_counts_what_is_in_effect_under_an_assumption(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    url = "/timeline?role=ground_forces&from=2025-08-20&to=2025-08-20&step=week"
    plain = page(client, url)
    assert plain.by_id("timeline").find("svg").find_all("path", class_="band") != []
    doc = page(client, url + "&assume=ukraine-ceasefire")
    timeline = doc.by_id("timeline")
    assert "Assuming ukraine-ceasefire held" in timeline.text()
    header = [th.text() for th in timeline.find("table", class_="counts").find_all("th")]
    assert "In effect" in header


def test_the_matrix_page_freezes_the_question_it_shows_as_a_snapshot(
    client: TestClient, session: Session
) -> None:
    ceasefire_scenario(session)
    url = "/?as_of=2025-08-20&assume=ukraine-ceasefire&known_as_of=2025-08-20"
    form = page(client, url).find("form", class_="freeze-form")
    fields = {
        node.attrs["name"]: node.attrs.get("value", "")
        for node in form.find_all("input")
        if node.attrs.get("type") == "hidden"
    }
    assert (fields["as_of"], fields["known_as_of"], fields["assume"]) == (
        "2025-08-20",
        "2025-08-20",
        "ukraine-ceasefire",
    )
    response = client.post("/snapshots", data={**fields, "title": "If a ceasefire held"})
    assert response.status_code == 200, response.text
    snapshot = client.get("/api/v1/snapshots", params={"limit": 1}).json()["items"][0]
    assert snapshot["question"]["assume"] == ["ukraine-ceasefire"]
    frozen = client.get(f"/api/v1/snapshots/{snapshot['id']}").json()["cells"]
    assert [(c["actor"], c["in_effect_by_assumption"]) for c in frozen] == [("FR", True)]
