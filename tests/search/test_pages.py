"""The search page: one box over actors, initiatives, sources and evidence."""

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_actor, make_claim, make_initiative, make_source
from tests.page_assertions import claim_id, get_page, source_id, text_of


def test_search_over_the_seed_redirects_an_exact_actor_name_and_groups_the_rest(
    client: TestClient, seeded: Session
) -> None:
    for text in ("Kremlin", "kremlin", "RU", "Russian Federation"):
        response = client.get("/search", params={"q": text}, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/actors/RU"
    assert client.get("/search", params={"q": " Lavrov "}, follow_redirects=False).headers[
        "location"
    ] == ("/actors/sergei-lavrov")
    page = get_page(client, "/search", q="willingness")
    evidence = page[page.index('id="hits-evidence"') :]
    assert 'href="/actors/GB">United Kingdom</a>' in evidence
    assert f'href="/claims/{claim_id(client, "GB", role="ground_forces")}"' in evidence
    assert "have expressed their <mark>willingness</mark> to send troops" in evidence
    assert '<span class="swatch s-willing">' in evidence
    security = get_page(client, "/search", q="security guarantee")
    assert 'href="/initiatives/ukraine-security-guarantees"' in security
    assert "Evidence" in security
    outlet = get_page(client, "/search", q="european newspaper")
    assert f'href="/sources/{source_id(client, "Ten European countries")}"' in outlet


def test_empty_search_shows_the_empty_form(client: TestClient) -> None:
    for params in ({}, {"q": "   "}):
        page = get_page(client, "/search", **params)
        assert 'id="search-q"' in page
        assert 'id="search-results"' not in page
        assert "<title>Search · Posture</title>" in page


def test_search_matching_several_actors_lists_them_instead_of_redirecting(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", aliases=[{"alias": "The Isles"}])
    make_actor(session, "IE", aliases=[{"alias": "The Isles"}])
    page = get_page(client, "/search", q="the isles")
    actors = page[page.index('id="hits-actors"') :]
    assert 'href="/actors/GB"' in actors
    assert 'href="/actors/IE"' in actors


def test_search_finds_initiatives_sources_and_evidence_by_substring(
    client: TestClient, session: Session
) -> None:
    make_initiative(session, "reassurance-force", description="A force far from the front.")
    source = make_source(session, title="Troops for Kyiv", outlet="Daily Courier")
    make_claim(session, source=source)
    page = get_page(client, "/search", q="FRONT")
    assert 'href="/initiatives/reassurance-force"' in page
    courier = get_page(client, "/search", q="courier")
    assert f'href="/sources/{source.id}"' in courier
    troops = get_page(client, "/search", q="send troops")
    assert "ready to <mark>send troops</mark>" in troops
    assert "Nothing matches" in text_of(get_page(client, "/search", q="zebra crossing"))


def test_search_treats_wildcards_literally_and_escapes_what_it_shows(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB")
    assert "Nothing matches" in text_of(get_page(client, "/search", q="%"))
    assert "Nothing matches" in text_of(get_page(client, "/search", q="_"))
    script = "<script>alert(1)</script>"
    make_actor(session, "EVIL", kind="group", name=f"Evil {script}")
    make_actor(session, "EVIL2", kind="group", name=f"Evil two {script}")
    source = make_source(session, text=f"They said {script} is ready to send troops.")
    make_claim(session, source=source, evidence={"text": f"{script} is ready"})
    page = get_page(client, "/search", q=script)
    assert script not in page
    assert "Evil &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> is ready" in page


def test_dashboard_pages_stay_out_of_the_openapi_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for page in (
        "/actors",
        "/actors/{code}",
        "/actors/new",
        "/actors/{code}/edit",
        "/initiatives",
        "/initiatives/{slug}",
        "/initiatives/new",
        "/initiatives/{slug}/edit",
        "/sources",
        "/sources/{source_id}",
        "/sources/new",
        "/sources/{source_id}/edit",
        "/search",
    ):
        assert page not in paths
