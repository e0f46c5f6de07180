"""The second generalisation round of the rules (issue 11): wider vocabularies of roles
and rungs, possessors, agents after a role, adjectives and peoples, named operations,
and the office-holders of the reference data (sentences written for these tests)."""

from datetime import date

from app.extraction.extractor import Extractor
from tests.extraction.helpers import one, pairs

# -- the vocabulary of roles ---------------------------------------------------


def test_designating_companies_and_listing_vessels_are_sanctions(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Australia has designated twelve companies trading Russian crude.",
            "AU",
            "sanctions",
        ).status
        == "active"
    )
    assert ("NZ", "sanctions") in pairs(
        extractor, "New Zealand will list 30 more tankers of the shadow fleet next month."
    )


def test_lending_and_not_paying_a_cent_are_financial_support(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Sweden will lend Ukraine two billion crowns over three years.",
            "SE",
            "financial_support",
        ).status
        == "pledged"
    )
    assert (
        one(
            extractor,
            "Bratislava will not pay a single euro towards the new scheme.",
            "SK",
            "financial_support",
        ).status
        == "ruled_out"
    )


def test_hosting_delegations_is_mediation(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Qatar hosted both delegations in Doha for two days of talks.",
            "QA",
            "mediation",
        ).status
        == "active"
    )


def test_equipment_ships_and_bullets_are_arms_supply(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Greece will not send a single bullet from its own stocks, Athens said.",
            "GR",
            "arms_supply",
        ).status
        == "ruled_out"
    )
    handed = "The Netherlands handed over two retired minehunting vessels last year."
    assert one(extractor, handed, "NL", "arms_supply").status == "active"


def test_a_hub_for_aid_is_logistics(extractor: Extractor) -> None:
    assert ("SK", "logistics") in pairs(
        extractor, "Slovakia will remain a hub for aid crossing into Ukraine by rail."
    )


def test_leading_the_force_is_ground_forces(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Norway has said it is ready to lead the force's northern brigade.",
            "NO",
            "ground_forces",
        ).status
        == "willing"
    )


# -- the vocabulary of rungs ----------------------------------------------------


def test_no_question_of_and_off_the_agenda_rule_out(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "For Lisbon there is no question of Portuguese troops going to Ukraine.",
            "PT",
            "ground_forces",
        ).status
        == "ruled_out"
    )


def test_sanctions_that_took_effect_are_active(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Japan's latest sanctions on Russian banks took effect on Monday.",
            "JP",
            "sanctions",
        ).status
        == "active"
    )


def test_a_loan_being_disbursed_is_active(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Norway's two-billion-crown loan to Ukraine is being disbursed in tranches.",
            "NO",
            "financial_support",
        ).status
        == "active"
    )


# -- who holds the role ----------------------------------------------------------


def test_the_agent_after_a_role_holds_it(extractor: Extractor) -> None:
    text = "Ministers discussed an air mission over western Ukraine, led by Sweden and Finland."

    assert pairs(extractor, text) >= {("SE", "air_cover"), ("FI", "air_cover")}


def test_a_possessor_holds_its_own_commitment(extractor: Extractor) -> None:
    text = "Denmark's three-year support programme for Ukraine remains in force."

    assert one(extractor, text, "DK", "financial_support").status == "active"


def test_a_possessor_of_anything_else_holds_nothing(extractor: Extractor) -> None:
    assert pairs(extractor, "Belgium's capital hosted talks on Tuesday.") == set()


def test_a_people_and_an_adjective_agent_hold_roles(extractor: Extractor) -> None:
    assert ("AT", "ground_forces") not in pairs(
        extractor, "Austrian mountains were the venue of the meeting."
    )
    assert (
        one(
            extractor,
            "The Estonian-led initiative has delivered 40,000 shells this year.",
            "EE",
            "arms_supply",
        ).status
        == "active"
    )
    assert ("GR", "naval_security") in pairs(
        extractor, "The Greeks have deployed two frigates to escort ships in the Red Sea."
    )


