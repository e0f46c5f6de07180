"""The actor pages: list, detail with positions and history, and the forms."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.actors import queries
from tests.factories import make_actor, make_claim, make_source
from tests.page_assertions import (
    claim_id,
    csrf_token,
    field_message,
    get_page,
    input_value,
    post_form,
    summary,
    text_of,
)


@pytest.fixture
def client(editor_client: TestClient) -> TestClient:
    """The dashboard's forms are used by an editor signed in with a session cookie."""
    return editor_client


def test_actor_page_shows_stances_history_speakers_and_links(
    client: TestClient, seeded: Session
) -> None:
    page = get_page(client, "/actors/RU")
    text = text_of(page)
    assert "Russian Federation" in text
    # Current stances, with badges (symbol and label) and links to the deciding claims.
    assert "Security guarantees for Ukraine" in text
    assert '<span class="swatch s-conditional">' in page
    assert '<span class="swatch s-rejects">' in page
    assert "Rejects" in text
    rejects = claim_id(client, "RU", initiative="stabilization-force-plan")
    assert f'href="/claims/{rejects}"' in page
    assert "ability to veto them" in text
    # The speakers and their offices.
    assert 'href="/actors/sergei-lavrov">Sergei Lavrov</a>' in page
    assert "Minister of Foreign Affairs" in text
    assert "Vladimir Putin" in text
    # Memberships, aliases and the links out.
    assert 'href="/actors/UNSC"' in page
    assert "Kremlin" in text
    assert 'href="/actors/RU/edit"' in page
    assert 'href="/api/v1/actors/RU"' in page
    assert 'href="/feed.atom?actor=RU"' in page
    assert "<title>Russian Federation · Posture</title>" in page


def test_actor_pages_show_roles_members_and_a_persons_offices(
    client: TestClient, seeded: Session
) -> None:
    gb = text_of(get_page(client, "/actors/GB"))
    assert "ground forces" in gb
    assert "sanctions" in gb
    assert "Willing" in gb
    assert "cond." in gb
    assert "Tony Radakin" in gb
    assert "North Atlantic Treaty Organization" in gb
    nato = get_page(client, "/actors/NATO")
    assert "Members" in nato
    assert 'href="/actors/GB">United Kingdom</a>' in nato
    lavrov = text_of(get_page(client, "/actors/sergei-lavrov"))
    assert "Offices" in lavrov
    assert "Minister of Foreign Affairs" in lavrov
    assert "Russian Federation" in lavrov


def test_actor_history_marks_the_claim_that_changed_a_position(
    client: TestClient, session: Session
) -> None:
    earlier = make_source(session, published_on="2025-08-10")
    make_claim(session, source=earlier, status="considering")
    make_claim(session, status="willing")
    page = get_page(client, "/actors/GB")
    history = page[page.index('id="history-title"') :]
    assert history.index("2025-08-10") < history.index("2025-08-20")
    assert "first position" in history
    assert "changed from considering" in history
    assert history.count('class="changed"') == 2
    assert "current" in text_of(history)


