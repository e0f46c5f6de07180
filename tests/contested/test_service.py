"""Contested cells as the service finds them, on hand-made scenarios (both databases)."""

from datetime import date

from sqlalchemy.orm import Session

from app.claims.service import retract_claim
from app.contested import service
from app.contested.schemas import ContestedCells
from app.positions import service as positions
from app.vocab import ClaimKind, Role
from tests.contested.helpers import DAY, D, claim_on, disagreement
from tests.factories import make_claim, make_source


def contested(
    session: Session, as_of: date, known_as_of: date | None = None, **filters: object
) -> ContestedCells:
    cells = positions.cell_filter(session, **filters)  # type: ignore[arg-type]
    return service.contested_cells(session, as_of, known_as_of=known_as_of, cells=cells)


def test_two_sources_disagreeing_on_a_day_make_a_contested_cell_with_both_claims(
    session: Session,
) -> None:
    winner, loser = disagreement(session)
    found = contested(session, DAY)
    assert found.total == 1
    (cell,) = found.cells
    assert (cell.actor, cell.kind, cell.role, cell.initiative) == (
        "GB",
        "commitment",
        "ground_forces",
        None,
    )
    assert (cell.stated_on, cell.decided_by) == (DAY, winner.id)
    assert [c.claim_id for c in cell.claims] == [winner.id, loser.id]
    assert [c.decides for c in cell.claims] == [True, False]
    first, second = cell.claims
    assert (first.status, first.basis, first.version) == ("ruled_out", "statement", 1)
    assert (second.status, second.basis) == ("willing", "report")
    assert first.source.id == winner.source_id
    assert second.source.id == loser.source_id
    assert second.evidence == "ready to send troops"
    assert second.source.published_on == DAY


def test_the_winner_is_the_as_of_rules_pick_among_many_claims(session: Session) -> None:
    # Same basis: the later publication wins; same publication too: the higher id.
    early = claim_on(session, DAY, D(2025, 8, 21), status="willing", basis="report")
    late = claim_on(session, DAY, D(2025, 8, 25), status="reluctant", basis="report")
    plan = claim_on(session, DAY, D(2025, 8, 30), status="considering", basis="plan")
    later_id = claim_on(session, DAY, D(2025, 8, 25), status="willing", basis="report")
    (cell,) = contested(session, D(2025, 9, 1)).cells
    assert [c.claim_id for c in cell.claims] == [later_id.id, late.id, early.id, plan.id]
    assert cell.decided_by == later_id.id
    assert [c.claim_id for c in cell.claims if c.decides] == [later_id.id]


def test_the_same_value_from_two_sources_is_not_contested(session: Session) -> None:
    claim_on(session, DAY, status="willing", basis="statement")
    claim_on(session, DAY, status="willing", basis="report")
    assert contested(session, DAY).total == 0


def test_two_values_in_one_source_are_not_contested(session: Session) -> None:
    source = make_source(session, published_on=DAY)
    make_claim(session, source=source, status="willing")
    make_claim(session, source=source, status="ruled_out", basis="report")
    assert contested(session, DAY).cells == []


def test_a_later_day_with_one_claim_settles_the_cell_from_then_on(session: Session) -> None:
    disagreement(session)
    claim_on(session, D(2025, 8, 25), status="pledged")
    assert contested(session, D(2025, 8, 24)).total == 1
    assert contested(session, D(2025, 8, 25)).total == 0
    assert contested(session, D(2025, 8, 19)).total == 0


def test_known_as_of_hides_a_source_published_later(session: Session) -> None:
    winner = claim_on(session, DAY, status="ruled_out", basis="statement")
    # Stated on the same day, but only published five days later.
    late = claim_on(session, DAY, D(2025, 8, 25), status="willing", basis="report")
    as_of = D(2025, 8, 30)
    assert [c.claim_id for c in contested(session, as_of).cells[0].claims] == [winner.id, late.id]
    assert contested(session, as_of, known_as_of=D(2025, 8, 24)).total == 0
    found = contested(session, as_of, known_as_of=D(2025, 8, 25))
    assert found.known_as_of == D(2025, 8, 25)
    assert [c.claim_id for c in found.cells[0].claims] == [winner.id, late.id]


def test_known_as_of_lists_only_the_claims_known_then(session: Session) -> None:
    first, second = disagreement(session)
    claim_on(session, DAY, D(2025, 8, 28), status="pledged", basis="statement")
    (cell,) = contested(session, D(2025, 9, 1), known_as_of=D(2025, 8, 27)).cells
    assert [c.claim_id for c in cell.claims] == [first.id, second.id]
    assert cell.decided_by == first.id


def test_a_reversal_on_a_contested_day_lists_that_days_claims_only(session: Session) -> None:
    d1, d2 = D(2025, 8, 10), D(2025, 8, 20)
    before = claim_on(session, d1, status="willing")
    ruled_out = claim_on(session, d2, status="ruled_out", basis="statement")
    willing = claim_on(session, d2, status="willing", basis="report")
    assert contested(session, d1).total == 0
    (cell,) = contested(session, d2).cells
    assert cell.stated_on == d2
    assert [c.claim_id for c in cell.claims] == [ruled_out.id, willing.id]
    assert before.id not in {c.claim_id for c in cell.claims}
    assert [(c.status, c.decides) for c in cell.claims] == [("ruled_out", True), ("willing", False)]


def test_stance_cells_are_contested_too_and_cells_come_by_actor_and_object(
    session: Session,
) -> None:
    stance = {"kind": "stance", "initiative": "peace-framework"}
    supports = claim_on(session, DAY, stance="supports", **stance)
    rejects = claim_on(session, DAY, stance="rejects", basis="report", **stance)
    disagreement(session, actor="FR")
    disagreement(session)
    # A commitment naming the initiative is not part of the stance cell.
    claim_on(session, DAY, role="air_cover", status="pledged", initiative="peace-framework")
    found = contested(session, DAY)
    keys = [(c.actor, c.kind, c.role or c.initiative) for c in found.cells]
    assert keys == [
        ("FR", "commitment", "ground_forces"),
        ("GB", "commitment", "ground_forces"),
        ("GB", "stance", "peace-framework"),
    ]
    cell = found.cells[2]
    assert cell.initiative_name == "Peace Framework"
    assert [(c.claim_id, c.stance, c.status) for c in cell.claims] == [
        (supports.id, "supports", None),
        (rejects.id, "rejects", None),
    ]
    assert len(found.cells[0].claims) == len(found.cells[1].claims) == 2


def test_filters_narrow_the_cells(session: Session) -> None:
    disagreement(session, actor="FR")
    disagreement(session)
    disagreement(session, role="air_cover")
    assert [c.actor for c in contested(session, DAY, actors=["FR"]).cells] == ["FR"]
    assert [c.role for c in contested(session, DAY, roles=[Role.AIR_COVER]).cells] == ["air_cover"]
    assert contested(session, DAY, kind=ClaimKind.STANCE).total == 0


def test_a_retracted_claim_settles_the_cell(session: Session) -> None:
    _, loser = disagreement(session)
    retract_claim(session, loser.id, "misread the report")
    assert contested(session, DAY).total == 0
