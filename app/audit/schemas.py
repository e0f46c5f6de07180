"""Audit entry response bodies."""

from datetime import datetime
from typing import Any

from pydantic import Field

from app.schemas import OutputModel


class AuditEntryRead(OutputModel):
    """One write to one record: who, when, which action, the record before and after."""

    id: int
    at: datetime
    user_id: int | None = Field(description="The user who wrote; null for a command or the seed.")
    user_name: str | None = Field(description="That user's name, where the accounts know it.")
    agent: str | None = Field(description="What wrote without a user: cli, seed, system, ...")
    action: str
    record_type: str
    record_key: str = Field(description="The record's code, slug or id.")
    before: dict[str, Any] | None = Field(description="The record's fields before (null: new).")
    after: dict[str, Any] | None = Field(description="The record's fields after (null: gone).")
    changed: list[str] = Field(description="The fields whose value differs.")