def test_a_named_national_operation_is_its_state(extractor: Extractor) -> None:
    text = "Operation UNIFIER has trained 45,000 Ukrainian soldiers since 2015."

    assert one(extractor, text, "CA", "training").status == "active"


def test_the_subject_of_a_relative_clause_holds_the_role_before_it(extractor: Extractor) -> None:
    text = (
        "Diplomats described the naval mission, which Greece and Cyprus have agreed to "
        "lead, as the most ambitious yet."
    )

    assert pairs(extractor, text) >= {("GR", "naval_security"), ("CY", "naval_security")}
    assert (
        one(
            extractor,
            "The NASAMS battery that Norway donated last year is still in service.",
            "NO",
            "air_defense",
        ).status
        == "active"
    )
    assert ("NATO", "ground_forces") not in pairs(
        extractor, "Moscow said the presence of troops from NATO states would be unacceptable."
    )


def test_playing_its_part_takes_the_role_the_text_is_about(extractor: Extractor) -> None:
    text = (
        "Ministers met in Rome to plan the stabilisation force for Ukraine.\n\n"
        "Portugal is ready to play its part, its defence minister said."
    )

    assert one(extractor, text, "PT", "ground_forces").status == "willing"


def test_a_contribution_named_after_a_long_amount_is_its_role(extractor: Extractor) -> None:
    text = (
        "Ireland has contributed a further 30 million euros' worth of non-lethal and "
        "lethal artillery ammunition to Ukraine."
    )

    assert ("IE", "arms_supply") in pairs(extractor, text)


# -- office-holders and voices ---------------------------------------------------


def test_a_named_minister_speaks_for_the_state_of_the_day(extractor: Extractor) -> None:
    text = "Sikorski said Poland would send no troops to Ukraine."
    before = "Kosiniak-Kamysz said no Polish troops would go to Ukraine."

    assert one(extractor, text, "PL", "ground_forces").status == "ruled_out"
    assert one(extractor, before, "PL", "ground_forces").status == "ruled_out"


def test_a_minister_quoted_alone_speaks_for_the_state(extractor: Extractor) -> None:
    text = 'Rutte said: "We will deliver more air defence to Ukraine this winter."'

    assert ("NATO", "air_defense") in pairs(extractor, text)


def test_a_briefing_labelled_by_surname_speaks_for_the_officials_state(
    extractor: Extractor,
) -> None:
    text = (
        "Press briefing, 12 March 2025 (excerpts)\n\n"
        "MS. BRUCE: Good afternoon. We have resumed intelligence sharing with Ukraine."
    )

    claim = one(extractor, text, "US", "intelligence", published_on=date(2025, 3, 12))
    assert claim.status == "active"


def test_a_surname_nobody_held_an_office_with_speaks_for_nobody(extractor: Extractor) -> None:
    text = (
        "Press briefing, 12 March 2025 (excerpts)\n\n"
        "MS. ROE: Good afternoon. We have resumed intelligence sharing with Ukraine."
    )

    assert pairs(extractor, text) == set()


def test_a_text_by_an_office_is_that_offices_side(extractor: Extractor) -> None:
    text = (
        "Press Briefing by the White House Press Secretary on Ukraine\n\n"
        "THE PRESS SECRETARY: We will keep sharing intelligence with Ukraine."
    )

    assert pairs(extractor, text) == {("US", "intelligence")}


def test_an_interview_headed_by_a_ministers_name_is_their_side(extractor: Extractor) -> None:
    text = (
        'Tajani: "Italy will not send soldiers, but it will train Ukrainian pilots"\n\n'
        "Q: Will Italy send soldiers to Ukraine?\n\n"
        "A: We will train Ukrainian pilots in Italy next year."
    )

    assert ("IT", "training") in pairs(extractor, text)


def test_the_readiness_of_an_actor_is_its_position(extractor: Extractor) -> None:
    text = "Ministers welcomed the readiness of Ireland to train Ukrainian soldiers."

    assert one(extractor, text, "IE", "training").status == "willing"


