"""All SQL about snapshots."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import paginate_rows
from app.listing import Paging, order_by_clauses
from app.snapshots.models import Snapshot

# Rows the export reads at a time: the cells of a snapshot can be large.
EXPORT_BATCH = 100


def snapshot_rows() -> "Select[Snapshot, str | None]":
    """Snapshots with the username of who took them."""
    return select(Snapshot, Snapshot.taken_by)


def snapshot_row(session: Session, snapshot_id: str) -> Any | None:
    """One (snapshot, username) row by id."""
    return session.execute(snapshot_rows().where(Snapshot.id == snapshot_id)).first()


def snapshot_exists(session: Session, snapshot_id: str) -> bool:
    """Whether a snapshot has this id."""
    return session.scalar(select(Snapshot.id).where(Snapshot.id == snapshot_id)) is not None


def snapshot_by_id(session: Session, snapshot_id: str) -> Snapshot | None:
    """The snapshot with this id."""
    return session.get(Snapshot, snapshot_id)


# The fields a list of snapshots sorts by (`sort=`).
SORTABLE = {
    "created_at": Snapshot.created_at,
    "as_of": Snapshot.as_of,
    "title": Snapshot.title,
    "cell_count": Snapshot.cell_count,
}


def snapshot_page(
    session: Session, asked: Paging, *, sort: str | None = None
) -> tuple[list[Any], int]:
    """A page of (snapshot, username) rows, newest first unless `sort` says otherwise (the
    id keeps ties stable), and the total. The cells are not read."""
    stmt = select(
        *(c for c in Snapshot.__table__.columns if c.key != "cells"),
        Snapshot.taken_by.label("username"),
    )
    default = [Snapshot.created_at.desc(), Snapshot.id]
    stmt = stmt.order_by(*order_by_clauses(sort, SORTABLE, default))
    return paginate_rows(session, stmt, limit=asked.limit, offset=asked.offset)


def all_snapshots(session: Session) -> Iterator[Any]:
    """Every (snapshot, username of its taker) row, oldest first, a batch at a time."""
    stmt = snapshot_rows().order_by(Snapshot.created_at, Snapshot.id)
    yield from session.execute(stmt.execution_options(yield_per=EXPORT_BATCH))


def user_id_by_username(session: Session, username: str) -> int | None:
    """The id of the user with this username."""
    return session.scalar(select(User.id).where(User.username == username))
