"""Schema building blocks shared by the domains."""

import re
import types
from datetime import date
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

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


# A date as the OpenAPI document describes it (`format: date`, RFC 3339's full-date):
# pydantic alone would also take a number of seconds ("0") or a midnight date-time.
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATE_MESSAGE = "must be a date written YYYY-MM-DD"


def iso_date(value: Any) -> Any:
    """Refuse any date but a `date` or text in the YYYY-MM-DD form (pydantic parses it)."""
    if isinstance(value, date) or (isinstance(value, str) and ISO_DATE.fullmatch(value)):
        return value
    raise ValueError(DATE_MESSAGE)


# A date in a query (or a body): YYYY-MM-DD only.
IsoDate = Annotated[date, BeforeValidator(iso_date)]


def _is(annotation: Any, kind: type) -> bool:
    # `kind` or `kind | None` (a datetime field is not a date field: `is`, not issubclass).
    if annotation is kind:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_is(arg, kind) for arg in get_args(annotation))
    return False


@cache
def _fields_of(model: type[BaseModel], kind: type) -> frozenset[str]:
    return frozenset(
        name for name, field in model.model_fields.items() if _is(field.annotation, kind)
    )


@cache
def _max_lengths(model: type[BaseModel]) -> dict[str, int]:
    # The text fields with a largest length, which the text must keep before it is stripped.
    return {
        name: meta.max_length
        for name, field in model.model_fields.items()
        if _is(field.annotation, str)
        for meta in field.metadata
        if isinstance(meta, MaxLen)
    }


# What pydantic strips from text (Unicode's White_Space), spelled out so that every regular
# expression engine reading the OpenAPI document reads the same class.
WHITE_SPACE = r"\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def text_pattern(min_length: int, *, stripped: bool) -> str:
    """The pattern of body text as InputModel takes it: no NUL character and, where the
    text is stripped before its length is checked, at least `min_length` characters
    between the first and the last that are not white space."""
    if not stripped or min_length <= 0:
        return r"^[^\x00]*$"
    space, solid = f"[{WHITE_SPACE}]", f"[^{WHITE_SPACE}\\x00]"
    if min_length == 1:
        return rf"^{space}*{solid}[^\x00]*$"
    return rf"^{space}*{solid}[^\x00]{{{min_length - 2},}}{solid}{space}*$"


def _keeps_white_space(annotation: Any) -> bool:
    # A field annotated StringConstraints(strip_whitespace=False) (a password) is not stripped.
    return any(
        (isinstance(arg, StringConstraints) and arg.strip_whitespace is False)
        or (not isinstance(arg, StringConstraints) and _keeps_white_space(arg))
        for arg in get_args(annotation)
    )


def _describe_text(node: Any, stripped: bool) -> None:
    if not isinstance(node, dict):
        return
    if node.get("type") == "string" and not {"pattern", "enum", "const", "format"} & set(node):
        node["pattern"] = text_pattern(node.get("minLength", 0), stripped=stripped)
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            _describe_text(sub, stripped)
    _describe_text(node.get("items"), stripped)
    _describe_text(node.get("additionalProperties"), stripped)


def _input_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    # The document says of each text field what the validators below take (no NUL; not
    # only white space where a length is required).
    for name, prop in schema.get("properties", {}).items():
        field = model.model_fields.get(name)
        stripped = field is None or not _keeps_white_space(field.annotation)
        _describe_text(prop, stripped)


class InputModel(BaseModel):
    """Request bodies: unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, json_schema_extra=_input_schema
    )

    @field_validator("*", mode="before")
    @classmethod
    def _as_documented(cls, value: Any, info: ValidationInfo) -> Any:
        # Text, dates and booleans as the OpenAPI document says: text within its length as
        # sent, a date YYYY-MM-DD text (not a number of seconds), a boolean true or false
        # (not 0, 1 or "yes"). Forms and file imports turn their text into booleans first.
        if value is None or info.field_name is None:
            return value
        if isinstance(value, str):
            # The document's maxLength counts the text as sent, white space around it too.
            longest = _max_lengths(cls).get(info.field_name)
            if longest is not None and len(value) > longest:
                raise ValueError(f"must have at most {longest} characters")
        if info.field_name in _fields_of(cls, date):
            return iso_date(value)
        if info.field_name in _fields_of(cls, bool) and not isinstance(value, bool):
            raise ValueError("must be true or false")
        return value

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
