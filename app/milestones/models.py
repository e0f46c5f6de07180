"""Milestone tables: a dated fact conditions wait on, and its history of states."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Milestone(Base):
    """A peace agreement signed, a ceasefire in effect, a UN mandate, a vote: the fact a
    condition of its `condition_type` waits on, identified by its slug."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    condition_type: Mapped[str] = mapped_column(ForeignKey("condition_types.id"))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # UPDATE ... WHERE version = <the version read>; the services set the new version.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    states: Mapped[list["MilestoneState"]] = relationship(
        back_populates="milestone",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="(MilestoneState.from_on, MilestoneState.id)",
    )


class MilestoneState(Base):
    """The milestone's state from a date on (until the next state), on a source's word,
    with the verbatim span that says so."""

    __tablename__ = "milestone_states"
    __table_args__ = (
        UniqueConstraint("milestone_id", "from_on"),
        CheckConstraint("state IN ('pending', 'met', 'failed')", name="state"),
        CheckConstraint(
            "(evidence_start IS NULL AND evidence_end IS NULL)"
            " OR (evidence_start >= 0 AND evidence_end > evidence_start)",
            name="evidence_offsets",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("milestones.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(16))
    from_on: Mapped[date] = mapped_column(Date)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("sources.id", ondelete="RESTRICT"), index=True
    )
    evidence_text: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)

    milestone: Mapped[Milestone] = relationship(back_populates="states", lazy="raise")
