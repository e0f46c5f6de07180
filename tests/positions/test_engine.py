"""The positions engine's bookkeeping: the cells that exist, the data version every write
bumps, and plans that seek per cell instead of reading all claims."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, insert, select, text
from sqlalchemy.orm import Session

from app.actors import service as actor_service
from app.actors.schemas import ActorUpdate
from app.claims import service as claim_service
from app.claims.models import Claim
from app.positions import queries
from app.positions.models import CommitmentCell, StanceCell
from app.positions.queries import CellFilter
from app.sources import service as source_service
from app.sources.schemas import SourceUpdate
from tests.factories import make_actor, make_claim, make_initiative, make_source

D = date


def version(session: Session) -> int:
    return queries.data_version(session)


def test_a_claim_adds_its_cell_once(session: Session) -> None:
    gb = make_actor(session, "GB")
    make_claim(session, role="air_cover")
    make_claim(session, role="air_cover", status="pledged")
    make_initiative(session, "peace-framework")
    make_claim(
        session,
        kind="stance",
        role=None,
        status=None,
        stance="supports",
        initiative="peace-framework",
    )

    commitment = session.scalars(
        select(CommitmentCell.role).where(CommitmentCell.actor_id == gb.id)
    ).all()
    stances = session.scalars(select(StanceCell.actor_id).where(StanceCell.actor_id == gb.id))
    assert commitment == ["air_cover"]
    assert list(stances) == [gb.id]


def test_a_commitment_naming_an_initiative_is_a_role_cell_not_a_stance_cell(
    session: Session,
) -> None:
    gb = make_actor(session, "GB")
    make_initiative(session, "coalition-of-the-willing")
    make_claim(session, role="training", initiative="coalition-of-the-willing")

    assert session.scalars(select(StanceCell).where(StanceCell.actor_id == gb.id)).all() == []
    matrix = queries.position_cells(
        session, [D(2025, 8, 20)], known_as_of=None, cells=CellFilter(actor_ids=(gb.id,))
    )
    assert [(r.kind, r.role, r.initiative) for r in matrix] == [("commitment", "training", None)]


def test_every_write_that_can_move_a_position_bumps_the_data_version(session: Session) -> None:
    start = version(session)
    source = make_source(session)
    after_source = version(session)
    assert after_source > start

    claim = make_claim(session, source=source, review_state="proposed")
    after_claim = version(session)
    assert after_claim > after_source

    claim_service.accept_claim(session, claim.id, expected_version=claim.version)
    after_accept = version(session)
    assert after_accept > after_claim

    source_service.update_source(
        session, source.id, SourceUpdate(published_on=D(2025, 8, 21)), expected_version=None
    )
    after_edit = version(session)
    assert after_edit > after_accept

    actor_service.update_actor(session, "GB", ActorUpdate(name="Britain"))
    assert version(session) > after_edit


def test_the_version_stays_when_nothing_is_written(session: Session) -> None:
    make_claim(session)
    before = version(session)
    queries.position_cells(session, [D(2025, 8, 20)], known_as_of=None, cells=CellFilter())
    assert version(session) == before


def _plan(session: Session, statement: Select[Any], values: dict[str, Any]) -> str:
    compiled = statement.compile(session.get_bind())
    params = {**compiled.params, **values}
    sql = str(compiled)
    if session.get_bind().dialect.name == "sqlite":
        positional = tuple(params[name] for name in compiled.positiontup or ())
        rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql, positional)
        return "\n".join(str(row[-1]) for row in rows)
    rows = session.connection().exec_driver_sql("EXPLAIN " + sql, params)
    return "\n".join(str(row[0]) for row in rows)


def _many_claims(session: Session) -> None:
    # PostgreSQL plans by its statistics: on a handful of claims any plan is cheap, so
    # give it a few thousand, of which most are accepted, and let it count them.
    source = make_source(session)
    actors = [make_actor(session, code).id for code in ("GB", "FR", "DE", "PL", "NL")]
    rows = [
        {
            "actor_id": actor_id,
            "kind": "commitment",
            "role": role,
            "status": "willing",
            "certainty": "high",
            "basis": "statement",
            "stated_on": date(2023, 1, 1) + timedelta(days=day),
            "source_id": source.id,
            "evidence_text": "ready to send troops",
            "review_state": "accepted",
            "via": [],
        }
        for actor_id in actors
        for role in ("ground_forces", "air_cover", "training")
        for day in range(0, 600, 3)
    ]
    # Straight to the table (the audit trail is not what this test is about).
    session.connection().execute(insert(Claim.__table__), rows)
    if session.get_bind().dialect.name == "postgresql":
        for table in ("claims", "commitment_cells", "stance_cells", "sources"):
            session.execute(text(f"ANALYZE {table}"))


def test_the_matrix_seeks_each_cell_instead_of_reading_all_claims(session: Session) -> None:
    _many_claims(session)
    make_claim(session, actor="FR", role="air_cover")
    for known in (None, D(2025, 8, 20)):
        statement, values = queries.decided_query(
            [D(2025, 8, 20)],
            known_as_of=known,
            cells=CellFilter(),
            dialect=session.get_bind().dialect.name,
        )
        plan = _plan(session, statement, values)
        if session.get_bind().dialect.name == "sqlite":
            assert "ix_claims_counting_commitment" in plan, plan
            assert "ix_claims_counting_stance" in plan, plan
            for claims in ("claims", "latest", "same_day", "rival", "decided_claim"):
                assert f"SCAN {claims}" not in plan, plan
        else:
            assert "Seq Scan on claims" not in plan, plan
            assert "ix_claims_review_state" not in plan, plan
            assert "Index Cond: ((actor_id = commitment_cells.actor_id)" in plan, plan
