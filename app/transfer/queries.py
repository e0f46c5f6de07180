"""SQL for export and import."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session, aliased, selectinload

from app.actors.models import Actor, Affiliation, Membership
from app.claims import queries as claim_queries
from app.claims.models import Claim, ClaimCondition
from app.db import insert_columns, insert_many
from app.initiatives.models import Initiative
from app.sources.models import Source


def all_actors(session: Session) -> Sequence[Actor]:
    """Every actor with its aliases, by code."""
    return session.scalars(
        select(Actor).options(selectinload(Actor.aliases)).order_by(Actor.code)
    ).all()


def all_memberships(session: Session) -> Sequence[Any]:
    """Every membership by group, member and start, undated starts first on every backend."""
    group, member = aliased(Actor), aliased(Actor)
    stmt = (
        select(
            group.code.label("group"),
            member.code.label("member"),
            Membership.from_on,
            Membership.until_on,
        )
        .join(group, group.id == Membership.group_id)
        .join(member, member.id == Membership.member_id)
        .order_by(group.code, member.code, Membership.from_on.asc().nulls_first())
    )
    return session.execute(stmt).all()


def all_affiliations(session: Session) -> Sequence[Any]:
    """Every affiliation by person, actor, office and start, undated starts first."""
    person, actor = aliased(Actor), aliased(Actor)
    stmt = (
        select(
            person.code.label("person"),
            actor.code.label("actor"),
            Affiliation.office,
            Affiliation.from_on,
            Affiliation.until_on,
        )
        .join(person, person.id == Affiliation.person_id)
        .join(actor, actor.id == Affiliation.actor_id)
        .order_by(
            person.code, actor.code, Affiliation.office, Affiliation.from_on.asc().nulls_first()
        )
    )
    return session.execute(stmt).all()


# Rows an export holds in memory at a time (sources with their texts, claims with their
# references): the export's memory does not grow with the database.
EXPORT_BATCH = 1000


def all_sources(session: Session) -> Iterator[Source]:
    """Every source, by id, read in batches of EXPORT_BATCH from one statement."""
    stmt = select(Source).order_by(Source.id).execution_options(yield_per=EXPORT_BATCH)
    yield from session.scalars(stmt)


def all_claims(session: Session) -> Iterator[Claim]:
    """Every claim, retracted ones included, by id, read in batches of EXPORT_BATCH from one
    statement (a server-side cursor on PostgreSQL: one snapshot, like a single read)."""
    stmt = (
        claim_queries.claim_list(include_retracted=True)
        .order_by(Claim.id)
        .execution_options(yield_per=EXPORT_BATCH)
    )
    yield from session.scalars(stmt)


def membership_exists(
    session: Session, group_id: int, member_id: int, from_on: object
) -> Membership | None:
    """The membership with this group, member and start, if any."""
    return session.scalar(
        select(Membership).where(
            Membership.group_id == group_id,
            Membership.member_id == member_id,
            Membership.from_on.is_(None) if from_on is None else Membership.from_on == from_on,
        )
    )


def affiliation_exists(
    session: Session, person_id: int, actor_id: int, office: str, from_on: object
) -> Affiliation | None:
    """The affiliation with this person, actor, office and start, if any."""
    return session.scalar(
        select(Affiliation).where(
            Affiliation.person_id == person_id,
            Affiliation.actor_id == actor_id,
            Affiliation.office == office,
            Affiliation.from_on.is_(None) if from_on is None else Affiliation.from_on == from_on,
        )
    )


def reset_id_sequences(session: Session) -> None:
    """After rows were written with explicit ids, move PostgreSQL's sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in ("sources", "claims"):
        top = session.scalar(select(func.max(text("id"))).select_from(text(table)))
        if top:
            # Never move a sequence backwards: a concurrent insert may hold a later id.
            session.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence(:t, 'id'),"
                    " GREATEST(:v, nextval(pg_get_serial_sequence(:t, 'id'))))"
                ),
                {"t": table, "v": top},
            )


