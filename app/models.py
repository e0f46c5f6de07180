"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.claims.models import Claim, ClaimCondition
from app.db import Base
from app.initiatives.models import Initiative
from app.sources.models import Source
from app.vocabulary.models import (
    BasisTerm,
    CertaintyTerm,
    ConditionTypeTerm,
    RoleTerm,
    StanceTerm,
    StatusTerm,
)

__all__ = [
    "Actor",
    "ActorAlias",
    "Affiliation",
    "Base",
    "BasisTerm",
    "CertaintyTerm",
    "Claim",
    "ClaimCondition",
    "ConditionTypeTerm",
    "Initiative",
    "Membership",
    "RoleTerm",
    "Source",
    "StanceTerm",
    "StatusTerm",
]
