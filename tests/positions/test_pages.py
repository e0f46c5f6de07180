"""The positions pages on the seed dataset: overview, map, timeline, changes, compare."""

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_claim, make_source
from tests.html_tree import Node, parse, table_rows

HX = {"HX-Request": "true"}


def page(client: TestClient, url: str, status: int = 200, **kwargs: Any) -> Node:
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)


def claim_id(client: TestClient, actor: str, role: str) -> int:
    body = client.get("/api/v1/claims", params={"actor": actor, "role": role}).json()
    assert len(body["items"]) == 1, body
    return int(body["items"][0]["id"])


def cell_labels(doc: Node) -> list[str]:
    """Each filled cell as a reader hears it: row header, column header, cell text."""
    matrix = doc.by_id("matrix")
    if not matrix.find_all("table"):
        return []
    header, *rows = table_rows(matrix.find("table"))
    labels = []
    for row in rows:
        actor = row[0].rsplit(" ", 1)[0]
        for column, text in zip(header[1:], row[1:], strict=True):
            if text != "no claim":
                labels.append(f"{actor}, {column}: {text}")
    return labels


# Overview and map


def test_overview_as_of_20_august_shows_gb_willing_and_us_ruled_out(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/?as_of=2025-08-20&role=ground_forces")
    labels = cell_labels(doc)
    assert "United Kingdom, ground forces: Willing cond." in labels
    assert "United States, ground forces: Ruled out" in labels
    gb = doc.by_id("matrix").find("a", href=f"/claims/{claim_id(client, 'GB', 'ground_forces')}")
    assert "Willing" in gb.text()
    assert doc.find("title").text() == "Positions as of 2025-08-20 · Posture"


def test_overview_as_of_14_august_shows_no_positions(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/?as_of=2025-08-14")
    assert cell_labels(doc) == []
    assert "No positions match as of 2025-08-14" in doc.by_id("matrix").text()


def test_overview_answers_htmx_with_the_matrix_fragment_only(
    client: TestClient, seeded: Session
) -> None:
    response = client.get("/?as_of=2025-08-20", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="matrix"')
    assert "<html" not in response.text
    # The filters stay on the page; only the matrix (and its freeze form) is sent.
    assert 'class="filters"' not in response.text
    assert 'class="freeze-form"' in response.text


def test_overview_links_the_atom_feed(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/")
    assert doc.find("a", href="/feed.atom", type="application/atom+xml")


def test_map_colours_gbs_path_willing(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/map?as_of=2025-08-20&role=ground_forces")
    gb = doc.find("a", href="/actors/GB")
    assert gb.attrs["aria-label"] == "United Kingdom: Willing"
    path = gb.find("path")
    assert set(path.attrs["class"].split()) == {"has-position", "s-willing"}
    assert path.attrs["d"].startswith("M")
    us = doc.find("a", href="/actors/US").find("path")
    assert "s-ruled_out" in us.attrs["class"].split()


# Timeline


def counts_table(doc: Node) -> dict[str, dict[str, str]]:
    rows = table_rows(doc.by_id("timeline").find("table", class_="counts"))
    header = rows[0]
    return {row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows[1:]}


def test_timeline_counts_actors_per_rung_week_by_week(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/timeline?role=ground_forces&from=2025-08-06&to=2025-08-27&step=week")
    counts = counts_table(doc)
    assert list(counts) == ["2025-08-06", "2025-08-13", "2025-08-20", "2025-08-27"]
    assert counts["2025-08-13"]["All"] == "0"
    # Column headers are badges: symbol and label.
    assert counts["2025-08-20"] == {
        "◕ Willing": "2",
        "◑ Considering": "3",
        "✕ Ruled out": "1",
        "All": "6",
    }
    assert counts["2025-08-27"]["All"] == "6"
    svg = doc.by_id("timeline").find("svg")
    assert svg.attrs["role"] == "img"
    assert svg.find("title").text().startswith("Actors per status for ground forces")
    assert (
        "On 2025-08-27: 2 willing, 3 considering, 1 ruled out; 6 in all" in svg.find("desc").text()
    )
    bands = {p.attrs["class"] for p in svg.find_all("path", class_="band")}
    assert bands == {"band s-willing", "band s-considering", "band s-ruled_out"}
    ticks = [t.text() for t in svg.find_all("text", class_="y-tick")]
    assert ticks[0] == "0"
    assert ticks[-1] == "6"
    legend = doc.by_id("timeline").find("ul", class_="legend").text()
    # Bands from the bottom up: the most engaged first.
    assert legend == "◕ Willing ◑ Considering ✕ Ruled out"


def test_timeline_lists_the_changes_with_their_evidence(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/timeline?role=ground_forces&from=2025-08-06&to=2025-08-27")
    changes = doc.by_id("timeline").find("ul", class_="changes").find_all("li")
    assert len(changes) == 6
    gb = next(li for li in changes if "United Kingdom" in li.text())
    assert re.search(r"no claim .*became.* ◕ Willing", gb.text())
    assert gb.find("a", href=f"/claims/{claim_id(client, 'GB', 'ground_forces')}")


def test_timeline_defaults_to_ground_forces_over_the_padded_span(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/timeline")
    assert doc.find("input", name="from").attrs["value"] == "2025-08-06"
    assert doc.find("input", name="to").attrs["value"] == "2025-09-03"
    assert doc.find("select", name="step").find("option", selected="").attrs["value"] == "week"
    assert doc.find("select", name="role").find("option", selected="").attrs["value"] == (
        "ground_forces"
    )
    assert "2025-08-20" in counts_table(doc)
    assert doc.find("a", href="/feed.atom?role=ground_forces")


def test_timeline_for_an_initiative_counts_stances(client: TestClient, seeded: Session) -> None:
    doc = page(
        client, "/timeline?initiative=stabilization-force-plan&from=2025-08-13&to=2025-08-20"
    )
    counts = counts_table(doc)
    assert counts["2025-08-20"] == {"⊘ Rejects": "1", "All": "1"}


def test_timeline_answers_htmx_with_its_fragment(client: TestClient, seeded: Session) -> None:
    response = client.get("/timeline?role=air_cover", headers=HX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="timeline"')
    assert "<html" not in response.text


def test_timeline_refuses_a_span_that_ends_before_it_starts(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/timeline?from=2025-08-20&to=2025-08-01", status=422)
    assert doc.by_id("to-error").text() == "is before from"
    assert doc.find("input", name="to").attrs["aria-invalid"] == "true"
    assert "to-error" in doc.find("input", name="to").attrs["aria-describedby"]


# Changes


def test_changes_between_two_dates_grouped_by_actor(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/changes?from=2025-08-14&to=2025-08-20")
    changes = doc.by_id("changes")
    assert changes.find("h2").text().startswith("21 changes")
    gb = changes.find("section", **{"aria-labelledby": "changes-GB"})
    items = gb.find_all("li")
    assert [li.find("span", class_="change-object").text() for li in items] == [
        "Ground forces",
        "Sanctions",
    ]
    assert items[0].find("a", href=f"/claims/{claim_id(client, 'GB', 'ground_forces')}")


def test_changes_default_to_the_30_days_before_the_latest_claim(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/changes")
    assert doc.find("input", name="from").attrs["value"] == "2025-07-21"
    assert doc.find("input", name="to").attrs["value"] == "2025-08-20"
    assert doc.by_id("changes").find("h2").text().startswith("21 changes")


def test_changes_filter_by_role_and_group(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/changes?role=ground_forces&group=EU&initiative=")
    sections = doc.by_id("changes").find_all("section")
    # By name: Finland, France, Germany, Spain; GB left the EU in 2020.
    assert [s.attrs["aria-labelledby"] for s in sections] == [
        "changes-FI",
        "changes-FR",
        "changes-DE",
        "changes-ES",
    ]
    assert "Sanctions" not in doc.by_id("changes").text()


def test_changes_link_the_evidence_before_and_after(client: TestClient, seeded: Session) -> None:
    earlier = claim_id(client, "GB", "ground_forces")
    source = make_source(seeded, published_on=date(2025, 8, 25))
    later = make_claim(seeded, source=source, status="pledged")
    doc = page(client, "/changes?from=2025-08-20&to=2025-08-25")
    item = doc.by_id("changes").find("section", **{"aria-labelledby": "changes-GB"}).find("li")
    assert "Willing" in item.text()
    assert "Pledged" in item.text()
    assert item.find("a", href=f"/claims/{later.id}").text() == "evidence (2025-08-25)"
    assert item.find("a", href=f"/claims/{earlier}").text() == "earlier evidence (2025-08-20)"


# Compare


def test_compare_shows_actors_side_by_side(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/compare?actor=GB&actor=FR&actor=US&as_of=2025-08-20")
    tables = doc.find_all("table", class_="compare")
    roles = table_rows(tables[0])
    assert roles[0] == ["Role", "United Kingdom GB", "France FR", "United States US"]
    by_role = {row[0]: row[1:] for row in roles[1:]}
    assert len(by_role) == 13
    assert by_role["Ground forces"][0].startswith("Willing")
    assert by_role["Ground forces"][2] == "Ruled out"
    assert by_role["Air cover"] == ["no claim", "no claim", "Considering"]
    assert by_role["Sanctions"][0].startswith("Willing")
    gb = claim_id(client, "GB", "ground_forces")
    assert tables[0].find("a", href=f"/claims/{gb}")
    initiatives = table_rows(tables[1])
    assert len(initiatives) == 7
    assert [i.attrs["value"] for i in doc.find_all("input", name="actor")][:3] == ["GB", "FR", "US"]


def test_compare_with_one_actor_says_so_beside_the_input(
    client: TestClient, seeded: Session
) -> None:
    doc = page(client, "/compare?actor=GB&actor=&actor=", status=422)
    assert doc.by_id("actor-error").text() == "choose 2 to 5 different actors to compare (1 given)"
    inputs = doc.find_all("input", name="actor")
    assert len(inputs) == 5
    assert inputs[0].attrs["value"] == "GB"
    assert all(i.attrs["aria-describedby"] == "actor-error" for i in inputs)
    assert not doc.find_all("table")


def test_compare_refuses_six_actors_and_unknown_ones(client: TestClient, seeded: Session) -> None:
    six = "&".join(f"actor={a}" for a in ["GB", "FR", "US", "DE", "ES", "FI"])
    doc = page(client, f"/compare?{six}", status=422)
    assert "(6 given)" in doc.by_id("actor-error").text()
    doc = page(client, "/compare?actor=GB&actor=XQ", status=422)
    assert doc.by_id("actor-error").text() == "unknown actor 'XQ'"


def test_compare_without_actors_offers_the_form(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/compare")
    assert len(doc.find_all("input", name="actor")) == 5
    assert not doc.find_all(id="actor-error")
    labels = {label.attrs["for"] for label in doc.find_all("label")}
    assert {f"actor-{n}" for n in range(1, 6)} <= labels


def test_pages_set_their_titles(client: TestClient, seeded: Session) -> None:
    for url, title in [
        ("/timeline", "Coalition timeline: Ground forces"),
        ("/changes?from=2025-08-14&to=2025-08-20", "Changes from 2025-08-14 to 2025-08-20"),
        ("/compare?actor=GB&actor=FR", "Compare GB, FR"),
    ]:
        assert page(client, url).find("title").text() == f"{title} · Posture"


def test_pages_carry_no_inline_script_style_or_handlers(
    client: TestClient, seeded: Session
) -> None:
    for url in ["/timeline", "/changes", "/compare?actor=GB&actor=FR"]:
        html = client.get(url).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html)
        assert " style=" not in html
        assert not re.search(r"\son[a-z]+=", html)


def test_timeline_steps_by_month_over_a_year_or_more(client: TestClient, seeded: Session) -> None:
    doc = page(client, "/timeline?from=2024-08-01&to=2025-08-20")
    assert doc.find("select", name="step").find("option", selected="").attrs["value"] == "month"
    counts = counts_table(doc)
    assert list(counts)[:2] == ["2024-08-01", "2024-09-01"]
    assert counts["2025-08-20"]["All"] == "6"
