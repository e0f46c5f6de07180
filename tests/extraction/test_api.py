"""POST /api/v1/extract: the shape, nothing stored, the size limit, the rate limit."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.claims.models import Claim
from app.config import Settings
from app.extraction.actors import INDEX_CACHE
from app.extraction.schemas import MAX_TEXT_CHARS
from app.sources.models import Source
from tests.api_assertions import assert_problem
from tests.conftest import SEED_ARTICLE, build_app, seed_text

EXTRACT = "/api/v1/extract"
SEED_FILE = SEED_ARTICLE


def counts(session: Session) -> tuple[int, int]:
    """(claims, sources) in the database."""
    claims = session.scalar(select(func.count(Claim.id)))
    sources = session.scalar(select(func.count(Source.id)))
    return int(claims or 0), int(sources or 0)


def test_extract_proposes_claims_in_the_claims_api_shape_and_stores_nothing(
    client: TestClient, seeded: Session
) -> None:
    article = seed_text(SEED_FILE)
    before = counts(seeded)

    response = client.post(
        EXTRACT, json={"text": article, "published_on": "2025-08-20", "outlet": "Wire"}
    )

    assert response.status_code == 200, response.text
    claims = response.json()["claims"]
    assert counts(seeded) == before
    by_pair = {(c["actor"], c["role"] or c["initiative"]): c for c in claims}
    gb = by_pair[("GB", "ground_forces")]
    assert gb["kind"] == "commitment"
    assert gb["status"] == "willing"
    assert gb["conditions"] == [
        {
            "type": "peace_agreement",
            "text": "contingent on the signing of a peace agreement with Russia",
        }
    ]
    assert gb["reported_by"] == "Wire"
    assert by_pair[("US", "ground_forces")]["speaker"] == "donald-trump"
    for claim in claims:
        evidence = claim["evidence"]
        assert article[evidence["start"] : evidence["end"]] == evidence["text"]
        assert claim.keys() >= {
            "actor",
            "kind",
            "role",
            "initiative",
            "status",
            "stance",
            "conditional",
            "conditions",
            "limits",
            "quantity",
            "certainty",
            "basis",
            "speaker",
            "reported_by",
            "via",
            "stated_on",
            "evidence",
        }


def test_extract_refuses_a_text_over_the_limit_naming_text(client: TestClient) -> None:
    body = {"text": "a" * (MAX_TEXT_CHARS + 1), "published_on": "2025-08-20"}
    assert_problem(client.post(EXTRACT, json=body), 422, "text")


def test_extract_refuses_a_body_too_large_to_hold_a_valid_text_with_413(
    client: TestClient,
) -> None:
    body = {"text": "a" * (MAX_TEXT_CHARS * 5), "published_on": "2025-08-20"}
    assert_problem(client.post(EXTRACT, json=body), 413, "text")


def test_extract_needs_a_text_and_a_date(client: TestClient) -> None:
    assert_problem(client.post(EXTRACT, json={"text": "x"}), 422, "published_on")
    assert_problem(client.post(EXTRACT, json={"published_on": "2025-08-20"}), 422, "text")


@pytest.fixture
def limited_client(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    """A client of an app that allows two extractions a minute."""
    app = build_app(settings.model_copy(update={"extract_rate_per_minute": 2}), engine, session)
    with TestClient(app) as test_client:
        yield test_client


def test_extract_answers_429_problem_past_the_rate_limit(limited_client: TestClient) -> None:
    body = {"text": "Sweden is ready to send troops.", "published_on": "2025-08-20"}
    assert limited_client.post(EXTRACT, json=body).status_code == 200
    assert limited_client.post(EXTRACT, json=body).status_code == 200

    response = limited_client.post(EXTRACT, json=body)

    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_an_alias_added_through_the_api_is_recognised_by_the_next_extraction(
    client: TestClient, seeded: Session
) -> None:
    body = {"text": "Varsovie is ready to send troops to Ukraine.", "published_on": "2025-08-20"}
    assert client.post(EXTRACT, json=body).json()["claims"] == []
    current = client.get("/api/v1/actors/PL")
    aliases = current.json()["aliases"]

    patched = client.patch(
        "/api/v1/actors/PL",
        json={"aliases": [*aliases, {"alias": "Varsovie", "kind": "capital"}]},
        headers={"If-Match": current.headers["ETag"]},
    )
    after = client.post(EXTRACT, json=body).json()["claims"]

    assert patched.status_code == 200, patched.text
    assert [(c["actor"], c["role"], c["status"]) for c in after] == [
        ("PL", "ground_forces", "willing")
    ]


def test_an_official_added_through_the_api_speaks_for_their_actor(
    client: TestClient, seeded: Session
) -> None:
    person = {
        "code": "ruta-vainikka",
        "kind": "person",
        "name": "Ruta Vainikka",
        "aliases": [{"alias": "Vainikka"}],
        "affiliations": [{"actor": "EU", "office": "Special Envoy", "from_on": "2024-12-01"}],
    }
    assert client.post("/api/v1/actors", json=person).status_code == 201
    body = {
        "text": "Vainikka said the bloc was ready to impose new sanctions on Russia.",
        "published_on": "2025-08-20",
    }

    claims = client.post(EXTRACT, json=body).json()["claims"]

    assert [(c["actor"], c["role"], c["speaker"]) for c in claims] == [
        ("EU", "sanctions", "ruta-vainikka")
    ]


def test_the_actor_index_is_rebuilt_only_when_the_actors_change(
    client: TestClient, seeded: Session
) -> None:
    body = {"text": "Sweden is ready to send troops.", "published_on": "2025-08-20"}
    client.post(EXTRACT, json=body)
    builds = INDEX_CACHE.builds

    client.post(EXTRACT, json=body)
    client.post(EXTRACT, json=body)

    assert INDEX_CACHE.builds == builds
