"""The claim pages: evidence in its sentence, and new, edit and retract forms that write
through the same rules as the API and write nothing when a rule fails."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.milestones.models import Milestone
from tests.conftest import SEED_ARTICLE, seed_text
from tests.factories import make_actor, make_claim, make_initiative, make_source
from tests.html_tree import Node, parse
from tests.page_assertions import csrf_token, form_version


@pytest.fixture
def client(editor_client: TestClient) -> TestClient:
    """The dashboard's forms are used by an editor signed in with a session cookie."""
    return editor_client


TEXT = "Reports say Poland is ready to provide logistics. Warsaw denies any combat role."


def page(client: TestClient, url: str, status: int = 200) -> Node:
    response = client.get(url)
    assert response.status_code == status, response.text
    return parse(response.text)


def post(client: TestClient, url: str, data: dict[str, str], status: int) -> Any:
    # As a browser does: with the CSRF token the form's page holds.
    data = {**form_version(client, url), **data, "csrf_token": csrf_token(client, url)}
    response = client.post(url, data=data, follow_redirects=False)
    assert response.status_code == status, response.text
    return response


def claim_count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Claim)) or 0)


def form_data(source_id: int, **overrides: str) -> dict[str, str]:
    """Every input of the claim form, as a browser sends it (empty inputs included)."""
    data = {
        "actor": "PL",
        "kind": "commitment",
        "role": "logistics",
        "status": "willing",
        "initiative": "",
        "stance": "",
        "conditions": "",
        "limits": "",
        "quantity_amount": "",
        "quantity_unit": "",
        "certainty": "medium",
        "basis": "report",
        "speaker": "",
        "reported_by": "",
        "via": "",
        "stated_on": "2025-08-20",
        "source_id": str(source_id),
        "evidence_text": "Poland is ready to provide logistics",
        "evidence_start": "",
        "evidence_end": "",
        "note": "",
        "review_state": "proposed",
    }
    return data | overrides


@pytest.fixture
def source_id(session: Session) -> int:
    make_actor(session, "PL")
    return make_source(session, text=TEXT).id


def error_beside(doc: Node, name: str) -> str:
    """The message shown beside an input, checking that the input points at it."""
    field = doc.by_id(name)
    assert field.attrs["aria-invalid"] == "true"
    assert f"{name}-error" in field.attrs["aria-describedby"].split()
    return doc.by_id(f"{name}-error").text()


def test_claim_page_highlights_the_evidence_in_its_sentence(
    client: TestClient, seeded: Session
) -> None:
    seed_text(SEED_ARTICLE)  # the sentence around the span: skips without ../shared
    claim = client.get("/api/v1/claims", params={"actor": "US", "role": "ground_forces"}).json()
    item = claim["items"][0]
    doc = page(client, f"/claims/{item['id']}")
    quote = doc.find("blockquote", class_="evidence")
    assert quote.find("mark").text() == " ".join(item["evidence"]["text"].split())
    # The sentence around the span is shown too, not only the span.
    assert len(quote.text()) > len(quote.find("mark").text())
    assert doc.find("a", href=f"/claims/new?source_id={item['source']['id']}")
    assert doc.find("a", href=f"/claims/{item['id']}/edit")
    assert doc.find("title").text() == f"Claim {item['id']} · Posture"


def test_new_claim_form_prefills_the_source_and_its_date(
    client: TestClient, session: Session, source_id: int
) -> None:
    doc = page(client, f"/claims/new?source_id={source_id}")
    assert doc.by_id("source_id").attrs["value"] == str(source_id)
    assert doc.by_id("stated_on").attrs["value"] == "2025-08-20"
    assert doc.find("form", action="/claims/new").attrs["method"] == "post"
    labels = {label.attrs["for"] for label in doc.find_all("label")}
    controls = {
        n.attrs["id"]
        for n in doc.iter()
        if n.tag in ("input", "select", "textarea") and "id" in n.attrs
    }
    assert controls - {"site-search"} <= labels
    assert doc.find("title").text() == "New claim · Posture"


