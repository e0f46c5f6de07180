"""Contested cells (codebook section 7): the engine says which cells are contested as of
a date; this lays each one's deciding day's claims side by side."""

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.actors import queries as actor_queries
from app.claims.schemas import SourceRef
from app.contested import queries
from app.contested.schemas import ContestedCell, ContestedCells, ContestedClaim
from app.initiatives import queries as initiative_queries
from app.positions import service as positions
from app.positions.queries import CellFilter

CellKey = tuple[str, str, str | None, str | None]


def _as_date(value: Any) -> date:
    # SQLite may hand back a computed date column as text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _key(row: Any) -> CellKey:
    # Actor code, kind, and the cell's object: the role of a commitment, the initiative
    # of a stance (a commitment may name an initiative in passing).
    if row["kind"] == "stance":
        return (row["actor"], row["kind"], None, row["initiative"])
    return (row["actor"], row["kind"], row["role"], None)


def _claim(row: Any, winner: int) -> ContestedClaim:
    return ContestedClaim(
        claim_id=row.claim_id,
        status=row.status,
        stance=row.stance,
        conditional=bool(row.conditional),
        basis=row.basis,
        certainty=row.certainty,
        speaker=row.speaker,
        evidence=row.evidence,
        source=SourceRef(
            id=row.source_id,
            title=row.source_title,
            outlet=row.source_outlet,
            url=row.source_url,
            published_on=row.published_on,
        ),
        stated_on=row.stated_on,
        version=row.version,
        decides=row.claim_id == winner,
    )


def contested_cells(
    session: Session, as_of: date, *, known_as_of: date | None, cells: CellFilter
) -> ContestedCells:
    """The cells contested as of `as_of` (with `known_as_of`, on what was published by
    then), each with every counting claim of its deciding day, the one the as-of rule
    picks first and marked `decides`; cells ordered by actor and object."""
    matrix = positions.position_matrix(session, as_of, known_as_of=known_as_of, cells=cells)
    contested = [cell for cell in matrix["cells"] if cell["contested"]]
    actor_ids = actor_queries.actor_ids_by_code(session, {c["actor"] for c in contested})
    initiative_ids = initiative_queries.initiative_ids_by_slug(
        session, sorted({c["initiative"] for c in contested if c["kind"] == "stance"})
    )
    days: dict[str, list[queries.DayKey]] = {"commitment": [], "stance": []}
    for cell in contested:
        thing = cell["role"] if cell["kind"] == "commitment" else initiative_ids[cell["initiative"]]
        day = (actor_ids[cell["actor"]], thing, _as_date(cell["stated_on"]))
        days[cell["kind"]].append(day)
    rows = queries.deciding_day_claims(
        session,
        commitments=days["commitment"],
        stances=days["stance"],
        known_as_of=known_as_of,
    )
    by_cell: dict[CellKey, list[Any]] = defaultdict(list)
    for row in rows:
        by_cell[_key(row._mapping)].append(row)
    out = []
    for cell in sorted(contested, key=lambda c: tuple(v or "" for v in _key(c))):
        winner = cell["claim_id"]
        out.append(
            ContestedCell(
                actor=cell["actor"],
                actor_name=cell["actor_name"],
                kind=cell["kind"],
                role=cell["role"],
                initiative=cell["initiative"],
                initiative_name=cell["initiative_name"],
                stated_on=_as_date(cell["stated_on"]),
                decided_by=winner,
                claims=[_claim(row, winner) for row in by_cell[_key(cell)]],
            )
        )
    return ContestedCells(as_of=as_of, known_as_of=known_as_of, total=len(out), cells=out)
