"""The as-of rule of codebook section 7 on hand-made scenarios."""

from datetime import date

from sqlalchemy.orm import Session

from app.positions import service
from app.positions.queries import CellFilter
from app.vocab import Role
from tests.factories import make_actor, make_claim, make_source

D = date


def cells(
    session: Session, as_of: date, known_as_of: date | None = None, **filters: object
) -> dict[tuple[str, str | None, str | None], object]:
    matrix = service.positions_as_of(
        session, as_of, known_as_of=known_as_of, cells=service.cell_filter(session, **filters)
    )  # type: ignore[arg-type]
    return {(c.actor, c.role, c.initiative): c for c in matrix.cells}


def status_of(
    session: Session, as_of: date, actor: str = "GB", role: str = "ground_forces", **kw: object
) -> str | None:
    found = cells(session, as_of, **kw).get((actor, role, None))
    return found.status if found else None  # type: ignore[attr-defined]


def test_later_claim_supersedes_earlier(session: Session) -> None:
    make_claim(session, status="considering", source_fields={"published_on": D(2025, 8, 1)})
    make_claim(session, status="pledged", source_fields={"published_on": D(2025, 8, 10)})
    assert status_of(session, D(2025, 8, 5)) == "considering"
    assert status_of(session, D(2025, 8, 10)) == "pledged"
    assert status_of(session, D(2025, 12, 31)) == "pledged"


def test_positions_as_of_ignores_claims_stated_later(session: Session) -> None:
    make_claim(session, status="willing", source_fields={"published_on": D(2025, 8, 20)})
    assert status_of(session, D(2025, 8, 19)) is None
    assert status_of(session, D(2025, 8, 20)) == "willing"


def test_withdrawn_supersedes_pledge(session: Session) -> None:
    make_claim(session, status="pledged", source_fields={"published_on": D(2025, 8, 1)})
    make_claim(session, status="withdrawn", source_fields={"published_on": D(2025, 9, 1)})
    assert status_of(session, D(2025, 8, 15)) == "pledged"
    cell = cells(session, D(2025, 9, 2))[("GB", "ground_forces", None)]
    assert cell.status == "withdrawn"  # type: ignore[attr-defined]
    assert cell.status_rank is None  # type: ignore[attr-defined]


def test_same_day_tie_prefers_statement_over_report_over_plan(session: Session) -> None:
    day = D(2025, 8, 20)
    make_claim(session, status="considering", basis="plan", source_fields={"published_on": day})
    make_claim(session, status="willing", basis="report", source_fields={"published_on": day})
    assert status_of(session, day) == "willing"
    make_claim(session, status="ruled_out", basis="statement", source_fields={"published_on": day})
    assert status_of(session, day) == "ruled_out"


def test_same_day_same_basis_tie_prefers_later_publication(session: Session) -> None:
    stated = D(2025, 8, 18)
    make_claim(
        session,
        status="reluctant",
        stated_on=stated,
        basis="report",
        source_fields={"published_on": D(2025, 8, 25)},
    )
    make_claim(
        session,
        status="willing",
        stated_on=stated,
        basis="report",
        source_fields={"published_on": D(2025, 8, 19)},
    )
    assert status_of(session, D(2025, 9, 1)) == "reluctant"


def test_known_as_of_uses_only_sources_published_by_then(session: Session) -> None:
    make_claim(
        session,
        status="considering",
        stated_on=D(2025, 8, 1),
        source_fields={"published_on": D(2025, 8, 2)},
    )
    # Stated on 8 August, but only published on 30 August.
    make_claim(
        session,
        status="pledged",
        stated_on=D(2025, 8, 8),
        source_fields={"published_on": D(2025, 8, 30)},
    )
    assert status_of(session, D(2025, 8, 10)) == "pledged"
    assert status_of(session, D(2025, 8, 10), known_as_of=D(2025, 8, 15)) == "considering"
    assert status_of(session, D(2025, 8, 10), known_as_of=D(2025, 8, 1)) is None


def test_disagreeing_sources_on_the_same_day_make_the_cell_contested(session: Session) -> None:
    day = D(2025, 8, 20)
    make_claim(session, status="willing", basis="report", source_fields={"published_on": day})
    make_claim(session, status="ruled_out", basis="statement", source_fields={"published_on": day})
    cell = cells(session, day)[("GB", "ground_forces", None)]
    assert cell.contested is True  # type: ignore[attr-defined]
    assert cell.status == "ruled_out"  # type: ignore[attr-defined]


def test_agreeing_sources_or_different_days_are_not_contested(session: Session) -> None:
    make_claim(session, status="willing", source_fields={"published_on": D(2025, 8, 20)})
    make_claim(
        session, status="willing", basis="report", source_fields={"published_on": D(2025, 8, 20)}
    )
    make_claim(
        session, actor="FR", status="willing", source_fields={"published_on": D(2025, 8, 19)}
    )
    make_claim(
        session, actor="FR", status="ruled_out", source_fields={"published_on": D(2025, 8, 20)}
    )
    found = cells(session, D(2025, 8, 20))
    assert found[("GB", "ground_forces", None)].contested is False  # type: ignore[attr-defined]
    assert found[("FR", "ground_forces", None)].contested is False  # type: ignore[attr-defined]


