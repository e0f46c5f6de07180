"""Helpers of the operations tests: an app on a database of one's own, metrics parsed."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from app.config import Settings
from app.main import create_app
from tests.conftest import SEED_TEXT_DIR, TEST_SECRET_KEY

# Nothing listens on port 1: connecting fails at once.
UNREACHABLE_URL = "postgresql+psycopg://nobody@127.0.0.1:1/nowhere"


def settings_for(database_url: str, **overrides: Any) -> Settings:
    """Settings for a database, with the tests' seed folder and CSRF secret."""
    return Settings(
        database_url=database_url,
        seed_text_dir=SEED_TEXT_DIR,
        secret_key=TEST_SECRET_KEY,
        **overrides,
    )


@contextmanager
def client_for(database_url: str, **overrides: Any) -> Iterator[TestClient]:
    """A client of a real app (its own engine, no test transaction) on the database."""
    app = create_app(settings_for(database_url, **overrides))
    try:
        with TestClient(app) as client:
            yield client
    finally:
        app.state.engine.dispose()


def samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a Prometheus text exposition: (name, labels) -> value."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(exposition: str, name: str, **labels: str) -> float | None:
    """One sample's value, or None when the exposition lacks it."""
    return samples(exposition).get((name, frozenset(labels.items())))
