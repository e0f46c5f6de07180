"""The fifth generalisation round of the rules (issue 11): sanctions already in force,
money being put in, tables with a status column and shared rows, the day an interview
was given, opening partners, missions in Ukraine and abbreviations before a hyphen
(sentences written for these tests)."""

from datetime import date

from app.extraction.extractor import Extractor
from tests.extraction.helpers import claims, one, pairs

# -- sanctions in force ----------------------------------------------------------


def test_sanctions_entering_into_force_applied_or_tightened_are_active(
    extractor: Extractor,
) -> None:
    for text, actor in (
        ("The EU's 20th sanctions package entered into force on Monday.", "EU"),
        ("The European Union applies its 20th sanctions package.", "EU"),
        ("Canada has lowered the price cap on Russian crude oil.", "CA"),
        ("Norway, Iceland and Japan each have their own sanctions in place.", "IS"),
        ("Switzerland has sanctioned eleven more shadow-fleet tankers.", "CH"),
    ):
        assert one(extractor, text, actor, "sanctions").status == "active", text


def test_export_controls_are_sanctions(extractor: Extractor) -> None:
    text = "South Korea has tightened export controls on machine tools bound for Russia."

    assert one(extractor, text, "KR", "sanctions").status == "active"


def test_guns_falling_silent_are_no_arms(extractor: Extractor) -> None:
    text = "Portugal would send minehunters once the guns fall silent."

    assert ("PT", "arms_supply") not in pairs(extractor, text)
    assert ("PT", "naval_security") in pairs(extractor, text)


def test_caesar_guns_and_completed_deliveries_are_arms_supply(extractor: Extractor) -> None:
    assert one(extractor, "Belgium keeps sending Caesar guns.", "BE", "arms_supply").status == (
        "active"
    )
    text = "Greece has completed the delivery of artillery shells to Ukraine."
    assert one(extractor, text, "GR", "arms_supply").status == "active"


# -- money being put in ------------------------------------------------------------


def test_money_being_put_into_a_scheme_is_pledged(extractor: Extractor) -> None:
    for text, actor in (
        ("Finland is putting 90 million euros into the next PURL package.", "FI"),
        ("Luxembourg is contributing 15 million euros to PURL.", "LU"),
    ):
        assert one(extractor, text, actor, "arms_supply").status == "pledged", text


# -- tables --------------------------------------------------------------------------


TABLE = """Who pays for the scheme
| Contributor | Amount | Status | Notes |
|---|---|---|---|
| Slovenia, Croatia | EUR 40 million (joint) | pledged 3 Sep | ammunition |
| Iceland | EUR 5 million | delivered | announced at the summit |
"""


def test_a_tables_status_column_is_read_under_its_header(extractor: Extractor) -> None:
    found = {(c.actor, c.role): c.status for c in claims(extractor, TABLE, date(2025, 10, 1))}

    assert found[("SI", "arms_supply")] == "pledged"
    assert found[("IS", "arms_supply")] == "active"  # "delivered", not the notes' "announced"


def test_every_actor_of_a_rows_first_cell_holds_the_row(extractor: Extractor) -> None:
    found = {(c.actor, c.role) for c in claims(extractor, TABLE, date(2025, 10, 1))}

    assert {("SI", "arms_supply"), ("HR", "arms_supply")} <= found


# -- the day of an interview ---------------------------------------------------------


INTERVIEW = """"We are not a neutral bystander": Sweden's defence minister
Pål Jonson spoke to us in Stockholm on Tuesday, two days after the ministers met.

Q: Will Sweden send troops?

JONSON: We will send a company to the reassurance force once there is a ceasefire.
"""


def test_answers_are_dated_to_the_day_the_introduction_gives(extractor: Extractor) -> None:
    claim = one(extractor, INTERVIEW, "SE", "ground_forces", published_on=date(2025, 9, 12))

    assert claim.stated_on == date(2025, 9, 9)  # Tuesday, not publication on Friday


def test_a_day_in_the_body_does_not_date_later_answers(extractor: Extractor) -> None:
    text = INTERVIEW.replace("spoke to us in Stockholm on Tuesday", "is in his second year")
    text += "\nQ: And the ministers?\n\nJONSON: They met on Tuesday.\n\nQ: Air defence?\n\n"
    text += "JONSON: We will deliver more air defence systems.\n"
    claim = one(extractor, text, "SE", "air_defense", published_on=date(2025, 9, 12))

    assert claim.stated_on == date(2025, 9, 12)


# -- partners, missions, abbreviations ------------------------------------------------


def test_an_opening_with_names_partners(extractor: Extractor) -> None:
    text = "With Croatia and Greece, Italy has been running the mine countermeasures task group."

    assert {("IT", "naval_security"), ("HR", "naval_security"), ("GR", "naval_security")} <= (
        pairs(extractor, text)
    )
    assert pairs(
        extractor, "With Russia's drones overhead, Latvia will send more air defence."
    ) == {("LV", "air_defense")}


def test_a_mission_in_ukraine_is_troops_unless_it_is_of_another_kind(
    extractor: Extractor,
) -> None:
    assert one(
        extractor, "There will be no EU mission in Ukraine.", "EU", "ground_forces"
    ).status == ("ruled_out")
    text = "The EU training mission in Ukraine will double its instructors."
    assert ("EU", "ground_forces") not in pairs(extractor, text)
    assert ("EU", "training") in pairs(extractor, text)
    assert one(
        extractor, "There would be no Canadian boots in Ukraine.", "CA", "ground_forces"
    ).status == ("ruled_out")


def test_an_abbreviation_before_a_hyphen_is_read_as_its_state(extractor: Extractor) -> None:
    text = "The U.S.-brokered talks resumed in Riyadh on Monday."

    assert one(extractor, text, "US", "mediation").status == "active"
