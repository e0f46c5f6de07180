"""Account request and response bodies."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.accounts.models import UserRole
from app.schemas import InputModel, OutputModel

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
PASSWORD_MIN = 12
# Argon2 hashes any length, but a megabyte of password is a denial of service, not a secret.
PASSWORD_MAX = 1024
# Kept exactly as typed: spaces at either end are part of a password.
Password = Annotated[
    str,
    StringConstraints(strip_whitespace=False, min_length=PASSWORD_MIN, max_length=PASSWORD_MAX),
]


class UserCreate(InputModel):
    """A new user; without a password the user can only use API tokens."""

    username: str = Field(
        pattern=USERNAME_PATTERN,
        description="Lowercase letters, digits, '.', '_' or '-'; at most 64.",
    )
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    role: UserRole = UserRole.VIEWER
    password: Password | None = Field(default=None, repr=False)


class UserUpdate(InputModel):
    """Changes to a user: role, disabled (which ends its sessions), name or password."""

    role: UserRole | None = None
    disabled: bool | None = None
    display_name: str | None = Field(default=None, min_length=1, max_length=200)
    password: Password | None = Field(default=None, repr=False)


class UserRead(OutputModel):
    """A user as the API shows it (never its password hash)."""

    username: str
    display_name: str
    role: UserRole
    disabled: bool
    has_password: bool
    created_at: datetime
    updated_at: datetime


class Me(UserRead):
    """The user the request is made as, and how it was authenticated."""

    authenticated_by: Literal["token", "session"]


class TokenCreate(InputModel):
    """A new API token for a user."""

    username: str = Field(min_length=1, max_length=64)
    name: str = Field(default="api", min_length=1, max_length=100)


class TokenRead(OutputModel):
    """A token as listed: its prefix identifies it, the token itself is never shown again."""

    id: int
    username: str
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    """A token just created: `token` is shown this once and stored only as a hash."""

    token: str
