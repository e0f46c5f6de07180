"""Pagination and sorting shared by every list endpoint."""

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from app.errors import InvalidInput

ItemT = TypeVar("ItemT")

# The largest value of an INTEGER column (PostgreSQL's int4): no id or offset exceeds it,
# and a larger number sent to the database is an error there, not an empty answer.
INT_MAX = 2**31 - 1


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, with the total count of matching records."""

    items: list[ItemT]
    total: int
    limit: int
    offset: int


LimitParam = Annotated[int, Query(ge=1, description="Page size (at most the configured maximum).")]
OffsetParam = Annotated[int, Query(ge=0, le=INT_MAX, description="Records to skip.")]
IdPath = Annotated[int, Path(ge=1, le=INT_MAX, description="The record's id.")]
SortParam = Annotated[
    str | None,
    Query(description="Comma-separated fields; a leading '-' sorts descending."),
]


def order_by_clauses(
    sort: str | None,
    allowed: Mapping[str, Any],
    default: Sequence[Any],
) -> list[ColumnElement[Any]]:
    """Translate `sort=-stated_on,actor` into ORDER BY clauses, refusing unknown fields."""
    if not sort:
        return list(default)
    clauses: list[ColumnElement[Any]] = []
    for raw in sort.split(","):
        name = raw.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-")
        if name not in allowed:
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


def paginate(
    session: Session, stmt: Select[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """The rows of one page and the total count of the statement's rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(limit).offset(offset)).unique())
    return rows, total


def paginate_rows(
    session: Session, stmt: "Select[*tuple[Any, ...]]", *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """Like `paginate`, for statements that select several columns per row."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.limit(limit).offset(offset)).all())
    return rows, total