def test_a_role_set_against_another_by_not_is_refused(extractor: Extractor) -> None:
    text = 'Lisbon said its help would be "shells, not troops".'

    assert one(extractor, text, "PT", "ground_forces").status == "ruled_out"


def test_boots_are_their_states_troops(extractor: Extractor) -> None:
    text = "There will be no Canadian boots on the ground in Ukraine, Ottawa said."

    assert one(extractor, text, "CA", "ground_forces").status == "ruled_out"


def test_an_official_texts_unnamed_president_is_its_voice(extractor: Extractor) -> None:
    text = (
        "Briefing by the Press Secretary of Romania\n\n"
        "THE PRESS SECRETARY: The President is prepared to send minehunters to the Black Sea."
    )

    assert one(extractor, text, "RO", "naval_security").status == "willing"
    assert pairs(extractor, "The President is prepared to send minehunters.") == set()


def test_a_bold_interview_question_states_no_position(extractor: Extractor) -> None:
    assert pairs(extractor, "**Will Danish troops be part of the force?**") == set()


def test_a_table_row_in_force_and_a_numbered_package(extractor: Extractor) -> None:
    text = (
        "Sanctions against Russia\n\n"
        "| Country | Measure | Status |\n"
        "|---|---|---|\n"
        "| Iceland | Designations of shadow-fleet tankers | In force |\n"
        "| Liechtenstein | Alignment with the 19th package | Expected |\n"
    )

    assert one(extractor, text, "IS", "sanctions").status == "active"
    assert one(extractor, text, "LI", "sanctions").status == "considering"


def test_amounts_in_currency_codes_and_repairs_are_financial_support(
    extractor: Extractor,
) -> None:
    assert (
        one(
            extractor,
            "Sweden will provide SEK 500 million to Ukraine for winter heating.",
            "SE",
            "financial_support",
        ).status
        == "pledged"
    )
    assert ("FI", "financial_support") in pairs(
        extractor, "Finland will help repair the damaged power grid around Kharkiv."
    )


def test_shooting_down_drones_over_ukraine_is_air_cover(extractor: Extractor) -> None:
    text = "Lithuania could consider shooting down drones over western Ukraine."

    assert one(extractor, text, "LT", "air_cover").status == "considering"


def test_a_mission_set_up_by_states_is_theirs(extractor: Extractor) -> None:
    text = "The demining group set up by Greece and Cyprus last year clears mines in the Black Sea."

    assert pairs(extractor, text) >= {("GR", "naval_security"), ("CY", "naval_security")}


def test_deciding_on_its_participation_is_considering(extractor: Extractor) -> None:
    text = (
        "Twenty states have offered troops to the reassurance force.\n\n"
        "Austria will decide on its participation when the mandate is clear."
    )

    assert one(extractor, text, "AT", "ground_forces").status == "considering"


def test_partners_named_after_the_role_share_it(extractor: Extractor) -> None:
    text = (
        "Press release of the Ministry of Defence of Bulgaria\n\n"
        "Since last summer our minehunters have been clearing mines together with the Greek "
        "and Cypriot navies."
    )

    assert pairs(extractor, text) == {
        ("BG", "naval_security"),
        ("GR", "naval_security"),
        ("CY", "naval_security"),
    }


def test_a_lead_role_allocated_for_after_a_ceasefire_is_pledged(extractor: Extractor) -> None:
    text = "Italy and Spain will lead the stabilisation force once a ceasefire is signed."

    claim = one(extractor, text, "IT", "ground_forces")
    assert (claim.status, claim.conditional) == ("pledged", True)
    offer = one(
        extractor, "Italy will send troops once a ceasefire is signed.", "IT", "ground_forces"
    )
    assert offer.status == "willing"


# -- other theatres and other arrangements ---------------------------------------


