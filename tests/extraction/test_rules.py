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


def test_a_demonym_after_there_will_be_no_is_that_states_refusal(extractor: Extractor) -> None:
    text = "There will be no Dutch soldiers in Ukraine."

    assert one(extractor, text, "NL", "ground_forces").status == "ruled_out"


def test_an_attitude_right_before_the_act_is_the_rung(extractor: Extractor) -> None:
    prepared = "Portugal is prepared to commit troops."
    reluctant = "Austria appears reluctant to commit troops."

    assert one(extractor, prepared, "PT", "ground_forces").status == "willing"
    assert one(extractor, reluctant, "AT", "ground_forces").status == "reluctant"


def test_joining_does_not_take_a_role_across_a_contrast(extractor: Extractor) -> None:
    text = (
        "Ireland will not deploy troops but is prepared to contribute to mine clearance "
        "in the Black Sea."
    )

    assert one(extractor, text, "IE", "ground_forces").status == "ruled_out"
    assert one(extractor, text, "IE", "naval_security").status == "willing"


def test_a_force_that_another_role_is_offered_to_is_no_role_of_its_own(
    extractor: Extractor,
) -> None:
    text = "Croatia is ready to offer logistical support to a multinational force."

    assert pairs(extractor, text) == {("HR", "logistics")}


def test_a_fronted_condition_does_not_reach_across_a_semicolon(extractor: Extractor) -> None:
    text = "Britain will send troops after a ceasefire; Spain offers instructors."

    assert not one(extractor, text, "ES", "training").conditional


def test_whoever_a_transfer_comes_from_holds_it(extractor: Extractor) -> None:
    text = "The transfer of F-16s from Belgium and Norway is under way."

    assert one(extractor, text, "BE", "arms_supply").status == "active"
    assert one(extractor, text, "NO", "arms_supply").status == "active"
    assert pairs(extractor, "Troops from Belgium are under way to the border.") == set()


def test_an_amount_pledged_without_a_role_is_for_the_role_the_text_is_about(
    extractor: Extractor,
) -> None:
    text = (
        "Several allies are buying artillery shells for Ukraine.\n\n"
        "Belgium has committed 200 million euros."
    )

    assert one(extractor, text, "BE", "arms_supply").status == "pledged"


def test_transferred_aircraft_are_weapons_even_in_a_text_about_air_cover(
    extractor: Extractor,
) -> None:
    text = (
        "Allies discussed air policing over Ukraine.\n\n"
        "The transfer of F-16s from Norway is under way."
    )

    assert ("NO", "arms_supply") in pairs(extractor, text)
    assert ("NO", "air_cover") not in pairs(extractor, text)


def test_spending_on_air_defence_is_also_arms_supply(extractor: Extractor) -> None:
    text = "Iceland will spend 20 million euros on Patriot interceptors."

    assert ("IS", "arms_supply") in pairs(extractor, text)
    assert ("IS", "air_defense") in pairs(extractor, text)


def test_studying_the_proposal_takes_the_role_the_text_is_about(extractor: Extractor) -> None:
    text = (
        "Several allies are buying artillery shells for Ukraine.\n\n"
        "Ireland is studying the proposal."
    )

    assert one(extractor, text, "IE", "arms_supply").status == "considering"


def test_a_passive_agent_list_may_repeat_its_by(extractor: Extractor) -> None:
    text = "Kyiv received packages funded by Spain and by Italy, including NASAMS launchers."

    assert ("ES", "air_defense") in pairs(extractor, text)
    assert ("IT", "air_defense") in pairs(extractor, text)


def test_an_agent_list_ends_where_the_next_clause_names_its_subject(
    extractor: Extractor,
) -> None:
    text = "After talks in Doha, hosted by Qatar, the United States resumed deliveries."

    # The deliveries are the United States' own; the talks are Qatar's alone.
    assert pairs(extractor, text) == {("QA", "mediation"), ("US", "arms_supply")}


def test_money_named_right_before_weapons_pays_for_them(extractor: Extractor) -> None:
    text = "Peru confirmed new funding for Ukraine's air defence."

    assert pairs(extractor, text) == {("PE", "air_defense"), ("PE", "arms_supply")}


def test_units_of_an_air_defence_system_are_no_troops(extractor: Extractor) -> None:
    text = "Slovenia has delivered two IRIS-T SLM units and three fire units to Kyiv."

    assert pairs(extractor, text) == {("SI", "air_defense")}
