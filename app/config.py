"""Settings, read from the environment (prefix POSTURE_) and documented in the README."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting Posture reads; each is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="POSTURE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./posture.db",
        description="SQLAlchemy URL of the database (SQLite file or postgresql+psycopg://...).",
    )
    page_size_max: int = Field(
        default=500, ge=1, description="Largest `limit` a list endpoint accepts."
    )
    seed_text_dir: Path = Field(
        default=Path("../shared/seeds"),
        description="Folder with the seed article; its text is stored with the seed source.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()


def app_settings(request: Request) -> Settings:
    """The settings the running app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
