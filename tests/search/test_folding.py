"""Names beyond ASCII: lookups fold case and accents, and both databases fold alike."""

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.folding import find, fold, fold_table
from tests.factories import make_actor, make_claim, make_source
from tests.page_assertions import get_page

ACTORS = "/api/v1/actors"


def test_the_database_folds_every_character_of_the_table_as_python_does(engine: Engine) -> None:
    samples = [
        *fold_table(),
        "Élysée",
        "ÉLYSÉE Palace",
        "Côte d\u2019Ivoire",
        "Türkiye",
        "Straße",
        "Łódź",
        "Ærø",
        "Ёлка",
        "Москва",
        "Ελλάδα",
        "Bundeswehr",
        "naïve \u2013 café",
    ]
    with engine.connect() as conn:
        stored = [
            conn.execute(text("SELECT posture_fold(:s)"), {"s": s}).scalar_one() for s in samples
        ]
        assert conn.execute(text("SELECT posture_fold(NULL)")).scalar_one() is None
    assert stored == [fold(s) for s in samples]


def test_fold_reads_accents_case_and_typographic_apostrophes() -> None:
    assert fold("Élysée") == fold("ELYSEE") == fold("elysee") == "elysee"
    assert fold("Côte d\u2019Ivoire") == fold("Cote d'Ivoire") == "cote d'ivoire"
    assert fold("Türkiye") == "turkiye"
    assert fold("Straße") == "strasse"
    assert find("Die Straße nach Élysée", "STRASSE nach elysee") == (4, 22)
    assert find("Élysée", "Kremlin") is None


def test_actor_lookup_finds_names_with_or_without_their_accents(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR", name="France", aliases=[{"alias": "Élysée", "kind": "seat"}])
    make_actor(session, "CI", name="Côte d'Ivoire", aliases=[{"alias": "Ivory Coast"}])
    make_actor(session, "TR", name="Türkiye")
    make_actor(session, "GB", name="United Kingdom")

    def found(q: str) -> list[str]:
        response = client.get(ACTORS, params={"q": q})
        assert response.status_code == 200, response.text
        return [a["code"] for a in response.json()["items"]]

    for q in ("Élysée", "elysee", "ELYSÉE", "Elysee"):
        assert found(q) == ["FR"], q
    for q in ("Cote d'Ivoire", "Côte d\u2019Ivoire", "cote d", "Ivory Coast", "ivory"):
        assert found(q) == ["CI"], q
    for q in ("Turkiye", "TÜRKIYE", "türk"):
        assert found(q) == ["TR"], q


def test_the_search_box_redirects_a_folded_name_and_marks_folded_evidence(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "FR", name="France", aliases=[{"alias": "Élysée", "kind": "seat"}])
    source = make_source(session, text="The Élysée said France is ready to send troops.")
    quote = "The Élysée said France is ready to send troops."
    make_claim(
        session, actor="FR", source=source, evidence={"text": quote, "start": 0, "end": len(quote)}
    )
    for q in ("elysee", "ÉLYSÉE"):
        response = client.get("/search", params={"q": q}, follow_redirects=False)
        assert response.status_code == 303, q
        assert response.headers["location"] == "/actors/FR"
    page = get_page(client, "/search", q="elysee said")
    evidence = page[page.index('id="hits-evidence"') :]
    assert "The <mark>Élysée said</mark> France is ready" in evidence
