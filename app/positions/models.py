"""The tables the positions engine reads besides claims: the cells that exist, and the
data version that names what the answers were computed from.

Both are kept by database triggers (migration 20261201_2200), so every write path (the
claims service, bulk import, restore, the seed, SQL typed by hand) keeps them true in the
writing transaction without knowing about them.
"""

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class CommitmentCell(Base):
    """An (actor, role) pair some claim has ever been recorded on: a cell of the matrix.

    A cell stays when its claims stop counting; it then decides nothing. The engine seeks
    each cell's latest counting claim instead of ranking every claim.
    """

    __tablename__ = "commitment_cells"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), ForeignKey("roles.id"), primary_key=True)


class StanceCell(Base):
    """An (actor, initiative) pair some stance has ever been recorded on."""

    __tablename__ = "stance_cells"

    actor_id: Mapped[int] = mapped_column(
        ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True
    )
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )


class DataVersion(Base):
    """One row: a number bumped in the same transaction as every write to what positions
    are computed from (claims, their conditions, sources, actors, memberships,
    initiatives). Answers cached under a version are right for as long as it holds."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
