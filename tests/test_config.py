"""Settings are documented, and the app builds without touching the database."""

from pathlib import Path

from app.config import Settings
from app.main import create_app

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"POSTURE_{name.upper()}" in readme


def test_create_app_does_not_connect_to_the_database() -> None:
    # An unreachable server would fail a connection attempt at once.
    app = create_app(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    assert app.openapi()["info"]["title"] == "Posture"
