"""Text not in English: the source's language is detected and stored, and extraction says
it cannot read the text (API and CLI) instead of returning nothing."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.api_assertions import assert_problem
from tests.extraction.test_cli import Database, database  # noqa: F401 (the fixture)
from tests.factories import make_actor
from tests.test_cli import ok, posture

POLISH = (
    "Polska nie wyśle żołnierzy na Ukrainę, powiedział w poniedziałek premier. Rząd jest "
    "jednak gotów szkolić ukraińskich pilotów i dostarczać amunicję."
)
ENGLISH = (
    "The United Kingdom is ready to send troops to Ukraine once a ceasefire holds, the "
    "prime minister said on Monday."
)
GERMAN = (
    "Deutschland wird keine Bodentruppen in die Ukraine schicken, sagte der Kanzler am "
    "Dienstag in Berlin."
)


def new_source(client: TestClient, text: str, **fields: object) -> dict[str, object]:
    response = client.post(
        "/api/v1/sources",
        json={"title": text[:30], "published_on": "2025-08-20", "text": text, **fields},
    )
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_a_sources_language_is_detected_unless_given(client: TestClient) -> None:
    assert new_source(client, POLISH)["language"] == "pl"
    assert new_source(client, ENGLISH)["language"] == "en"
    assert new_source(client, GERMAN, language="de-AT")["language"] == "de-AT"
    # Too short to tell: left unknown rather than guessed.
    assert new_source(client, "NATO summit.")["language"] is None


def test_extracting_a_text_in_another_language_says_so(
    client: TestClient, session: Session
) -> None:
    make_actor(session, "GB", name="United Kingdom")
    polish = client.post("/api/v1/extract", json={"text": POLISH, "published_on": "2025-08-20"})
    assert polish.status_code == 200, polish.text
    body = polish.json()
    assert (body["claims"], body["language"], body["readable"]) == ([], "pl", False)
    assert "The text is in Polish (pl)" in body["message"]
    assert "English only" in body["message"]

    english = client.post(
        "/api/v1/extract", json={"text": ENGLISH, "published_on": "2025-08-20"}
    ).json()
    assert (english["language"], english["readable"], english["message"]) == ("en", True, None)
    assert [(c["actor"], c["role"]) for c in english["claims"]] == [("GB", "ground_forces")]

    stored = new_source(client, GERMAN, extract=True)
    assert stored["proposed_claims"] == []
    warnings = stored["extraction_warnings"]
    assert isinstance(warnings, list)
    assert any("The text is in German (de)" in w for w in warnings)
    again = client.post(f"/api/v1/sources/{stored['id']}/extract").json()
    assert (again["readable"], again["language"], again["proposed_claims"]) == (False, "de", [])


def test_extract_refuses_nothing_it_cannot_read_as_an_error(client: TestClient) -> None:
    # Not English is an answer, not a problem; a missing text still is one.
    assert_problem(client.post("/api/v1/extract", json={"published_on": "2025-08-20"}), 422)


def test_the_cli_says_it_cannot_read_a_text_in_another_language(
    database: Database,  # noqa: F811
    tmp_path: Path,
) -> None:
    polish = tmp_path / "polish.txt"
    polish.write_text(POLISH, encoding="utf-8")
    result = posture(
        database.url, "extract", str(polish), "--published-on", "2025-08-20", cwd=database.folder
    )
    assert result.returncode == 1
    assert "The text is in Polish (pl): the extraction rules read English only" in result.stderr

    ingested = ok(
        posture(
            database.url, "ingest", str(polish), "--published-on", "2025-08-20", cwd=database.folder
        )
    )
    assert "0 proposed claims" in ingested.stderr
    assert "warning: The text is in Polish (pl)" in ingested.stderr
