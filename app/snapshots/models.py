"""Snapshot table: a matrix frozen when it was taken."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow


class Snapshot(Base):
    """The cells of one matrix question as they were answered when it was taken.

    `cells` holds the canonical JSON the `content_hash` is the SHA-256 of, byte for byte,
    so anyone can check a cited snapshot against its hash. Nothing updates a snapshot.
    """

    __tablename__ = "snapshots"

    # A random, URL-safe identifier: permanent, and kept by export and import.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    title: Mapped[str | None] = mapped_column(String(300))
    as_of: Mapped[date] = mapped_column(Date)
    known_as_of: Mapped[date | None] = mapped_column(Date)
    # The question as asked: kind, role, initiative, group, actor, assume.
    question: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    cells: Mapped[str] = mapped_column(Text)
    cell_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The taker's username as it was: users are not exported, a citation names them anyway.
    taken_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