def test_actor_list_searches_filters_by_kind_and_pages(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR", aliases=[{"alias": "Paris", "kind": "capital"}])
    for code in ("GB", "DE", "FI"):
        make_actor(session, code)
    make_actor(session, "NATO", kind="organization", name="North Atlantic Treaty Organization")
    found = get_page(client, "/actors", q="paris")
    assert 'href="/actors/FR"' in found
    assert 'href="/actors/GB"' not in found
    organizations = get_page(client, "/actors", kind="organization")
    assert 'href="/actors/NATO"' in organizations
    assert 'href="/actors/FR"' not in organizations
    first = get_page(client, "/actors", limit="2")
    assert "1\N{EN DASH}2 of 5 actors" in text_of(first)
    assert 'rel="next" href="/actors?offset=2&amp;limit=2"' in first
    last = get_page(client, "/actors", limit="2", offset="4")
    assert "5\N{EN DASH}5 of 5 actors" in text_of(last)
    assert 'href="/actors/NATO"' in last
    assert 'rel="next"' not in last


def test_unknown_actor_is_an_html_404(client: TestClient) -> None:
    page = get_page(client, "/actors/XQ", status=404)
    assert "No actor has the code &#39;XQ&#39;." in page
    get_page(client, "/actors/XQ/edit", status=404)


def test_new_actor_form_creates_the_actor_and_redirects_to_it(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "NATO", kind="organization", name="North Atlantic Treaty Organization")
    assert "Create actor" in get_page(client, "/actors/new")
    response = post_form(
        client,
        "/actors/new",
        {
            "code": "PL",
            "kind": "state",
            "name": "",
            "description": "A NATO member since 1999.",
            "aliases": "Warsaw | capital\r\n\r\nPoles | demonym\r\nPoland",
            "memberships": "NATO 1999-03-12",
            "affiliations": "",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/actors/PL"
    actor = client.get("/api/v1/actors/PL").json()
    assert actor["name"] == "Poland"
    assert [(a["alias"], a["kind"]) for a in actor["aliases"]] == [
        ("Warsaw", "capital"),
        ("Poles", "demonym"),
        ("Poland", "name"),
    ]
    assert [(m["group"], m["from_on"]) for m in actor["memberships"]] == [("NATO", "1999-03-12")]


def test_new_person_form_records_the_office(client: TestClient, session: Session) -> None:
    make_actor(session, "PL")
    response = post_form(
        client,
        "/actors/new",
        {
            "code": "radoslaw-sikorski",
            "kind": "person",
            "name": "Radosław Sikorski",
            "affiliations": "PL | Minister of Foreign Affairs | 2023-12-13",
        },
    )
    assert response.status_code == 303
    page = text_of(get_page(client, "/actors/PL"))
    assert "Radosław Sikorski" in page
    assert "Minister of Foreign Affairs" in page


def test_new_actor_with_an_unknown_group_shows_the_error_beside_memberships_and_writes_nothing(
    client: TestClient, session: Session
) -> None:
    response = post_form(
        client,
        "/actors/new",
        {
            "code": "PL",
            "kind": "state",
            "aliases": "Warsaw",
            "memberships": "XGROUP 1999-03-12\r\n\r\nYGROUP",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert field_message(page, "memberships") == (
        "line 1: unknown actor 'XGROUP'; line 3: unknown actor 'YGROUP'"
    )
    assert "line 1: unknown actor 'XGROUP'" in summary(page)
    assert input_value(page, "code") == "PL"
    assert input_value(page, "memberships") == "XGROUP 1999-03-12\n\nYGROUP"
    assert queries.actor_by_code(session, "PL") is None


def test_new_actor_with_a_state_code_that_is_not_iso_shows_the_services_message(
    client: TestClient, session: Session
) -> None:
    response = post_form(client, "/actors/new", {"code": "XQ", "kind": "state", "name": "Nowhere"})
    assert response.status_code == 422
    api = client.post(
        "/api/v1/actors",
        json={"code": "XQ", "kind": "state", "name": "Nowhere"},
        headers={"X-CSRF-Token": csrf_token(client)},
    )
    expected = api.json()["errors"][0]["message"]
    assert field_message(response.text, "code") == expected
    assert expected == "'XQ' is not an ISO 3166-1 alpha-2 country code"
    assert input_value(response.text, "name") == "Nowhere"
    assert queries.actor_by_code(session, "XQ") is None


def test_new_actor_with_a_taken_code_or_a_bad_line_is_refused(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    taken = post_form(client, "/actors/new", {"code": "GB", "kind": "state"})
    assert taken.status_code == 409
    assert field_message(taken.text, "code") == "already taken"
    bad_line = post_form(
        client, "/actors/new", {"code": "PL", "kind": "state", "memberships": "NATO 1 2 3"}
    )
    assert bad_line.status_code == 422
    assert field_message(bad_line.text, "memberships").startswith("line 1: write 'GROUP from_on")
    bad_kind = post_form(
        client, "/actors/new", {"code": "PL", "kind": "state", "aliases": "Warsaw | city"}
    )
    assert bad_kind.status_code == 422
    assert field_message(bad_kind.text, "aliases").startswith("line 1: Input should be 'name'")
    assert queries.actor_by_code(session, "PL") is None


def test_edit_actor_form_shows_the_stored_values_and_saves_changes(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "NATO", kind="organization", name="North Atlantic Treaty Organization")
    make_actor(
        session,
        "GB",
        description="An island state.",
        aliases=[{"alias": "London", "kind": "capital"}, {"alias": "UK"}],
        memberships=[{"group": "NATO", "from_on": "1949-08-24"}],
    )
    form = get_page(client, "/actors/GB/edit")
    assert input_value(form, "aliases") == "London | capital\nUK"
    assert input_value(form, "memberships") == "NATO 1949-08-24"
    response = post_form(
        client,
        "/actors/GB/edit",
        {"name": "Britain", "description": "", "aliases": "", "memberships": "NATO 1949-08-24"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/actors/GB"
    actor = client.get("/api/v1/actors/GB").json()
    assert actor["name"] == "Britain"
    assert actor["description"] is None
    assert actor["aliases"] == []
    assert [m["group"] for m in actor["memberships"]] == ["NATO"]


def test_edit_actor_with_an_empty_name_or_unknown_group_changes_nothing(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", aliases=[{"alias": "UK"}])
    empty_name = post_form(client, "/actors/GB/edit", {"name": "", "aliases": "Albion"})
    assert empty_name.status_code == 422
    assert field_message(empty_name.text, "name") == "cannot be empty"
    unknown = post_form(
        client,
        "/actors/GB/edit",
        {"name": "Britain", "aliases": "Albion", "memberships": "XGROUP 2000-01-01"},
    )
    assert unknown.status_code == 422
    assert field_message(unknown.text, "memberships") == "line 1: unknown actor 'XGROUP'"
    actor = client.get("/api/v1/actors/GB").json()
    assert actor["name"] == "United Kingdom"
    assert [a["alias"] for a in actor["aliases"]] == ["UK"]


def test_actor_names_and_evidence_are_escaped(client: TestClient, session: Session) -> None:
    script = "<script>alert(1)</script>"
    make_actor(session, "EVIL", kind="group", name=f"Group {script}", description=script)
    source = make_source(session, text=f"The group said {script} is ready to send troops.")
    make_claim(session, actor="EVIL", source=source, evidence={"text": f"{script} is ready"})
    for page in (
        get_page(client, "/actors/EVIL"),
        get_page(client, "/actors", q="EVIL"),
        get_page(client, "/actors/EVIL/edit"),
    ):
        assert script not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
