"""Settings, read from the environment (prefix POSTURE_) and documented in the README."""

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    extract_rate_per_minute: int = Field(
        default=60,
        ge=0,
        description="POST /api/v1/extract calls per minute per client IP (0: no limit).",
    )
    allow_self_review: bool = Field(
        default=False, description="Let a reviewer accept claims they created themselves."
    )
    secret_key: SecretStr | None = Field(
        default=None,
        min_length=32,
        description="Server secret for CSRF tokens; generated and kept in the database if unset.",
    )
    require_sign_in_to_read: bool = Field(
        default=False, description="Require a signed-in viewer for every page and GET endpoint."
    )
    public_audit_trail: bool = Field(
        default=False,
        description=(
            "Let anonymous readers see the audit trail and who made each write "
            "(by default only signed-in users do)."
        ),
    )
    session_days: int = Field(
        default=14, ge=1, le=365, description="How long a dashboard sign-in lasts."
    )
    sign_in_max_failures: int = Field(
        default=5, ge=1, description="Failed sign-ins for one username before it is refused."
    )
    sign_in_max_failures_per_ip: int = Field(
        default=20, ge=1, description="Failed sign-ins from one address before it is refused."
    )
    sign_in_window_minutes: int = Field(
        default=15, ge=1, description="Window in which failed sign-ins are counted."
    )
    body_size_max: int = Field(
        default=2 * 1024 * 1024, ge=1024, description="Largest request body, in bytes (413)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default=[],
        description="Origins allowed to call the API from a browser (comma-separated); none.",
    )
    db_pool_size: int = Field(
        default=5, ge=1, description="PostgreSQL connections each process keeps open (pool)."
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="PostgreSQL connections a process may open beyond the pool."
    )
    metrics: bool = Field(default=True, description="Serve Prometheus metrics at /metrics.")
    metrics_token: SecretStr | None = Field(
        default=None,
        min_length=16,
        description="When set, /metrics needs `Authorization: Bearer <this token>`.",
    )

    answer_cache_mb: int = Field(
        default=64,
        ge=0,
        description="Memory each process gives to cached position answers, in MiB (0: none).",
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip() for o in value.split(",") if o.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()


def app_settings(request: Request) -> Settings:
    """The settings the running app was built with."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(app_settings)]