# The plain tables: bulk writes go through Core, below the ORM's per-object work.
CLAIMS = cast(Table, Claim.__table__)
CLAIM_CONDITIONS = cast(Table, ClaimCondition.__table__)


def bulk_references(session: Session) -> dict[str, Any]:
    """Everything a bulk claim import resolves rows against, read once."""
    actors = {
        code: (actor_id, kind)
        for code, actor_id, kind in session.execute(select(Actor.code, Actor.id, Actor.kind))
    }
    initiatives = dict(session.execute(select(Initiative.slug, Initiative.id)).all())
    sources = {
        source_id: (published_on, text, url)
        for source_id, published_on, text, url in session.execute(
            select(Source.id, Source.published_on, Source.text, Source.url)
        )
    }
    affiliations: dict[tuple[int, int], list[tuple[Any, Any]]] = {}
    for person_id, actor_id, from_on, until_on in session.execute(
        select(
            Affiliation.person_id, Affiliation.actor_id, Affiliation.from_on, Affiliation.until_on
        )
    ):
        affiliations.setdefault((person_id, actor_id), []).append((from_on, until_on))
    return {
        "actors": actors,
        "initiatives": initiatives,
        "sources": sources,
        "affiliations": affiliations,
    }


# The page cache of a SQLite connection while it writes an import, in KiB: a 100,000-row
# import (its claims, their indexes and audit entries) touches about 130 MB of pages, which
# the default cache (2 MB) would keep writing out and reading back.
LARGE_WRITE_CACHE_KIB = 256 * 1024


@contextmanager
def room_for_a_large_write(session: Session) -> Iterator[None]:
    """On SQLite, a page cache large enough for the transaction's pages while the block runs.

    The cache is memory of this connection only, taken as pages are used and given back when
    the block ends; what is committed, and how durably, does not change."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    dbapi = session.connection().connection.driver_connection
    assert dbapi is not None
    (previous,) = dbapi.execute("PRAGMA cache_size").fetchone()
    dbapi.execute(f"PRAGMA cache_size = -{LARGE_WRITE_CACHE_KIB:d}")
    try:
        yield
    finally:
        dbapi.execute(f"PRAGMA cache_size = {int(previous):d}")


def next_claim_ids(session: Session, count: int) -> Sequence[int]:
    """The ids the next `count` claims get, in order, taken before they are written (so
    that values depending on them, such as an earlier claim a row repeats, go in with the
    rows)."""
    if not count:
        return []
    if session.connection().dialect.name == "sqlite":
        # SQLite serialises writers (this transaction holds the write lock) and gives new
        # rows the rowids after the largest: the n after the previous maximum.
        last = session.scalar(select(func.max(Claim.id))) or 0
        return range(last + 1, last + count + 1)
    # PostgreSQL: from the table's sequence, in order, as the column's default would give
    # them; the rows then go in with COPY, which returns nothing.
    return list(
        session.scalars(
            text(
                "SELECT nextval(pg_get_serial_sequence('claims', 'id')) AS id"
                " FROM generate_series(1, :count) ORDER BY id"
            ),
            {"count": count},
        )
    )


def insert_claims(
    session: Session,
    ids: Sequence[int],
    columns: Mapping[str, Sequence[Any]],
    shared: dict[str, Any] | None = None,
) -> None:
    """Insert claims given column by column (app.db.insert_columns) with these ids (from
    next_claim_ids), each with the `shared` values, in one statement."""
    if not ids:
        return
    connection = session.connection()
    staged = connection.dialect.name == "sqlite"
    insert_columns(connection, CLAIMS, {"id": ids, **columns}, shared, staged=staged)


def insert_conditions(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert claim condition rows in one executemany."""
    insert_many(session.connection(), CLAIM_CONDITIONS, rows)