def test_troops_for_another_theatre_are_not_ground_forces(extractor: Extractor) -> None:
    text = (
        "Kenya has deployed 800 police officers to Haiti.\n\n"
        "Benin is ready to send troops to the mission as well."
    )
    near = (
        "Estonia will send 100 soldiers to Ukraine, as it once did alongside French troops in Mali."
    )

    assert ("KE", "ground_forces") not in pairs(extractor, text)
    assert ("BJ", "ground_forces") not in pairs(extractor, text)
    assert ("EE", "ground_forces") in pairs(extractor, near)
    assert ("FR", "ground_forces") not in pairs(extractor, near)


def test_a_text_back_on_ukraine_reads_its_ground_forces_again(extractor: Extractor) -> None:
    text = (
        "Indonesia is ready to send troops to Gaza.\n\n"
        "In Ukraine, meanwhile, Sweden is ready to send troops after a ceasefire."
    )

    assert pairs(extractor, text) == {("SE", "ground_forces")}


def test_naval_patrols_escorts_and_named_operations(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Finland's coast guard vessels were patrolling the Gulf of Finland.",
            "FI",
            "naval_security",
        ).status
        == "active"
    )
    assert (
        one(
            extractor,
            "Portugal keeps a frigate with Aspides in the Red Sea.",
            "PT",
            "naval_security",
        ).status
        == "active"
    )


def test_a_monitoring_centre_and_convening_the_sides(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Some 40 Danish officers staff the Civil-Military Coordination Center in Israel.",
            "DK",
            "border_monitoring",
        ).status
        == "active"
    )
    assert (
        one(
            extractor,
            "Oman will convene the two sides again in Muscat next week.",
            "OM",
            "mediation",
        ).status
        == "pledged"
    )


def test_a_list_of_adjectives_names_each_state(extractor: Extractor) -> None:
    text = "Danish, Dutch and Belgian frigates have been escorting ships in the Red Sea."

    assert pairs(extractor, text) >= {
        ("DK", "naval_security"),
        ("NL", "naval_security"),
        ("BE", "naval_security"),
    }


def test_the_agent_of_a_transfer_or_an_adoption_holds_the_role(extractor: Extractor) -> None:
    text = "The NASAMS launcher transferred by Norway in 2024 still protects Kyiv."

    assert one(extractor, text, "NO", "air_defense").status == "active"
    assert ("UN", "sanctions") not in pairs(
        extractor, "Brazil applies no sanctions that are not adopted by the United Nations."
    )


def test_a_place_before_a_relative_clause_holds_nothing(extractor: Extractor) -> None:
    text = "Dozens of officers work at a centre in southern Israel, which monitors the ceasefire."

    assert ("IL", "border_monitoring") not in pairs(extractor, text)


def test_thanking_others_for_their_role_is_not_ones_own(extractor: Extractor) -> None:
    text = "We want to thank the mediators for their work."

    assert pairs(extractor, "Statement of the Government of Chile\n\n" + text) == set()


def test_this_government_in_a_parliament_is_the_texts_side(extractor: Extractor) -> None:
    text = (
        "Parliament of Ireland: oral questions on Ukraine\n\n"
        "The Minister for Defence: Should there be a ceasefire, this Government would "
        "consider any request to send peacekeepers to Ukraine."
    )

    assert one(extractor, text, "IE", "ground_forces").status == "considering"


def test_a_defence_force_acronym_is_its_state(extractor: Extractor) -> None:
    text = "NZDF trainers will keep training Ukrainian recruits in the United Kingdom."

    assert ("NZ", "training") in pairs(extractor, text)


def test_joint_sails_boarding_and_deployments_at_sea(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Vietnam's navy conducted a joint sail with Japan in March.",
            "VN",
            "naval_security",
        ).status
        == "active"
    )
    assert (
        one(
            extractor,
            "Latvia is examining whether its navy may board vessels in its waters.",
            "LV",
            "naval_security",
        ).status
        == "considering"
    )


def test_a_title_names_ukraine_before_the_side_it_is_by(extractor: Extractor) -> None:
    text = (
        "Oral questions: Ukraine and New Zealand Defence Force deployments\n\n"
        "The Minister of Defence: We will send two more training teams to help train "
        "Ukrainian soldiers."
    )

    assert ("NZ", "training") in pairs(extractor, text)


