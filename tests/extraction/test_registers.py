"""How the extractor reads the structure of registers beyond wire copy: speaker labels,
interviews, joint statements, tables, lists of amounts, questions (sentences and texts
written for these tests)."""

from app.extraction.extractor import Extractor
from tests.extraction.helpers import claims, one, pairs


def test_a_question_states_no_position(extractor: Extractor) -> None:
    assert pairs(extractor, "Will Belgian troops be part of the force?") == set()
    assert pairs(extractor, 'Q: "Could Portugal send frigates to the Black Sea?"') == set()


def test_an_office_label_speaks_for_the_side_the_text_is_by(extractor: Extractor) -> None:
    text = (
        "Parliament of Sweden: debate on support for Ukraine\n\n"
        "The Minister for Defence (Jane Roe): Mr Speaker, we have delivered artillery "
        "shells to Ukraine every month this year."
    )

    assert one(extractor, text, "SE", "arms_supply").status == "active"


def test_the_interviewers_we_is_nobodys_and_the_answer_is_the_interviewees(
    extractor: Extractor,
) -> None:
    text = (
        "Estonia's defence minister on training and air defence\n\n"
        "Q: We hear that you will send air defence systems soon.\n\n"
        "A: We have trained Ukrainian soldiers in Estonia since 2022."
    )

    assert pairs(extractor, text) == {("EE", "training")}


def test_a_member_labelled_by_party_speaks_for_no_government(extractor: Extractor) -> None:
    text = (
        "Parliament of Sweden: debate on support for Ukraine\n\n"
        "Jane Doe (Green Party): We will send air defence systems to Ukraine."
    )

    assert pairs(extractor, text) == set()


def test_a_label_that_names_an_actor_speaks_for_it(extractor: Extractor) -> None:
    text = (
        "Press conference on the Black Sea\n\n"
        "JOHN SMITH (Romania): We have deployed minehunters to clear mines in the Black Sea."
    )

    assert one(extractor, text, "RO", "naval_security").status == "active"


def test_the_signatories_of_a_joint_statement_hold_its_first_person(
    extractor: Extractor,
) -> None:
    text = (
        "Joint statement on support for Ukraine\n\n"
        "1. We, the Ministers of Defence of Estonia, Latvia and Lithuania, declare the "
        "following:\n\n"
        "2. We will continue to train Ukrainian soldiers."
    )

    assert {(a, r) for a, r in pairs(extractor, text)} == {
        ("EE", "training"),
        ("LV", "training"),
        ("LT", "training"),
    }


def test_a_quoted_we_is_not_the_texts_voice(extractor: Extractor) -> None:
    text = 'Sweden expands its support\n\n"We will send troops," the Dutch defence minister said.'

    assert pairs(extractor, text) == {("NL", "ground_forces")}


def test_a_government_names_itself_in_its_press_release(extractor: Extractor) -> None:
    text = (
        "Norway steps up support for Ukraine\n\n"
        "The Government has decided to provide air defence systems to Ukraine."
    )

    assert one(extractor, text, "NO", "air_defense").status == "pledged"


def test_partners_named_together_with_the_holder_share_the_role(extractor: Extractor) -> None:
    text = (
        "Sweden will deliver, together with Finland and Denmark, a new donation package "
        "of artillery ammunition."
    )

    assert {actor for actor, role in pairs(extractor, text) if role == "arms_supply"} == {
        "SE",
        "FI",
        "DK",
    }


def test_whoever_a_relative_clause_follows_holds_its_role(extractor: Extractor) -> None:
    text = "The mission is led by Canada and Spain, who have said they are ready to send troops."

    assert one(extractor, text, "CA", "ground_forces").status == "willing"
    assert one(extractor, text, "ES", "ground_forces").status == "willing"


def test_a_table_row_reads_actor_contribution_and_status(extractor: Extractor) -> None:
    text = (
        "Who offers what\n\n"
        "| Country | Contribution | Status |\n"
        "|---|---|---|\n"
        "| Portugal | Frigates for maritime security | Willing |\n"
        "| Greece | No troops; political support only | Ruled out |\n"
        "| Malta | Observers | Not confirmed |"
    )

    assert one(extractor, text, "PT", "naval_security").status == "willing"
    assert one(extractor, text, "GR", "ground_forces").status == "ruled_out"
    assert not [c for c in claims(extractor, text) if c.actor == "MT"]


def test_a_listed_amount_is_a_pledge_of_the_texts_side(extractor: Extractor) -> None:
    text = (
        "Sweden announces new measures\n\n"
        "The package includes:\n\n"
        "- SEK 500 million for artillery ammunition\n"
        "- Allies are expected to add more ammunition"
    )

    assert pairs(extractor, text) == {("SE", "arms_supply")}
    assert one(extractor, text, "SE", "arms_supply").status == "pledged"


def test_a_live_blogs_day_header_dates_the_entries_under_it(extractor: Extractor) -> None:
    text = (
        "Ukraine live: allies meet\n"
        "Wednesday 20 August\n\n"
        "18:40 GMT\n"
        "Sweden will send troops, its defence minister said.\n\n"
        "Tuesday 19 August\n\n"
        "21:05 GMT\n"
        "Finland will send troops, its prime minister said."
    )

    assert str(one(extractor, text, "SE", "ground_forces").stated_on) == "2025-08-20"
    assert str(one(extractor, text, "FI", "ground_forces").stated_on) == "2025-08-19"


def test_what_we_do_in_the_present_tense_is_active(extractor: Extractor) -> None:
    text = "Latvia's defence minister on training\n\nA: We train Ukrainian soldiers in Latvia."

    assert one(extractor, text, "LV", "training").status == "active"


def test_a_metadata_line_is_no_speakers_turn(extractor: Extractor) -> None:
    text = (
        "Sweden sends new support\n\n"
        "From: Ministry of Defence\n\n"
        "- SEK 300 million for artillery ammunition"
    )

    assert one(extractor, text, "SE", "arms_supply").status == "pledged"


def test_partners_hold_the_role_even_when_we_is_nobody_known(extractor: Extractor) -> None:
    text = (
        "Minutes of the meeting\n\n"
        "Together with Finland and Estonia, we have paid for Patriot interceptors."
    )

    assert {actor for actor, role in pairs(extractor, text) if role == "air_defense"} == {
        "FI",
        "EE",
    }
