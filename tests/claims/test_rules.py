"""The codebook's rules for a claim (app.claims.rules), checked without HTTP."""

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.claims import rules
from app.claims.schemas import ClaimFields
from app.errors import InvalidInput, NotFound
from app.sources.models import Source
from tests.factories import (
    commitment_body,
    make_actor,
    make_claim,
    make_initiative,
    make_source,
    make_speaker,
)

TEXT = "London says the United Kingdom is ready to send troops. Paris could offer air cover."


def fields(source: Source, **overrides: Any) -> ClaimFields:
    """A valid commitment of GB (willing to send ground forces) quoting the source."""
    body = commitment_body(
        source.id,
        stated_on=source.published_on,
        evidence={"text": "ready to send troops"},
        review_state="proposed",
    )
    return ClaimFields.model_validate({**body, **overrides})


def refusal(session: Session, data: ClaimFields) -> dict[str, str]:
    """The messages of check_claim's refusal, by field."""
    with pytest.raises(InvalidInput) as caught:
        rules.resolve_claim(session, data)
    return {str(e["field"]): str(e["message"]) for e in caught.value.errors}


@pytest.fixture
def source(session: Session) -> Source:
    make_actor(session, "GB")
    make_actor(session, "FR")
    return make_source(session, text=TEXT, published_on=date(2025, 8, 20))


def test_a_valid_claim_passes_with_its_column_values(session: Session, source: Source) -> None:
    values = rules.resolve_claim(session, fields(source))
    gb = make_actor(session, "GB")
    assert values["actor_id"] == gb.id
    assert (values["kind"], values["role"], values["status"]) == (
        "commitment",
        "ground_forces",
        "willing",
    )
    assert values["stance"] is None
    assert values["initiative_id"] is None
    start = TEXT.index("ready to send troops")
    assert (values["evidence_start"], values["evidence_end"]) == (start, start + 20)


def test_a_valid_stance_passes_with_its_initiative(session: Session, source: Source) -> None:
    plan = make_initiative(session, "peace-framework")
    data = fields(
        source, kind="stance", role=None, status=None, initiative=plan.slug, stance="supports"
    )
    values = rules.resolve_claim(session, data)
    assert (values["initiative_id"], values["stance"]) == (plan.id, "supports")


def test_an_unknown_actor_is_refused_naming_actor(session: Session, source: Source) -> None:
    errors = refusal(session, fields(source, actor="XX"))
    assert errors == {"actor": "unknown actor 'XX'"}


def test_a_person_as_actor_is_refused_naming_actor(session: Session, source: Source) -> None:
    make_speaker(session)
    errors = refusal(session, fields(source, actor="keir-starmer"))
    assert set(errors) == {"actor"}
    assert "with the person as speaker" in errors["actor"]


def test_a_role_on_a_stance_is_refused_naming_role(session: Session, source: Source) -> None:
    make_initiative(session, "peace-framework")
    data = fields(
        source, kind="stance", status=None, initiative="peace-framework", stance="supports"
    )
    errors = refusal(session, data)
    assert errors == {"role": "a stance is about an initiative, not a role"}


def test_a_commitment_without_role_or_status_is_refused_naming_both(
    session: Session, source: Source
) -> None:
    errors = refusal(session, fields(source, role=None, status=None))
    assert errors == {
        "role": "a commitment needs a role",
        "status": "a commitment needs a status",
    }


def test_a_status_not_on_the_ladder_is_refused_naming_status(source: Source) -> None:
    with pytest.raises(ValidationError) as caught:
        fields(source, status="eager")
    assert [e["loc"] for e in caught.value.errors()] == [("status",)]


def test_a_status_on_a_stance_is_refused_naming_status(session: Session, source: Source) -> None:
    make_initiative(session, "peace-framework")
    data = fields(source, kind="stance", role=None, initiative="peace-framework", stance="opposes")
    errors = refusal(session, data)
    assert errors == {"status": "a stance has a stance value, not a status"}


def test_an_unknown_initiative_is_refused_naming_initiative(
    session: Session, source: Source
) -> None:
    data = fields(
        source, kind="stance", role=None, status=None, initiative="no-such-plan", stance="supports"
    )
    assert refusal(session, data) == {"initiative": "unknown initiative 'no-such-plan'"}


def test_evidence_not_verbatim_is_refused_naming_evidence_text(
    session: Session, source: Source
) -> None:
    errors = refusal(session, fields(source, evidence={"text": "ready to send ships"}))
    assert errors == {
        "evidence.text": f"not found verbatim in the text of source {source.id}",
    }


def test_offsets_that_do_not_hold_the_quote_are_refused_naming_evidence(
    session: Session, source: Source
) -> None:
    data = fields(source, evidence={"text": "ready to send troops", "start": 0, "end": 20})
    assert refusal(session, data) == {
        "evidence": f"text[0:20] of source {source.id} is not the quote"
    }


def test_a_claim_stated_after_its_source_is_refused_naming_stated_on(
    session: Session, source: Source
) -> None:
    errors = refusal(session, fields(source, stated_on=date(2025, 8, 21)))
    assert errors == {"stated_on": "after the source's publication date (2025-08-20)"}


def test_an_unknown_source_is_refused_naming_source_id(session: Session, source: Source) -> None:
    data = fields(source).model_copy(update={"source_id": 987654})
    assert refusal(session, data) == {"source_id": "unknown source 987654"}


def test_a_speaker_not_affiliated_on_the_date_is_refused_naming_speaker(
    session: Session, source: Source
) -> None:
    make_speaker(session)
    data = fields(source, speaker="keir-starmer", stated_on=date(2024, 7, 4))
    assert refusal(session, data) == {
        "speaker": "'keir-starmer' held no office with 'GB' on 2024-07-04"
    }


def test_a_speaker_affiliated_on_the_date_passes(session: Session, source: Source) -> None:
    speaker = make_speaker(session)
    values = rules.resolve_claim(session, fields(source, speaker="keir-starmer"))
    assert values["speaker_id"] == speaker.id


def test_a_speaker_who_is_not_a_person_is_refused_naming_speaker(
    session: Session, source: Source
) -> None:
    assert refusal(session, fields(source, speaker="FR")) == {
        "speaker": "'FR' is a state, not a person"
    }


def test_a_conditional_claim_without_conditions_is_refused_naming_conditions(
    session: Session, source: Source
) -> None:
    errors = refusal(session, fields(source, conditional=True))
    assert errors == {"conditions": "a conditional claim needs at least one condition"}


def test_every_problem_is_named_at_once(session: Session, source: Source) -> None:
    data = fields(source, actor="XX", evidence={"text": "not in the text"}, role=None)
    assert set(refusal(session, data)) == {"actor", "role", "evidence.text"}


def test_require_claim_finds_a_claim_or_refuses_with_404(session: Session) -> None:
    claim = make_claim(session)
    assert rules.require_claim(session, claim.id).id == claim.id
    with pytest.raises(NotFound):
        rules.require_claim(session, claim.id + 1000)


def test_locate_evidence_prefers_the_given_offsets_when_they_hold_the_quote() -> None:
    text = "troops, then more troops"
    assert rules.locate_evidence(text, "troops", 18, 24) == (18, 24)
    assert rules.locate_evidence(text, "troops", 1, 7) == (0, 6)
    assert rules.locate_evidence(text, "ships", None, None) is None
