"""The codebook's fixed identifiers as StrEnums; the database seeds the same values."""

from enum import StrEnum


class ActorKind(StrEnum):
    """What sort of actor holds a position (codebook section 2)."""

    STATE = "state"
    ORGANIZATION = "organization"
    GROUP = "group"
    PERSON = "person"


class AliasKind(StrEnum):
    """How an alias names its actor, so that an extractor can weigh it."""

    NAME = "name"
    CAPITAL = "capital"
    SEAT = "seat"
    DEMONYM = "demonym"
    ADJECTIVE = "adjective"
    OTHER = "other"


class ClaimKind(StrEnum):
    """A claim is a commitment to a role or a stance on an initiative."""

    COMMITMENT = "commitment"
    STANCE = "stance"


class Role(StrEnum):
    """Roles an actor may commit to (codebook section 3)."""

    GROUND_FORCES = "ground_forces"
    AIR_COVER = "air_cover"
    AIR_DEFENSE = "air_defense"
    NAVAL_SECURITY = "naval_security"
    INTELLIGENCE = "intelligence"
    BORDER_MONITORING = "border_monitoring"
    ARMS_SUPPLY = "arms_supply"
    TRAINING = "training"
    LOGISTICS = "logistics"
    FINANCIAL_SUPPORT = "financial_support"
    SANCTIONS = "sanctions"
    GUARANTOR = "guarantor"
    MEDIATION = "mediation"


class Status(StrEnum):
    """Rungs of the commitment ladder (codebook section 4)."""

    RULED_OUT = "ruled_out"
    RELUCTANT = "reluctant"
    CONSIDERING = "considering"
    WILLING = "willing"
    PLEDGED = "pledged"
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    UNDISCLOSED = "undisclosed"


# Ranks order the ladder; withdrawn and undisclosed stand apart (no rank).
STATUS_RANK: dict[Status, int | None] = {
    Status.RULED_OUT: 0,
    Status.RELUCTANT: 1,
    Status.CONSIDERING: 2,
    Status.WILLING: 3,
    Status.PLEDGED: 4,
    Status.ACTIVE: 5,
    Status.WITHDRAWN: None,
    Status.UNDISCLOSED: None,
}


class Stance(StrEnum):
    """Stances on an initiative (codebook section 5)."""

    SUPPORTS = "supports"
    CONDITIONAL = "conditional"
    UNDECIDED = "undecided"
    OPPOSES = "opposes"
    REJECTS = "rejects"


class ConditionType(StrEnum):
    """Types of condition a position is tied to (codebook section 6)."""

    PEACE_AGREEMENT = "peace_agreement"
    CEASEFIRE = "ceasefire"
    US_BACKSTOP = "us_backstop"
    RUSSIAN_CONSENT = "russian_consent"
    TALKS_REFUSED = "talks_refused"
    OTHER = "other"


class MilestoneStateValue(StrEnum):
    """Where a milestone stands from a date on."""

    PENDING = "pending"
    MET = "met"
    FAILED = "failed"


class ConditionState(StrEnum):
    """A condition as of a date: its milestone's state or the required position's, or
    `unknown` when it is linked to nothing."""

    MET = "met"
    PENDING = "pending"
    FAILED = "failed"
    UNKNOWN = "unknown"


class Basis(StrEnum):
    """On whose word a claim rests; also the as-of tie-break order."""

    STATEMENT = "statement"
    REPORT = "report"
    PLAN = "plan"


# The as-of rule prefers a statement over a report over a plan on the same day.
BASIS_PRIORITY: dict[Basis, int] = {Basis.STATEMENT: 0, Basis.REPORT: 1, Basis.PLAN: 2}


class Certainty(StrEnum):
    """How hedged the evidence is."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class ReviewState(StrEnum):
    """Where a claim stands in review; only accepted claims count in positions."""

    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
