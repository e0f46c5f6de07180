"""Claim and condition tables."""

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql import text

from app.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.actors.models import Actor
    from app.initiatives.models import Initiative
    from app.milestones.models import Milestone
    from app.sources.models import Source


# A claim that counts in positions (codebook section 7). Written out, not bound: a
# database uses a partial index only where the query repeats its predicate literally.
COUNTING_SQL = "review_state = 'accepted' AND retracted_at IS NULL"
COUNTING = text(COUNTING_SQL)
# A commitment may name an initiative too; a stance cell holds stances only.
COUNTING_STANCE = text(COUNTING_SQL + " AND kind = 'stance'")


class Claim(Base):
    """A commitment (role + status) or a stance (initiative + stance) with its evidence."""

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'commitment' AND role IS NOT NULL AND status IS NOT NULL"
            " AND stance IS NULL)"
            " OR (kind = 'stance' AND initiative_id IS NOT NULL AND stance IS NOT NULL"
            " AND role IS NULL AND status IS NULL)",
            name="kind_shape",
        ),
        CheckConstraint(
            "(evidence_start IS NULL AND evidence_end IS NULL)"
            " OR (evidence_start >= 0 AND evidence_end > evidence_start)",
            name="evidence_offsets",
        ),
        CheckConstraint(
            "review_state IN ('proposed', 'accepted', 'rejected')", name="review_state"
        ),
        # The as-of query walks each (actor, object) partition by date.
        Index("ix_claims_actor_role_stated", "actor_id", "role", "stated_on"),
        Index("ix_claims_actor_initiative_stated", "actor_id", "initiative_id", "stated_on"),
        Index("ix_claims_stated_on", "stated_on"),
        # A source's claims, and the earlier claims a new one may repeat (duplicates).
        Index("ix_claims_source_actor_role", "source_id", "actor_id", "role"),
        # The feed walks claims from the latest update back.
        Index("ix_claims_updated_at", "updated_at", "id"),
        # The positions engine: one seek per cell for its latest counting claim.
        Index(
            "ix_claims_counting_commitment",
            "actor_id",
            "role",
            "stated_on",
            sqlite_where=COUNTING,
            postgresql_where=COUNTING,
        ),
        Index(
            "ix_claims_counting_stance",
            "actor_id",
            "initiative_id",
            "stated_on",
            sqlite_where=COUNTING_STANCE,
            postgresql_where=COUNTING_STANCE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(ForeignKey("roles.id"))
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id", ondelete="RESTRICT")
    )
    status: Mapped[str | None] = mapped_column(ForeignKey("statuses.id"))
    stance: Mapped[str | None] = mapped_column(ForeignKey("stances.id"))
    conditional: Mapped[bool] = mapped_column(Boolean, default=False)
    limits: Mapped[str | None] = mapped_column(Text)
    quantity_amount: Mapped[Decimal | None] = mapped_column(Numeric(20, 4))
    quantity_unit: Mapped[str | None] = mapped_column(String(64))
    certainty: Mapped[str] = mapped_column(ForeignKey("certainties.id"))
    basis: Mapped[str] = mapped_column(ForeignKey("bases.id"))
    speaker_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="RESTRICT"), index=True
    )
    reported_by: Mapped[str | None] = mapped_column(String(200))
    via: Mapped[list[str]] = mapped_column(JSON, default=list)
    stated_on: Mapped[date] = mapped_column(Date)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))
    evidence_text: Mapped[str] = mapped_column(Text)
    evidence_start: Mapped[int | None] = mapped_column(Integer)
    evidence_end: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    review_state: Mapped[str] = mapped_column(String(16), default="proposed", index=True)
    retracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retraction_reason: Mapped[str | None] = mapped_column(Text)
    # The review: who accepted or rejected the claim, when, and why (a rejection's reason).
    review_note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest claim this one repeats (same actor, object and source, overlapping
    # evidence), set when it is recorded or changed: the review shows "duplicates claim N".
    duplicate_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("claims.id", ondelete="SET NULL"), index=True
    )
    # The user who recorded the claim (None: the seed, an import, or an unknown user).
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Every UPDATE says WHERE version = <the version read>: a row changed in between is
    # never overwritten (StaleDataError). The services set the new version themselves.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    actor: Mapped["Actor"] = relationship(foreign_keys=[actor_id], lazy="raise")
    speaker: Mapped["Actor | None"] = relationship(foreign_keys=[speaker_id], lazy="raise")
    initiative: Mapped["Initiative | None"] = relationship(lazy="raise")
    source: Mapped["Source"] = relationship(lazy="raise")
    conditions: Mapped[list["ClaimCondition"]] = relationship(
        back_populates="claim",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="ClaimCondition.id",
    )


class ClaimCondition(Base):
    """A condition a claim's position is tied to: free text and a type, and what it waits
    on where an editor linked it: a milestone, or another actor's position on a role at
    a rung or above ("only with US support": US air_cover at pledged or above)."""

    __tablename__ = "claim_conditions"
    __table_args__ = (
        CheckConstraint(
            "(requires_actor_id IS NULL AND requires_role IS NULL AND requires_status IS NULL)"
            " OR (requires_actor_id IS NOT NULL AND requires_role IS NOT NULL"
            " AND requires_status IS NOT NULL AND milestone_id IS NULL)",
            name="link",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(ForeignKey("condition_types.id"))
    text: Mapped[str] = mapped_column(Text)
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="RESTRICT"), index=True
    )
    requires_actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="RESTRICT"), index=True
    )
    requires_role: Mapped[str | None] = mapped_column(ForeignKey("roles.id"))
    requires_status: Mapped[str | None] = mapped_column(ForeignKey("statuses.id"))

    claim: Mapped[Claim] = relationship(back_populates="conditions", lazy="raise")
    milestone: Mapped["Milestone | None"] = relationship(lazy="raise")
    requires_actor: Mapped["Actor | None"] = relationship(lazy="raise")
