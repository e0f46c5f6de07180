"""Actor request and response bodies."""

from datetime import date, datetime

from pydantic import Field, model_validator

from app.schemas import InputModel, OutputModel
from app.vocab import ActorKind, AliasKind


class AliasIn(InputModel):
    """An alias to attach to an actor."""

    alias: str = Field(min_length=1, max_length=200)
    kind: AliasKind = AliasKind.NAME


class MembershipIn(InputModel):
    """Membership of the actor in a group or organisation (until_on inclusive)."""

    group: str = Field(min_length=1, description="Code of the group or organisation.")
    from_on: date | None = None
    until_on: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "MembershipIn":
        if self.from_on and self.until_on and self.until_on < self.from_on:
            raise ValueError("until_on is before from_on")
        return self


class AffiliationIn(InputModel):
    """A person's office with an actor (until_on inclusive)."""

    actor: str = Field(min_length=1, description="Code of the actor the person speaks for.")
    office: str = Field(min_length=1, max_length=200)
    from_on: date | None = None
    until_on: date | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> "AffiliationIn":
        if self.from_on and self.until_on and self.until_on < self.from_on:
            raise ValueError("until_on is before from_on")
        return self


class ActorCreate(InputModel):
    """A new actor. A state's code is its ISO 3166-1 alpha-2 code and its name defaults."""

    code: str = Field(min_length=2, max_length=64)
    kind: ActorKind
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    aliases: list[AliasIn] = []
    memberships: list[MembershipIn] = []
    affiliations: list[AffiliationIn] = []


class ActorUpdate(InputModel):
    """Fields to change; a list given replaces the actor's whole list."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = None
    aliases: list[AliasIn] | None = None
    memberships: list[MembershipIn] | None = None
    affiliations: list[AffiliationIn] | None = None


class AliasRead(OutputModel):
    """An alias of an actor."""

    alias: str
    kind: str


class ActorRead(OutputModel):
    """An actor as listed."""

    code: str
    kind: str
    name: str
    description: str | None
    aliases: list[AliasRead]
    version: int
    created_at: datetime
    updated_at: datetime


class MembershipRead(OutputModel):
    """A dated membership, naming both sides."""

    group: str
    group_name: str
    member: str
    member_name: str
    from_on: date | None
    until_on: date | None


class AffiliationRead(OutputModel):
    """A person's dated office with an actor."""

    person: str
    person_name: str
    actor: str
    actor_name: str
    office: str
    from_on: date | None
    until_on: date | None


class ActorDetail(ActorRead):
    """An actor with its memberships, its members (for groups) and affiliations."""

    memberships: list[MembershipRead]
    members: list[MembershipRead]
    affiliations: list[AffiliationRead]
