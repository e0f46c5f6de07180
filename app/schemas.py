"""Schema building blocks shared by the domains."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

# Tuples, not list | tuple: a union would be built again on every call.
_SEQUENCES = (list, tuple)
_CONTAINERS = (list, tuple, dict)


def contains_nul(value: Any) -> bool:
    """Whether a string, or a string inside a list or dict, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, _SEQUENCES):
        return any(map(contains_nul, value))
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    return False


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # No database text type should receive NUL; PostgreSQL refuses it outright.
        # Strings first, then only what can hold strings (every field of every row of a
        # bulk import comes here: dates, numbers and nested models need no look).
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("must not contain a NUL character")
        elif isinstance(value, _CONTAINERS) and contains_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


class OutputModel(BaseModel):
    """Response bodies, built from ORM rows or dicts."""

    model_config = ConfigDict(from_attributes=True)