def test_contributing_without_deploying_forces_rules_the_forces_out(extractor: Extractor) -> None:
    text = "Bulgaria will help with logistics, without deploying forces on Ukrainian territory."

    assert one(extractor, text, "BG", "ground_forces").status == "ruled_out"


def test_not_reducing_a_contribution_keeps_it_active(extractor: Extractor) -> None:
    text = "Athens said it will not reduce its naval contribution to Aspides."

    assert one(extractor, text, "GR", "naval_security").status == "active"


def test_a_refusal_for_the_near_term_is_a_limit(extractor: Extractor) -> None:
    text = "Chile would not be sending naval vessels to the joint patrols in the near term."

    claim = one(extractor, text, "CL", "naval_security")
    assert claim.status == "reluctant"


def test_what_is_not_excluded_is_considered(extractor: Extractor) -> None:
    text = "South Korea said lethal weapons for Ukraine are not excluded."

    assert one(extractor, text, "KR", "arms_supply").status == "considering"


def test_emphatic_refusals_not_one_soldier_or_cartridge(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            'Fico said Slovakia would send "not one soldier" to Ukraine.',
            "SK",
            "ground_forces",
        ).status
        == "ruled_out"
    )
    assert (
        one(
            extractor,
            "Budapest will not send a single weapon to Ukraine, Szijjarto said.",
            "HU",
            "arms_supply",
        ).status
        == "ruled_out"
    )


def test_purl_packages_are_arms_supply(extractor: Extractor) -> None:
    text = "Finland has committed 100 million euros under PURL this autumn."

    assert one(extractor, text, "FI", "arms_supply").status == "pledged"


def test_staying_outside_a_loan_rules_it_out(extractor: Extractor) -> None:
    text = (
        "EU leaders agreed a loan of 90 billion euros for Ukraine.\n\n"
        "Hungary and Slovakia stayed outside the loan."
    )

    assert one(extractor, text, "HU", "financial_support").status == "ruled_out"


def test_machine_translated_word_orders(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "The Navy Turkish already clears mines in the Black Sea.",
            "TR",
            "naval_security",
        ).status
        == "active"
    )
    assert (
        one(
            extractor,
            "The sending of soldiers Italian to Ukraine is not foreseen.",
            "IT",
            "ground_forces",
        ).status
        == "ruled_out"
    )


def test_what_is_kept_secret_or_classified_is_undisclosed(extractor: Extractor) -> None:
    text = "Portugal's military aid packages remain largely secret."

    assert one(extractor, text, "PT", "arms_supply").status == "undisclosed"


def test_a_parliaments_minister_labelled_by_surname_and_constituency(
    extractor: Extractor,
) -> None:
    text = (
        "House of Representatives, Questions without Notice: Ukraine\n\n"
        "Mr MARLES (Corio—Deputy Prime Minister) (14:22): We have sanctioned more than 60 "
        "vessels of the shadow fleet, and those sanctions are in force."
    )

    claim = one(extractor, text, "AU", "sanctions", published_on=date(2025, 9, 3))
    assert claim.status == "active"


def test_a_parliaments_name_is_its_state(extractor: Extractor) -> None:
    text = "The Storting approved a further NOK 5 billion for Ukraine's energy grid."

    assert ("NO", "financial_support") in pairs(extractor, text)


def test_adjectives_before_aircraft_and_sanctions_name_their_state(extractor: Extractor) -> None:
    assert ("BE", "air_cover") in pairs(
        extractor, "Belgian F-16s might join an air mission over Ukraine after a ceasefire."
    )
    assert (
        one(
            extractor, "The Japanese sanctions on Russian banks are in force.", "JP", "sanctions"
        ).status
        == "active"
    )


def test_a_company_sized_unit_and_staff_officers_are_ground_forces(extractor: Extractor) -> None:
    text = "Latvia is ready to send a company-sized unit to Ukraine once there is a ceasefire."

    assert one(extractor, text, "LV", "ground_forces").status == "willing"


