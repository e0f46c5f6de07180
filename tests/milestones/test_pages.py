"""The milestone pages: the list with each state today, one milestone's history with its
evidence, and the editors' forms (errors beside the field)."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.milestones.helpers import (
    MILESTONES,
    make_milestone,
    post_state,
    quoting_source,
    state_body,
)
from tests.page_assertions import field_message, get_page, input_value, post_form, text_of


@pytest.fixture
def client(editor_client: TestClient) -> TestClient:
    """The dashboard's forms are used by an editor signed in with a session cookie."""
    return editor_client


def test_the_seed_milestones_are_listed_pending_with_their_evidence(
    client: TestClient, seeded: Session
) -> None:
    listing = get_page(client, "/milestones")
    text = text_of(listing)
    for name in ("Peace agreement between Ukraine and Russia", "Ceasefire in Ukraine"):
        assert name in text
    assert text.count("Pending since 2025-08-20") == 2
    assert 'href="/milestones/ukraine-ceasefire"' in listing
    page = get_page(client, "/milestones/ukraine-peace-agreement")
    history = text_of(page[page.index('id="history-title"') :])
    assert "Pending from 2025-08-20" in history
    assert "“contingent on the signing of a peace agreement with Russia”" in history
    assert "Ten European countries are preparing to send troops" in history
    assert 'href="/sources/' in page
    # The nav links the list; an editor gets the form to add a state.
    assert '<a href="/milestones">Milestones</a>' in get_page(client, "/")
    assert "Add the state" in page


def test_an_editor_adds_a_state_and_sees_it_in_the_history(
    client: TestClient, session: Session
) -> None:
    source = quoting_source(session, title="Geneva wire")
    make_milestone(session)
    response = post_state(
        client,
        "gaza-ceasefire",
        {
            "state": "met",
            "from_on": "2025-09-08",
            "source_id": str(source.id),
            "evidence_text": "A ceasefire took effect on Monday",
            "note": "",
        },
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].startswith("/milestones/gaza-ceasefire")
    page = get_page(client, "/milestones/gaza-ceasefire")
    history = text_of(page[page.index('id="history-title"') :])
    assert "Met from 2025-09-08 “A ceasefire took effect on Monday” Geneva wire" in history
    assert "Met since 2025-09-08" in text_of(page)
    stored = client.get(f"{MILESTONES}/gaza-ceasefire").json()
    assert (stored["version"], stored["state"]) == (2, "met")
    assert "Met since 2025-09-08" in text_of(get_page(client, "/milestones"))


def test_a_refused_state_shows_the_message_beside_its_field_and_adds_nothing(
    client: TestClient, session: Session
) -> None:
    source = quoting_source(session)
    make_milestone(session, source.id)
    good = {
        "state": "failed",
        "from_on": "2025-09-12",
        "source_id": str(source.id),
        "evidence_text": "the ceasefire collapsed on Friday",
    }
    cases = [
        ({"evidence_text": "a truce held"}, "evidence_text", "not found verbatim"),
        ({"from_on": "2025-09-08"}, "from_on", "one state per date"),
        ({"source_id": str(source.id + 1000)}, "source_id", "unknown source"),
        ({"from_on": ""}, "from_on", "Field required"),
        ({"state": "signed"}, "state", "pending"),
    ]
    for change, field, reason in cases:
        refused = post_state(client, "gaza-ceasefire", {**good, **change})
        assert refused.status_code == 422, (field, refused.text[:500])
        assert reason in field_message(refused.text, field)
        assert input_value(refused.text, "evidence_text") == {**good, **change}["evidence_text"]
    stored = client.get(f"{MILESTONES}/gaza-ceasefire").json()
    assert (stored["version"], len(stored["states"])) == (1, 1)


def test_a_state_added_from_a_page_opened_before_a_change_is_refused(
    client: TestClient, session: Session
) -> None:
    source = quoting_source(session)
    make_milestone(session)
    fields = {
        "state": "met",
        "from_on": "2025-09-08",
        "source_id": str(source.id),
        "evidence_text": "A ceasefire took effect on Monday",
    }
    assert post_state(client, "gaza-ceasefire", fields).status_code == 303
    stale = post_state(
        client, "gaza-ceasefire", {**fields, "from_on": "2025-09-09", "version": "1"}
    )
    assert stale.status_code == 409
    assert "Someone changed this milestone" in text_of(stale.text)
    assert len(client.get(f"{MILESTONES}/gaza-ceasefire").json()["states"]) == 1


def test_new_and_edit_forms_save_and_show_errors_beside_the_field(
    client: TestClient, session: Session
) -> None:
    assert "Create milestone" in get_page(client, "/milestones/new")
    bad = post_form(client, "/milestones/new", {"slug": "Bad Slug", "name": "UN mandate"})
    assert bad.status_code == 422
    assert field_message(bad.text, "slug").startswith("String should match pattern")
    assert field_message(bad.text, "condition_type") == "Field required"
    created = post_form(
        client,
        "/milestones/new",
        {"slug": "un-mandate", "name": "UN mandate", "condition_type": "other"},
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/milestones/un-mandate"
    refused = post_form(
        client, "/milestones/un-mandate/edit", {"name": "", "condition_type": "other"}
    )
    assert refused.status_code == 422
    assert field_message(refused.text, "name") == "cannot be empty"
    saved = post_form(
        client,
        "/milestones/un-mandate/edit",
        {
            "name": "UN Security Council mandate",
            "condition_type": "other",
            "description": "A vote.",
        },
    )
    assert saved.status_code == 303
    stored = client.get(f"{MILESTONES}/un-mandate").json()
    assert (stored["name"], stored["description"], stored["version"]) == (
        "UN Security Council mandate",
        "A vote.",
        2,
    )


def test_visitors_see_no_form_and_cannot_add_a_state(
    anonymous_client: TestClient, session: Session
) -> None:
    source = quoting_source(session)
    make_milestone(session, source.id)
    page = get_page(anonymous_client, "/milestones/gaza-ceasefire")
    assert "Add the state" not in page
    assert 'href="/milestones/gaza-ceasefire/edit"' not in page
    response = anonymous_client.post(
        "/milestones/gaza-ceasefire/states",
        data={**{k: str(v) for k, v in state_body(source.id).items()}, "version": "1"},
        follow_redirects=False,
    )
    # A visitor is sent to sign in first.
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in?next=")
    assert len(anonymous_client.get(f"{MILESTONES}/gaza-ceasefire").json()["states"]) == 1


def test_unknown_milestone_is_an_html_404(client: TestClient) -> None:
    page = get_page(client, "/milestones/no-such", status=404)
    assert "No milestone has the slug &#39;no-such&#39;." in page


def test_milestone_names_and_evidence_are_escaped(client: TestClient, session: Session) -> None:
    script = "<script>alert(1)</script>"
    source = quoting_source(session, text=f"Observers say {script} held.")
    make_milestone(
        session,
        source.id,
        name=f"Truce {script}",
        states=[state_body(source.id, evidence_text=f"{script} held")],
    )
    for page in (get_page(client, "/milestones/gaza-ceasefire"), get_page(client, "/milestones")):
        assert script not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
