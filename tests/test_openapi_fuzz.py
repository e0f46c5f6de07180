"""The OpenAPI document says what the API does: schemathesis, with every check, finds no
answer it does not describe (status, content type, body, headers, Allow), no schema-valid
request refused and no schema-violating one taken, anonymous and with an admin's token,
through the examples, coverage and fuzzing phases and the stateful phase (create, read,
change, list, retract, following the document's links). Bounded and seeded, so that every
run tries the same cases; `make fuzz` runs it longer."""

from collections.abc import Iterator

import pytest

from app.config import Settings
from app.main import create_app
from tests.conftest import SEED_TEXT_DIR, create_database, drop_database
from tests.openapi_fuzzing import SECRET_KEY, prepare_database, run_schemathesis

# Small enough for `make test` (the whole file well under two minutes on two cores), large
# enough that every operation gets schema-valid and schema-violating cases of its own.
MAX_EXAMPLES = 5
STATEFUL_SCENARIOS = 60
MAX_STEPS = 10
SEED = 20251202


def test_the_openapi_document_states_this_apps_page_size_problems_and_if_match() -> None:
    app = create_app(Settings(database_url="sqlite://", page_size_max=120))
    document = app.openapi()

    operations = [op for item in document["paths"].values() for op in item.values()]
    limits = [
        p["schema"] for op in operations for p in op.get("parameters", []) if p["name"] == "limit"
    ]
    assert limits
    assert all(schema["maximum"] == 120 for schema in limits)
    assert "Problem" in document["components"]["schemas"]
    patch = document["paths"]["/api/v1/claims/{claim_id}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    assert set(patch["responses"]) >= {"200", "401", "403", "404", "409", "412", "422", "428"}
    problem = patch["responses"]["412"]["content"]["application/problem+json"]["schema"]
    assert problem == {"$ref": "#/components/schemas/Problem"}


@pytest.fixture
def fuzz_settings(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of an app on a new, seeded database of its own (the runs write to it)."""
    url, name = create_database(backend, tmp_path_factory.mktemp("fuzz"))
    try:
        prepare_database(url, SEED_TEXT_DIR)
        yield Settings(database_url=url, seed_text_dir=SEED_TEXT_DIR, secret_key=SECRET_KEY)
    finally:
        drop_database(name)


def test_anonymous_requests_get_only_what_the_openapi_document_describes(
    backend: str, fuzz_settings: Settings
) -> None:
    if backend == "postgresql":
        # Every read the anonymous run makes, the token run makes too (on both databases);
        # what it adds is the 401 of each write, which no database has a say in.
        pytest.skip("anonymous answers are the same on every database: run on SQLite")
    result = run_schemathesis(
        fuzz_settings,
        label="anonymous",
        authenticated=False,
        phases=("examples", "coverage", "fuzzing"),
        max_examples=MAX_EXAMPLES,
        seed=SEED,
    )

    assert result.ok, result.summary()
    assert result.operations >= 39, result.summary()


def test_an_admin_token_gets_only_what_the_openapi_document_describes(
    fuzz_settings: Settings,
) -> None:
    result = run_schemathesis(
        fuzz_settings,
        label="token",
        authenticated=True,
        phases=("examples", "coverage", "fuzzing"),
        max_examples=MAX_EXAMPLES,
        seed=SEED,
    )

    assert result.ok, result.summary()
    assert result.operations >= 39, result.summary()


def test_the_stateful_phase_follows_the_links_from_create_to_change_and_retract(
    fuzz_settings: Settings,
) -> None:
    result = run_schemathesis(
        fuzz_settings,
        label="stateful",
        authenticated=True,
        phases=("stateful",),
        max_examples=STATEFUL_SCENARIOS,
        max_steps=MAX_STEPS,
        seed=SEED,
    )

    assert result.ok, result.summary()
    # The links carry a record's key and its ETag (If-Match) from one answer to the next: a
    # change to a versioned record succeeds only through them.
    succeeded = [entry.split(" x")[0] for entry in result.succeeded("stateful")]
    assert any(op.startswith("POST ") for op in succeeded), result.summary()
    assert any(op.startswith("PATCH ") for op in succeeded), result.summary()
