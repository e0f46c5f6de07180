"""The audit_entries table: append-only, never edited or deleted by the application."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """What one write did to one record: who, when, which action, the fields before and after."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        # The History panels and ?record_type=&record= read one record's entries newest first.
        Index("ix_audit_entries_record", "record_type", "record_key", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # No foreign key: the trail outlives whatever it mentions, users included.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # What wrote without a user: "cli", "seed", "api", "dashboard", "system".
    agent: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32), index=True)
    record_type: Mapped[str] = mapped_column(String(32))
    record_key: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
