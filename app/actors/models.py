"""Actor tables."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Actor(Base):
    """Who holds a position: a state (ISO alpha-2 code), organisation, group or person."""

    __tablename__ = "actors"
    __table_args__ = (
        CheckConstraint("kind IN ('state', 'organization', 'group', 'person')", name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # UPDATE ... WHERE version = <the version read>; the services set the new version.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    aliases: Mapped[list["ActorAlias"]] = relationship(
        back_populates="actor",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ActorAlias.id",
    )


class ActorAlias(Base):
    """Another name of an actor: a capital, a demonym, an adjective, a short name."""

    __tablename__ = "actor_aliases"
    __table_args__ = (
        UniqueConstraint("actor_id", "alias"),
        CheckConstraint(
            "kind IN ('name', 'capital', 'seat', 'demonym', 'adjective', 'other')", name="kind"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    alias: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="name")

    actor: Mapped[Actor] = relationship(back_populates="aliases", lazy="raise")


class Membership(Base):
    """A member of a group or organisation between two dates (until_on is inclusive)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("group_id", "member_id", "from_on"),
        CheckConstraint("until_on IS NULL OR from_on IS NULL OR until_on >= from_on", name="dates"),
        Index("ix_memberships_group_dates", "group_id", "from_on", "until_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    from_on: Mapped[date | None] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)


class Affiliation(Base):
    """A person's office with an actor between two dates (until_on is inclusive)."""

    __tablename__ = "affiliations"
    __table_args__ = (
        CheckConstraint("until_on IS NULL OR from_on IS NULL OR until_on >= from_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    office: Mapped[str] = mapped_column(String(200))
    from_on: Mapped[date | None] = mapped_column(Date)
    until_on: Mapped[date | None] = mapped_column(Date)
