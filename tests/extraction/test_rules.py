"""Rules that find who holds a role, and which role, beyond the cue next to it
(sentences written for these tests)."""

from app.extraction.extractor import Extractor
from tests.extraction.helpers import one, pairs


def test_joining_takes_the_role_the_text_is_about(extractor: Extractor) -> None:
    text = (
        "Denmark announced a new package of weapons for Ukraine on Monday.\n\n"
        "Norway is expected to join, officials said."
    )

    assert one(extractor, text, "NO", "arms_supply").status == "considering"


def test_staying_out_of_the_mission_the_text_describes_is_ruled_out(
    extractor: Extractor,
) -> None:
    text = (
        "Several allies are planning an air policing mission over Ukraine. "
        "Belgium will not be part of any such mission."
    )

    assert one(extractor, text, "BE", "air_cover").status == "ruled_out"


def test_joining_with_a_predicate_of_its_own_takes_the_role_named_before_it(
    extractor: Extractor,
) -> None:
    text = "Finland will deliver artillery shells to Ukraine, and Estonia may join."

    assert one(extractor, text, "FI", "arms_supply").status == "pledged"
    assert one(extractor, text, "EE", "arms_supply").status == "considering"


def test_verbs_joined_by_and_share_their_predicate(extractor: Extractor) -> None:
    text = (
        "Canada will impose sanctions on 40 companies and provide 500 million dollars "
        "in budget support to Ukraine."
    )

    assert one(extractor, text, "CA", "sanctions").status == "pledged"
    assert one(extractor, text, "CA", "financial_support").status == "pledged"


def test_a_condition_set_off_by_commas_does_not_part_a_predicate_from_its_role(
    extractor: Extractor,
) -> None:
    text = "Spain was ready, once a ceasefire holds, to send aircraft to patrol Ukrainian airspace."

    claim = one(extractor, text, "ES", "air_cover")

    assert (claim.status, claim.conditional) == ("willing", True)
    assert [c.type for c in claim.conditions] == ["ceasefire"]


def test_a_relative_clause_between_subject_and_predicate_holds_no_subject(
    extractor: Extractor,
) -> None:
    text = (
        "Norway, whose frigates Kyiv has long requested, has not ruled out joining "
        "a naval mission in the Black Sea."
    )

    assert one(extractor, text, "NO", "naval_security").status == "considering"
    assert not {actor for actor, _ in pairs(extractor, text)} - {"NO"}


def test_a_list_that_opens_as_a_place_is_a_place_throughout(extractor: Extractor) -> None:
    text = "French jets would patrol Ukrainian airspace from bases in Poland and Romania."

    assert pairs(extractor, text) == {("FR", "air_cover")}


def test_a_list_joined_by_a_comma_alone_is_not_a_list_of_places(extractor: Extractor) -> None:
    text = "After talks with Russia, Finland is ready to send troops."

    assert ("FI", "ground_forces") in pairs(extractor, text)


def test_the_place_that_opens_the_sentence_is_whose_government_speaks(
    extractor: Extractor,
) -> None:
    text = "In Madrid, the government imposed new sanctions on Russian tankers."

    assert one(extractor, text, "ES", "sanctions").status == "active"
    paragraph = "Talks went on.\n\nIn Madrid, the cabinet imposed sanctions on Tuesday."
    assert one(extractor, paragraph, "ES", "sanctions").status == "active"
    assert pairs(extractor, "Talks in Madrid imposed nothing.") == set()


def test_paying_for_air_defence_is_also_arms_supply(extractor: Extractor) -> None:
    text = "Denmark will pay for two Patriot systems for Ukraine."

    assert {("DK", "arms_supply"), ("DK", "air_defense")} <= pairs(extractor, text)
    assert pairs(extractor, "Denmark will send two Patriot systems to Ukraine.") == {
        ("DK", "air_defense")
    }


def test_a_long_object_of_a_verb_of_giving_stays_governed(extractor: Extractor) -> None:
    text = "The Netherlands would pay for a further 300 million euros' worth of American weapons."

    assert one(extractor, text, "NL", "arms_supply").status == "willing"


def test_members_listed_after_an_unnamed_subject_hold_the_role(extractor: Extractor) -> None:
    text = (
        "The Danish minister said the countries ready to send troops included Estonia, "
        "Latvia and possibly Lithuania."
    )

    assert one(extractor, text, "EE", "ground_forces").status == "willing"
    assert one(extractor, text, "LT", "ground_forces").status == "considering"
    assert ("DK", "ground_forces") not in pairs(extractor, text)


def test_the_speaker_does_not_hold_what_an_unnamed_group_offers(extractor: Extractor) -> None:
    text = "The Swedish foreign minister said most allies were ready to send troops."

    assert pairs(extractor, text) == set()
    assert ("EU", "sanctions") in pairs(
        extractor, "The EU's foreign policy chief said the bloc was ready to impose sanctions."
    )


def test_a_states_name_before_its_skies_is_where_the_role_is_done(
    extractor: Extractor,
) -> None:
    assert ("GB", "air_cover") in pairs(extractor, "Britain would help guard Ukraine's skies.")
    assert pairs(extractor, "Ukrainian troops are ready to hold the line.") == set()


def test_armed_services_stand_for_their_state(extractor: Extractor) -> None:
    assert ("GB", "naval_security") in pairs(
        extractor, "The Royal Navy will clear mines off Odesa once the fighting stops."
    )
    assert ("DE", "training") in pairs(
        extractor, "The Bundeswehr has trained 10,000 Ukrainian soldiers since 2023."
    )


def test_no_troops_of_a_state_is_that_states_refusal(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "No Austrian troops will be sent to Ukraine, the chancellor said.",
            "AT",
            "ground_forces",
        ).status
        == "ruled_out"
    )


def test_an_opt_out_is_ruled_out(extractor: Extractor) -> None:
    text = "Hungary secured an opt-out from the loan to Ukraine."

    assert one(extractor, text, "HU", "financial_support").status == "ruled_out"


def test_a_role_as_subject_takes_the_status_after_it(extractor: Extractor) -> None:
    text = "Indonesia has gone furthest. Its defence ministry said 8,000 troops could deploy."

    assert one(extractor, text, "ID", "ground_forces").status == "considering"
    assert one(extractor, "Polish troops are ready to deploy.", "PL", "ground_forces")


def test_combat_aircraft_fly_air_cover_on_a_mission_and_are_arms_otherwise(
    extractor: Extractor,
) -> None:
    assert ("NL", "air_cover") in pairs(
        extractor, "The Netherlands has offered two F-35 fighters for the mission."
    )
    assert ("BE", "arms_supply") in pairs(extractor, "Belgium will deliver F-16s to Ukraine.")


def test_the_european_commission_speaks_for_the_eu(extractor: Extractor) -> None:
    text = "The European Commission said it was preparing a new package of sanctions."

    assert one(extractor, text, "EU", "sanctions").status == "willing"
