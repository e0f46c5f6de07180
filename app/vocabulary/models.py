"""Vocabulary tables; their rows are the codebook's identifiers, seeded by migration."""

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class VocabularyTerm:
    """Columns every vocabulary table shares."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer)


class RoleTerm(VocabularyTerm, Base):
    """A role an actor may commit to."""

    __tablename__ = "roles"


class StatusTerm(VocabularyTerm, Base):
    """A rung of the commitment ladder; rank is null for withdrawn and undisclosed."""

    __tablename__ = "statuses"
    rank: Mapped[int | None] = mapped_column(Integer)


class StanceTerm(VocabularyTerm, Base):
    """A stance on an initiative."""

    __tablename__ = "stances"


class ConditionTypeTerm(VocabularyTerm, Base):
    """A type of condition."""

    __tablename__ = "condition_types"


class BasisTerm(VocabularyTerm, Base):
    """On whose word a claim rests; priority orders the as-of tie-break."""

    __tablename__ = "bases"
    priority: Mapped[int] = mapped_column(Integer)


class CertaintyTerm(VocabularyTerm, Base):
    """How hedged a claim's evidence is."""

    __tablename__ = "certainties"


VOCABULARY_TABLES: dict[str, type[VocabularyTerm]] = {
    "roles": RoleTerm,
    "statuses": StatusTerm,
    "stances": StanceTerm,
    "condition_types": ConditionTypeTerm,
    "basis": BasisTerm,
    "certainty": CertaintyTerm,
}