def test_proposed_rejected_and_retracted_claims_do_not_count(session: Session) -> None:
    from app.claims.service import retract_claim

    make_claim(session, status="considering", source_fields={"published_on": D(2025, 8, 1)})
    make_claim(
        session,
        status="pledged",
        review_state="proposed",
        source_fields={"published_on": D(2025, 8, 2)},
    )
    make_claim(
        session,
        status="active",
        review_state="rejected",
        source_fields={"published_on": D(2025, 8, 3)},
    )
    retracted = make_claim(
        session, status="ruled_out", source_fields={"published_on": D(2025, 8, 4)}
    )
    assert status_of(session, D(2025, 8, 10)) == "ruled_out"
    retract_claim(session, retracted.id, "miscoded")
    assert status_of(session, D(2025, 8, 10)) == "considering"


def test_stances_are_cells_per_initiative(session: Session) -> None:
    make_claim(
        session,
        actor="RU",
        kind="stance",
        initiative="peace-framework",
        stance="rejects",
        role=None,
        status=None,
    )
    make_claim(
        session,
        actor="RU",
        kind="stance",
        initiative="ceasefire-plan",
        stance="supports",
        role=None,
        status=None,
    )
    found = cells(session, D(2025, 9, 1), actors=["RU"])
    assert {(k[2], c.stance) for k, c in found.items()} == {  # type: ignore[attr-defined]
        ("peace-framework", "rejects"),
        ("ceasefire-plan", "supports"),
    }


def test_group_filter_uses_membership_at_the_date(session: Session) -> None:
    from app.actors.schemas import ActorUpdate, MembershipIn
    from app.actors.service import update_actor

    make_actor(session, "NATO", kind="organization", name="NATO")
    make_claim(session, actor="FI", source_fields={"published_on": D(2020, 1, 1)})
    make_claim(session, actor="GB", source_fields={"published_on": D(2020, 1, 1)})
    update_actor(
        session, "FI", ActorUpdate(memberships=[MembershipIn(group="NATO", from_on=D(2023, 4, 4))])
    )
    update_actor(
        session, "GB", ActorUpdate(memberships=[MembershipIn(group="NATO", from_on=D(1949, 8, 24))])
    )
    assert {k[0] for k in cells(session, D(2022, 1, 1), group="NATO")} == {"GB"}
    assert {k[0] for k in cells(session, D(2024, 1, 1), group="NATO")} == {"FI", "GB"}


def test_counts_series_follows_the_coalition(session: Session) -> None:
    make_claim(
        session, actor="GB", status="willing", source_fields={"published_on": D(2025, 1, 10)}
    )
    make_claim(
        session, actor="FR", status="willing", source_fields={"published_on": D(2025, 2, 10)}
    )
    make_claim(session, actor="GB", status="pledged", source_fields={"published_on": D(2025, 3, 5)})
    counts = service.position_counts(
        session,
        role=Role.GROUND_FORCES,
        initiative=None,
        start=D(2025, 1, 1),
        end=D(2025, 4, 1),
        step=service.Step.MONTH,
        known_as_of=None,
        group=None,
    )
    by_date = {p.as_of: p.counts for p in counts.series}
    assert [p.as_of for p in counts.series] == [
        D(2025, 1, 1),
        D(2025, 2, 1),
        D(2025, 3, 1),
        D(2025, 4, 1),
    ]
    assert by_date[D(2025, 1, 1)]["willing"] == 0
    assert by_date[D(2025, 2, 1)]["willing"] == 1
    assert by_date[D(2025, 3, 1)]["willing"] == 2
    assert (by_date[D(2025, 4, 1)]["willing"], by_date[D(2025, 4, 1)]["pledged"]) == (1, 1)


def test_changes_between_two_dates(session: Session) -> None:
    make_claim(
        session, actor="GB", status="willing", source_fields={"published_on": D(2025, 1, 10)}
    )
    make_claim(session, actor="GB", status="pledged", source_fields={"published_on": D(2025, 3, 5)})
    make_claim(
        session, actor="FR", status="willing", source_fields={"published_on": D(2025, 2, 10)}
    )
    make_claim(
        session, actor="DE", status="reluctant", source_fields={"published_on": D(2025, 1, 1)}
    )
    result = service.position_changes(
        session, D(2025, 2, 1), D(2025, 4, 1), known_as_of=None, cells=CellFilter()
    )
    by_actor = {c.actor: c for c in result.changes}
    assert set(by_actor) == {"GB", "FR"}
    assert by_actor["GB"].change == "changed"
    assert (by_actor["GB"].before.status, by_actor["GB"].after.status) == (  # type: ignore[union-attr]
        "willing",
        "pledged",
    )
    assert by_actor["FR"].change == "new"
    assert by_actor["FR"].before is None


def test_timeline_marks_claims_that_changed_a_position(session: Session) -> None:
    first = make_claim(session, status="willing", source_fields={"published_on": D(2025, 1, 1)})
    same = make_claim(session, status="willing", source_fields={"published_on": D(2025, 2, 1)})
    moved = make_claim(session, status="pledged", source_fields={"published_on": D(2025, 3, 1)})
    timeline = service.actor_timeline(session, "GB")
    marks = {c.id: c.changed for c in timeline.claims}
    assert marks == {first.id: True, same.id: False, moved.id: True}
    assert [c.id for c in timeline.claims] == [first.id, same.id, moved.id]


def test_source_with_no_text_keeps_evidence_without_offsets(session: Session) -> None:
    source = make_source(session, text=None)
    claim = make_claim(session, source=source, evidence={"text": "anything the analyst read"})
    assert (claim.evidence_start, claim.evidence_end) == (None, None)
