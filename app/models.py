"""Imports every domain's models so that Base.metadata is complete (Alembic, tests)."""

from app.accounts.models import ApiToken, ServerSecret, SignInFailure, User, UserSession
from app.actors.models import Actor, ActorAlias, Affiliation, Membership
from app.audit.models import AuditEntry
from app.claims.models import Claim, ClaimCondition
from app.db import Base
from app.initiatives.models import Initiative, InitiativeNeed
from app.milestones.models import Milestone, MilestoneState
from app.positions.models import CommitmentCell, DataVersion, StanceCell
from app.snapshots.models import Snapshot
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
    "ApiToken",
    "AuditEntry",
    "Base",
    "BasisTerm",
    "CertaintyTerm",
    "Claim",
    "ClaimCondition",
    "CommitmentCell",
    "ConditionTypeTerm",
    "DataVersion",
    "Initiative",
    "InitiativeNeed",
    "Membership",
    "Milestone",
    "MilestoneState",
    "RoleTerm",
    "ServerSecret",
    "SignInFailure",
    "Snapshot",
    "Source",
    "StanceCell",
    "StanceTerm",
    "StatusTerm",
    "User",
    "UserSession",
]