def test_new_claim_form_records_a_valid_claim_and_redirects_to_it(
    client: TestClient, session: Session, source_id: int
) -> None:
    data = form_data(
        source_id,
        conditions="ceasefire: if there is an effective cessation\r\npeace agreement: once signed",
        quantity_amount="500",
        quantity_unit="trucks",
        via="Reuters, AFP",
    )
    response = post(client, "/claims/new", data, 303)
    claim = client.get(response.headers["location"].replace("/claims/", "/api/v1/claims/")).json()
    assert (claim["actor"], claim["role"], claim["status"], claim["certainty"]) == (
        "PL",
        "logistics",
        "willing",
        "medium",
    )
    assert claim["conditional"] is True
    assert [c["type"] for c in claim["conditions"]] == ["ceasefire", "peace_agreement"]
    assert claim["via"] == ["Reuters", "AFP"]
    assert (claim["quantity"]["unit"], claim["evidence"]["start"]) == ("trucks", 12)
    assert response.headers["location"] == f"/claims/{claim['id']}"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"actor": "XQ"}, "actor", "unknown actor 'XQ'"),
        (
            {"evidence_text": "Poland will send tanks"},
            "evidence_text",
            "not found verbatim in the text of source",
        ),
        ({"status": ""}, "status", "a commitment needs a status"),
        (
            {"conditions": "sunshine: if it is sunny"},
            "conditions",
            "line 1 (type): Input should be",
        ),
        ({"quantity_unit": "trucks"}, "quantity_amount", "Field required"),
        ({"basis": ""}, "basis", "Field required"),
    ],
)
def test_new_claim_form_shows_each_problem_beside_its_input_and_writes_nothing(
    client: TestClient,
    session: Session,
    source_id: int,
    overrides: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = claim_count(session)
    response = post(client, "/claims/new", form_data(source_id, **overrides), 422)
    doc = parse(response.text)
    assert message in error_beside(doc, field)
    summary = doc.find("div", class_="error-summary")
    assert summary.find("a", href=f"#{field}")
    assert message in summary.text()
    # What was typed is kept.
    assert doc.by_id("actor").attrs["value"] == overrides.get("actor", "PL")
    assert "Poland" in doc.by_id("evidence_text").text()
    assert claim_count(session) == before


def test_new_claim_form_lists_every_problem_at_once(
    client: TestClient, session: Session, source_id: int
) -> None:
    data = form_data(source_id, actor="XQ", status="", evidence_text="not in the text")
    doc = parse(post(client, "/claims/new", data, 422).text)
    assert [a.attrs["href"] for a in doc.find("div", class_="error-summary").find_all("a")] == [
        "#actor",
        "#status",
        "#evidence_text",
    ]


def test_edit_form_shows_the_claim_and_saves_changes(client: TestClient, session: Session) -> None:
    make_initiative(session, "peace-framework")
    claim = make_claim(
        session,
        conditions=[{"type": "ceasefire", "text": "after a ceasefire"}],
        via=["Reuters"],
        limits="no combat",
    )
    doc = page(client, f"/claims/{claim.id}/edit")
    assert doc.by_id("actor").attrs["value"] == "GB"
    assert doc.by_id("status").find("option", selected="").attrs["value"] == "willing"
    assert doc.by_id("conditions").text() == "ceasefire: after a ceasefire"
    assert doc.by_id("via").attrs["value"] == "Reuters"
    assert doc.by_id("evidence_text").text() == "ready to send troops"
    values = {
        "actor": "GB",
        "kind": "commitment",
        "role": "ground_forces",
        "status": "pledged",
        "initiative": "peace-framework",
        "conditions": "",
        "limits": "",
        "certainty": "high",
        "basis": "statement",
        "stated_on": "2025-08-20",
        "source_id": str(claim.source_id),
        "evidence_text": "ready to send troops",
        "evidence_start": doc.by_id("evidence_start").attrs["value"],
        "evidence_end": doc.by_id("evidence_end").attrs["value"],
        "review_state": "accepted",
    }
    response = post(client, f"/claims/{claim.id}/edit", values, 303)
    assert response.headers["location"] == f"/claims/{claim.id}"
    saved = client.get(f"/api/v1/claims/{claim.id}").json()
    assert (saved["status"], saved["initiative"], saved["version"]) == (
        "pledged",
        "peace-framework",
        2,
    )
    # Emptied inputs clear their fields: the form holds the whole claim.
    assert (saved["conditions"], saved["conditional"], saved["limits"]) == ([], False, None)
    assert saved["via"] == []


def test_edit_form_refuses_a_bad_change_and_keeps_the_claim(
    client: TestClient, session: Session
) -> None:
    claim = make_claim(session)
    data = form_data(
        claim.source_id, actor="GB", kind="stance", status="willing", review_state="accepted"
    )
    doc = parse(post(client, f"/claims/{claim.id}/edit", data, 422).text)
    assert error_beside(doc, "initiative") == "a stance needs an initiative"
    assert "a stance has a stance value, not a status" in error_beside(doc, "status")
    assert doc.by_id("kind").find("option", selected="").attrs["value"] == "stance"
    saved = client.get(f"/api/v1/claims/{claim.id}").json()
    assert (saved["kind"], saved["version"]) == ("commitment", 1)


def test_edit_form_of_an_unknown_claim_is_404(client: TestClient, session: Session) -> None:
    page(client, "/claims/999999/edit", status=404)


def test_retract_asks_a_reason_then_retracts(client: TestClient, session: Session) -> None:
    claim = make_claim(session)
    doc = page(client, f"/claims/{claim.id}/retract")
    assert doc.find("label", **{"for": "reason"})
    doc = parse(post(client, f"/claims/{claim.id}/retract", {"reason": "  "}, 422).text)
    assert error_beside(doc, "reason") == "Field required"
    assert client.get(f"/api/v1/claims/{claim.id}").json()["retracted"] is False
    response = post(client, f"/claims/{claim.id}/retract", {"reason": "misread the source"}, 303)
    assert response.headers["location"] == f"/claims/{claim.id}"
    saved = client.get(f"/api/v1/claims/{claim.id}").json()
    assert (saved["retracted"], saved["retraction_reason"]) == (True, "misread the source")
    detail = page(client, f"/claims/{claim.id}")
    assert "Retracted" in detail.text()
    assert not detail.find_all("a", href=f"/claims/{claim.id}/edit")
    # A retracted claim can change no more.
    assert "cannot be changed" in page(client, f"/claims/{claim.id}/edit", status=409).text()
    post(client, f"/claims/{claim.id}/retract", {"reason": "again"}, 409)


def test_an_editor_cannot_record_a_claim_as_accepted_and_is_told_beside_the_field(
    client: TestClient, session: Session, source_id: int
) -> None:
    before = claim_count(session)

    response = post(client, "/claims/new", form_data(source_id, review_state="accepted"), 403)

    assert "reviewer" in error_beside(parse(response.text), "review_state")
    assert claim_count(session) == before


def test_the_new_claim_form_offers_an_editor_no_review_state_but_proposed(
    client: TestClient, session: Session, source_id: int
) -> None:
    doc = page(client, f"/claims/new?source_id={source_id}")

    options = [o.attrs["value"] for o in doc.by_id("review_state").find_all("option")]
    assert options == ["proposed"]


def test_the_claim_form_links_conditions_to_a_milestone_and_a_position(
    client: TestClient, session: Session, source_id: int
) -> None:
    make_actor(session, "US")
    session.add(Milestone(slug="ukraine-ceasefire", name="Ceasefire", condition_type="ceasefire"))
    session.flush()
    conditions = (
        "ceasefire: if there is an effective cessation [milestone: ukraine-ceasefire]\r\n"
        "us backstop: only with US support [requires: US air_cover pledged]"
    )
    response = post(client, "/claims/new", form_data(source_id, conditions=conditions), 303)
    claim = client.get(response.headers["location"].replace("/claims/", "/api/v1/claims/")).json()
    assert [(c["type"], c["text"], c["milestone"]) for c in claim["conditions"]] == [
        ("ceasefire", "if there is an effective cessation", "ukraine-ceasefire"),
        ("us_backstop", "only with US support", None),
    ]
    assert claim["conditions"][1]["requires"] == {
        "actor": "US",
        "role": "air_cover",
        "status_at_least": "pledged",
    }
    # The edit form writes the links back as it reads them.
    edit = page(client, f"/claims/{claim['id']}/edit")
    assert edit.by_id("conditions").text() == (
        "ceasefire: if there is an effective cessation [milestone: ukraine-ceasefire] "
        "us_backstop: only with US support [requires: US air_cover pledged]"
    )
    detail = page(client, f"/claims/{claim['id']}")
    assert detail.find("a", href="/milestones/ukraine-ceasefire")

    bad = form_data(source_id, conditions="ceasefire: after a truce [milestone: no-such]")
    doc = parse(post(client, "/claims/new", bad, 422).text)
    assert "unknown milestone 'no-such'" in error_beside(doc, "conditions")
