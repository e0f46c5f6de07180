"""The initiative pages: list, stances and roles on one initiative, and the forms."""

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.initiatives import queries
from tests.factories import make_actor, make_claim, make_initiative, make_source
from tests.page_assertions import (
    claim_id,
    field_message,
    get_page,
    input_value,
    post_form,
    text_of,
)


@pytest.fixture
def client(editor_client: TestClient) -> TestClient:
    """The dashboard's forms are used by an editor signed in with a session cookie."""
    return editor_client


def test_initiative_pages_show_every_stance_with_evidence_and_who_fills_each_role(
    client: TestClient, seeded: Session
) -> None:
    listing = text_of(get_page(client, "/initiatives"))
    for name in ("Multinational stabilization force plan", "2022 Istanbul framework"):
        assert name in listing
    page = get_page(client, "/initiatives/stabilization-force-plan")
    text = text_of(page)
    assert "<title>Multinational stabilization force plan · Posture</title>" in page
    # Russia's stance, with its quote and the claim behind it.
    stances = page[page.index('id="stances-title"') : page.index('id="roles-title"')]
    assert 'href="/actors/RU">Russian Federation</a>' in stances
    assert '<span class="swatch s-rejects">' in stances
    assert "would be &#34;unacceptable&#34;" in stances
    rejects = claim_id(client, "RU", initiative="stabilization-force-plan")
    assert f'href="/claims/{rejects}"' in stances
    # The roles: ground forces by the UK, France (willing) and Finland (considering).
    roles = page[page.index('id="roles-title"') :]
    start = roles.index("ground forces")
    ground = roles[start : roles.index("</tr>", start)]
    for name in ("United Kingdom", "France", "Finland"):
        assert name in ground
    assert ground.count('<span class="swatch s-willing">') == 2
    assert ground.count('<span class="swatch s-considering">') == 1
    assert "intelligence" in roles
    assert "arms supply" in roles
    assert 'href="/initiatives/stabilization-force-plan/edit"' in page
    assert "Security guarantee plan reported by Bloomberg" in text


def test_initiative_roles_show_each_actors_latest_counting_claim(
    client: TestClient, session: Session
) -> None:
    make_initiative(session, "coalition-plan")
    earlier = make_source(session, published_on=date(2025, 8, 10))
    make_claim(session, source=earlier, initiative="coalition-plan", status="considering")
    latest = make_claim(session, initiative="coalition-plan", status="pledged")
    make_claim(session, initiative="coalition-plan", status="active", review_state="proposed")
    page = get_page(client, "/initiatives/coalition-plan")
    roles = page[page.index('id="roles-title"') :]
    assert roles.count('href="/actors/GB"') == 1
    assert '<span class="swatch s-pledged">' in roles
    assert f'href="/claims/{latest.id}"' in roles
    assert "s-considering" not in roles
    assert "s-active" not in roles
    assert "No actor has an accepted stance" in page


def test_unknown_initiative_is_an_html_404(client: TestClient) -> None:
    page = get_page(client, "/initiatives/no-such-plan", status=404)
    assert "No initiative has the slug &#39;no-such-plan&#39;." in page
    get_page(client, "/initiatives/no-such-plan/edit", status=404)


def test_new_initiative_form_creates_it_and_redirects(client: TestClient, session: Session) -> None:
    make_actor(session, "FR")
    assert "Create initiative" in get_page(client, "/initiatives/new")
    response = post_form(
        client,
        "/initiatives/new",
        {
            "slug": "coalition-of-the-willing",
            "name": "Coalition of the willing",
            "description": "A reassurance force.\r\nLed by France and the UK.",
            "proposer": "FR",
            "first_reported_on": "2025-03-02",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/initiatives/coalition-of-the-willing"
    stored = client.get("/api/v1/initiatives/coalition-of-the-willing").json()
    assert stored["proposer"] == "FR"
    assert stored["first_reported_on"] == "2025-03-02"
    assert stored["description"] == "A reassurance force.\nLed by France and the UK."
    assert "Coalition of the willing" in text_of(get_page(client, "/initiatives"))


def test_new_initiative_with_bad_input_shows_each_message_beside_its_field(
    client: TestClient, session: Session
) -> None:
    bad = post_form(client, "/initiatives/new", {"slug": "Bad Slug", "name": ""})
    assert bad.status_code == 422
    assert field_message(bad.text, "slug").startswith("String should match pattern")
    assert field_message(bad.text, "name") == "Field required"
    assert input_value(bad.text, "slug") == "Bad Slug"
    unknown = post_form(
        client, "/initiatives/new", {"slug": "a-plan", "name": "A plan", "proposer": "XQ"}
    )
    assert unknown.status_code == 422
    assert field_message(unknown.text, "proposer") == "unknown actor 'XQ'"
    assert input_value(unknown.text, "name") == "A plan"
    assert queries.initiative_by_slug(session, "a-plan") is None


def test_edit_initiative_saves_changes_and_refuses_an_empty_name(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "US")
    make_initiative(session, "peace-plan", description="Draft.", proposer="US")
    form = get_page(client, "/initiatives/peace-plan/edit")
    assert input_value(form, "proposer") == "US"
    refused = post_form(client, "/initiatives/peace-plan/edit", {"name": "", "proposer": "US"})
    assert refused.status_code == 422
    assert field_message(refused.text, "name") == "cannot be empty"
    assert client.get("/api/v1/initiatives/peace-plan").json()["name"] == "Peace Plan"
    saved = post_form(
        client,
        "/initiatives/peace-plan/edit",
        {"name": "Peace plan, second draft", "description": "", "proposer": ""},
    )
    assert saved.status_code == 303
    stored = client.get("/api/v1/initiatives/peace-plan").json()
    assert stored["name"] == "Peace plan, second draft"
    assert stored["description"] is None
    assert stored["proposer"] is None


def test_initiative_names_and_evidence_are_escaped(client: TestClient, session: Session) -> None:
    script = "<script>alert(1)</script>"
    make_initiative(session, "evil-plan", name=f"Plan {script}")
    source = make_source(session, text=f"Britain says {script} is fine.")
    make_claim(
        session,
        source=source,
        kind="stance",
        initiative="evil-plan",
        stance="supports",
        evidence={"text": f"{script} is fine"},
    )
    for page in (get_page(client, "/initiatives/evil-plan"), get_page(client, "/initiatives")):
        assert script not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
