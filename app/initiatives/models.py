"""Initiative table."""

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Initiative(Base):
    """A proposal, plan, framework or demand, identified by its slug."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    proposer_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), index=True
    )
    first_reported_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # UPDATE ... WHERE version = <the version read>; the services set the new version.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    needs: Mapped[list["InitiativeNeed"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InitiativeNeed.id"
    )


class InitiativeNeed(Base):
    """A role the initiative needs filled, with how much of it where it says."""

    __tablename__ = "initiative_needs"
    __table_args__ = (
        UniqueConstraint("initiative_id", "role"),
        CheckConstraint(
            "(quantity_amount IS NULL AND quantity_unit IS NULL)"
            " OR (quantity_amount > 0 AND quantity_unit IS NOT NULL)",
            name="quantity",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(ForeignKey("roles.id"))
    quantity_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    quantity_unit: Mapped[str | None] = mapped_column(String(64))
