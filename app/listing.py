"""Pagination and sorting shared by every list endpoint."""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Path, Query
from pydantic import BaseModel, StringConstraints
from sqlalchemy import ColumnElement

from app.config import SettingsDep
from app.errors import InvalidInput

ItemT = TypeVar("ItemT")

# The largest value of an INTEGER column (PostgreSQL's int4): no id or offset exceeds it,
# and a larger number sent to the database is an error there, not an empty answer.
INT_MAX = 2**31 - 1

# Query text never holds a NUL character (app.problems.RejectNulInQuery refuses it, 422):
# the OpenAPI document says so of every free-text query parameter.
NO_NUL = r"^[^\x00]*$"
# A free-text query value, and one that must name something (an empty one is refused).
QueryText = Annotated[str, StringConstraints(pattern=NO_NUL)]
QueryName = Annotated[str, StringConstraints(min_length=1, pattern=NO_NUL)]

# Marks the `limit` parameters whose largest value is the setting POSTURE_PAGE_SIZE_MAX;
# app.openapi writes the running app's value into its OpenAPI document.
PAGE_SIZE_MAX_MARK = "x-page-size-max"


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, with the total count of matching records."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


def limit_query(description: str = "Page size.") -> Any:
    """A `limit` query parameter: at least 1, at most POSTURE_PAGE_SIZE_MAX (checked by
    check_limit, and written into the OpenAPI document by app.openapi)."""
    return Query(
        ge=1,
        description=f"{description} At most POSTURE_PAGE_SIZE_MAX (500 unless set).",
        json_schema_extra={PAGE_SIZE_MAX_MARK: True},
    )


LimitParam = Annotated[int, limit_query()]
OffsetParam = Annotated[int, Query(ge=0, le=INT_MAX, description="Records to skip.")]
IdPath = Annotated[int, Path(ge=1, le=INT_MAX, description="The record's id.")]


def sort_pattern(allowed: Iterable[str]) -> str:
    """The regular expression of a `sort` value: comma-separated fields of `allowed`, each
    with an optional leading '-', spaces around them allowed; empty sorts by default."""
    field = "(?:" + "|".join(re.escape(name) for name in sorted(allowed)) + ")"
    item = rf"\s*-?{field}\s*"
    return rf"^(?:{item}(?:,{item})*)?$"


def sort_query(allowed: Iterable[str]) -> Any:
    """A `sort` query parameter over these fields, its pattern in the OpenAPI document
    (order_by_clauses checks the same pattern, naming the field it cannot sort by)."""
    names = sorted(allowed)
    return Query(
        description=(
            "Comma-separated fields; a leading '-' sorts descending. Fields: "
            + ", ".join(names)
            + "."
        ),
        json_schema_extra={"pattern": sort_pattern(names)},
    )


def order_by_clauses(
    sort: str | None,
    allowed: Mapping[str, Any],
    default: Sequence[Any],
) -> list[ColumnElement[Any]]:
    """Translate `sort=-stated_on,actor` into ORDER BY clauses, refusing unknown fields."""
    if not sort:
        return list(default)
    valid = re.fullmatch(sort_pattern(allowed), sort) is not None
    clauses: list[ColumnElement[Any]] = []
    for raw in sort.split(","):
        name = raw.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-")
        if name not in allowed or not valid:
            choices = ", ".join(sorted(allowed))
            raise InvalidInput.field("sort", f"cannot sort by '{name}'; choose from {choices}")
        column = allowed[name]
        clauses.append(column.desc() if descending else column.asc())
    # A unique tail keeps pages stable when sort keys tie.
    clauses.extend(default)
    return clauses


def check_limit(limit: int, maximum: int) -> None:
    """Refuse a page size above the configured maximum."""
    if limit > maximum:
        raise InvalidInput.field("limit", f"must be at most {maximum}")


@dataclass(frozen=True)
class Paging:
    """The page a list request asks for: its size and how many records to skip."""

    limit: int
    offset: int


def paging(settings: SettingsDep, limit: LimitParam = 50, offset: OffsetParam = 0) -> Paging:
    """The `limit` and `offset` query parameters of every list, the limit checked against
    POSTURE_PAGE_SIZE_MAX (422 naming `limit`)."""
    check_limit(limit, settings.page_size_max)
    return Paging(limit, offset)


PagingDep = Annotated[Paging, Depends(paging)]


def page_of(items: list[ItemT], total: int, asked: Paging) -> "Page[ItemT]":
    """The Page answer of these items."""
    return Page[ItemT](items=items, total=total, limit=asked.limit, offset=asked.offset)
