"""The Atom feed of position changes: valid Atom, change entries, filters, escaping."""

import xml.etree.ElementTree as ET
from datetime import date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.claims.service import retract_claim
from app.positions.feed import entry_title
from app.positions.service import change_feed
from tests.api_assertions import assert_problem
from tests.factories import make_claim, make_source

A = "{http://www.w3.org/2005/Atom}"


def feed(client: TestClient, url: str = "/feed.atom") -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{A}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{A}{name}") is not None
    assert root.find(f"{A}author/{A}name") is not None
    return root


def entries(root: ET.Element) -> list[dict[str, str]]:
    out = []
    for entry in root.findall(f"{A}entry"):
        link = entry.find(f"{A}link[@rel='alternate']")
        assert link is not None
        out.append(
            {
                "id": entry.findtext(f"{A}id", ""),
                "title": entry.findtext(f"{A}title", ""),
                "updated": entry.findtext(f"{A}updated", ""),
                "link": link.attrib["href"],
                "summary": entry.findtext(f"{A}summary", ""),
            }
        )
    return out


def test_feed_is_atom_with_an_entry_per_new_position(client: TestClient, seeded: Session) -> None:
    items = entries(feed(client))
    assert len(items) == 21
    titles = {i["title"] for i in items}
    assert "GB · ground forces: willing (new)" in titles
    assert "US · ground forces: ruled out (new)" in titles
    assert "RU · Multinational stabilization force plan: rejects (new)" in titles
    gb = next(i for i in items if i["title"] == "GB · ground forces: willing (new)")
    assert gb["id"].startswith("tag:testserver,2025:claims/")
    assert gb["link"].startswith("http://testserver/claims/")
    assert gb["summary"].startswith("“United Kingdom, France, and possibly Finland")
    assert "European newspaper" in gb["summary"]
    assert "2025-08-20" in gb["summary"]
    assert datetime.fromisoformat(gb["updated"].replace("Z", "+00:00")).tzinfo is not None
    assert len({i["id"] for i in items}) == 21


def test_feed_puts_a_changed_position_first_and_skips_a_repeat(
    client: TestClient, session: Session
) -> None:
    first = make_claim(session, status="considering")
    later = make_source(session, published_on=date(2025, 8, 25))
    changed = make_claim(session, source=later, status="willing")
    same = make_source(session, published_on=date(2025, 8, 26))
    make_claim(session, source=same, status="willing")
    items = entries(feed(client))
    assert [i["title"] for i in items] == [
        "GB · ground forces: willing (was considering)",
        "GB · ground forces: considering (new)",
    ]
    assert items[0]["link"] == f"http://testserver/claims/{changed.id}"
    assert items[1]["link"] == f"http://testserver/claims/{first.id}"


def test_feed_lists_retracted_claims(client: TestClient, session: Session) -> None:
    claim = make_claim(session)
    retract_claim(session, claim.id, "wrong actor")
    items = entries(feed(client))
    assert [i["title"] for i in items] == ["GB · ground forces: willing (claim retracted)"]
    assert items[0]["id"].endswith(f"claims/{claim.id}/retracted")
    assert "Retracted: wrong actor." in items[0]["summary"]


def test_feed_filters_by_actor_and_role(client: TestClient, seeded: Session) -> None:
    us = entries(feed(client, "/feed.atom?actor=US"))
    assert len(us) == 6
    assert all(i["title"].startswith("US · ") for i in us)
    ground = entries(feed(client, "/feed.atom?role=ground_forces"))
    assert len(ground) == 6
    assert all(" · ground forces: " in i["title"] for i in ground)
    both = entries(feed(client, "/feed.atom?actor=US&role=air_cover"))
    assert [i["title"] for i in both] == ["US · air cover: considering (new)"]
    root = feed(client, "/feed.atom?actor=US&role=air_cover")
    assert root.findtext(f"{A}title") == "Posture: position changes · US · air cover"


def test_feed_refuses_an_unknown_actor_as_a_problem(client: TestClient, seeded: Session) -> None:
    body = assert_problem(client.get("/feed.atom?actor=XQ"), 422, "actor")
    assert body["errors"][0]["message"] == "unknown actor 'XQ'"
    assert_problem(client.get("/feed.atom?role=cavalry"), 422, "role")


def test_feed_escapes_markup_in_the_evidence(client: TestClient, session: Session) -> None:
    text = "Source. GB <script>alert('x')</script> & is ready to send troops."
    source = make_source(session, text=text, title="<b>Bold</b> & co")
    make_claim(session, source=source, evidence={"text": "<script>alert('x')</script> &"})
    response = client.get("/feed.atom")
    assert "<script>" not in response.text
    assert "&lt;script&gt;" in response.text
    (item,) = entries(feed(client))
    assert item["summary"].startswith("“<script>alert('x')</script> &” (<b>Bold</b> & co,")


def test_pages_link_the_feed(client: TestClient, seeded: Session) -> None:
    assert 'href="/feed.atom"' in client.get("/").text
    assert 'href="/feed.atom?role=ground_forces"' in client.get("/timeline").text


def test_feed_marks_the_same_claims_as_the_actor_timeline(
    client: TestClient, session: Session
) -> None:
    make_claim(session, status="considering")
    make_claim(session, source=make_source(session, published_on=date(2025, 8, 22)))
    make_claim(session, source=make_source(session, published_on=date(2025, 8, 23)))
    make_claim(session, actor="GB", role="sanctions", status="pledged", review_state="proposed")
    timeline = client.get("/api/v1/actors/GB/timeline").json()["claims"]
    changed = {f"http://testserver/claims/{c['id']}" for c in timeline if c["changed"]}
    assert len(changed) == 2
    assert {i["link"] for i in entries(feed(client, "/feed.atom?actor=GB"))} == changed


def test_the_feed_walks_past_claims_that_moved_nothing(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Repeats of a position move nothing: the walk must go on past them, batch after
    # batch, and find the same entries whatever the batch size.
    statuses = ["considering", "willing", "willing", "willing", "pledged", "pledged", "pledged"]
    for day, status in enumerate(statuses, start=1):
        make_claim(session, status=status, source_fields={"published_on": date(2025, 8, day)})
    make_claim(session, actor="FR", status="willing")

    def titles() -> list[str]:
        return [entry_title(e) for e in change_feed(session, actor=None, role=None, limit=3)]

    whole = titles()
    monkeypatch.setattr("app.positions.service.FEED_BATCH", 2)
    assert titles() == whole
    assert sorted(whole) == [
        "FR · ground forces: willing (new)",
        "GB · ground forces: pledged (was willing)",
        "GB · ground forces: willing (was considering)",
    ]
