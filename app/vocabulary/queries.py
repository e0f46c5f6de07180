"""All SQL about vocabularies."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.vocabulary.models import VocabularyTerm


def terms(session: Session, model: type[VocabularyTerm]) -> Sequence[VocabularyTerm]:
    """Every term of one vocabulary in the codebook's order."""
    return session.scalars(select(model).order_by(model.sort_order)).all()