def test_opting_out_and_co_funding(extractor: Extractor) -> None:
    assert (
        one(extractor, "Malta and Cyprus opted out of the loan.", "MT", "financial_support").status
        == "ruled_out"
    )
    text = "Iceland will co-fund a Patriot battery for Ukraine."

    assert ("IS", "air_defense") in pairs(extractor, text)


def test_saying_the_same_repeats_the_last_commitment(extractor: Extractor) -> None:
    text = "Italy will not send troops to Ukraine.\n\nPoland says the same."
    of = "Meloni ruled out sending troops to Ukraine. Tusk said the same of Poland."

    claim = one(extractor, text, "PL", "ground_forces")
    assert (claim.status, claim.evidence.text) == ("ruled_out", "Poland says the same")
    assert one(extractor, of, "PL", "ground_forces", published_on=date(2025, 3, 1)).status == (
        "ruled_out"
    )
    assert pairs(extractor, "Poland says the same.") == set()


def test_saying_the_same_within_one_sentence(extractor: Extractor) -> None:
    text = "Athens says it will not send troops to Ukraine, and Nicosia says the same."

    assert one(extractor, text, "CY", "ground_forces").status == "ruled_out"


def test_an_adjective_before_a_named_force_names_its_state(extractor: Extractor) -> None:
    text = "The Danish Armed Forces are training Ukrainian pilots at Skrydstrup."

    assert one(extractor, text, "DK", "training").status == "active"


def test_securing_exemptions_rules_out(extractor: Extractor) -> None:
    text = "EU leaders agreed a loan to Ukraine; Malta secured an exemption from the loan."

    assert one(extractor, text, "MT", "financial_support").status == "ruled_out"


def test_opting_out_of_what_the_text_is_about(extractor: Extractor) -> None:
    text = "EU leaders agreed to lend Ukraine 90 billion euros.\n\nMalta and Cyprus opted out."

    assert one(extractor, text, "CY", "financial_support").status == "ruled_out"


def test_military_hubs_and_a_contribution_to_the_force(extractor: Extractor) -> None:
    assert (
        one(
            extractor,
            "Spain will set up military hubs across Ukraine after a ceasefire.",
            "ES",
            "ground_forces",
        ).status
        == "willing"
    )
    assert (
        one(
            extractor,
            "Mexico would look seriously at a contribution to the force.",
            "MX",
            "ground_forces",
        ).status
        == "considering"
    )


def test_a_verification_mechanism_and_reconstruction_support(extractor: Extractor) -> None:
    assert ("CH", "border_monitoring") in pairs(
        extractor, "Switzerland is ready to lead a mechanism of verification of the ceasefire."
    )
    assert (
        one(
            extractor,
            "South Korea continues to provide budget and reconstruction support to Ukraine.",
            "KR",
            "financial_support",
        ).status
        == "active"
    )


def test_the_lone_actor_of_a_clause_holds_a_role_no_predicate_reaches(
    extractor: Extractor,
) -> None:
    text = "On the air mission over Ukraine, Sweden is ready."
    several = "On the air mission over Ukraine, Sweden and Finland differ, Norway is ready."

    assert one(extractor, text, "SE", "air_cover").status == "willing"
    assert pairs(extractor, several) == set()


def test_restrictions_costs_and_spelled_ordinal_packages_are_sanctions(
    extractor: Extractor,
) -> None:
    assert (
        one(
            extractor,
            "Iceland has imposed national restrictions on port calls by shadow fleet tankers.",
            "IS",
            "sanctions",
        ).status
        == "active"
    )
    assert (
        one(extractor, "The EU's nineteenth package is in force.", "EU", "sanctions").status
        == "active"
    )


def test_refusing_to_go_into_details_is_undisclosed(extractor: Extractor) -> None:
    text = "Spain has refused to go into the details of its latest military aid package."

    assert one(extractor, text, "ES", "arms_supply").status == "undisclosed"
