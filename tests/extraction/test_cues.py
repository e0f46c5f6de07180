"""Cue sentences, one or more per rule of the extractor (written for these tests)."""

from datetime import date

import pytest

from app.extraction.extractor import Extractor
from tests.extraction.helpers import WEDNESDAY, claims, one, pairs

ROLES = [
    (
        "Sweden is ready to contribute troops to a reassurance force in Ukraine.",
        "SE",
        "ground_forces",
    ),
    ("Washington could provide air cover for a European mission.", "US", "air_cover"),
    ("Norway has delivered additional air-defence systems to Kyiv.", "NO", "air_defense"),
    (
        "The Netherlands will send two minehunters to clear mines in the Black Sea.",
        "NL",
        "naval_security",
    ),
    ("Canada is ready to share intelligence with Kyiv.", "CA", "intelligence"),
    ("Austria would send observers to monitor the ceasefire line.", "AT", "border_monitoring"),
    ("Denmark pledged new weapons deliveries on Wednesday.", "DK", "arms_supply"),
    ("Lithuania has trained hundreds of Ukrainian soldiers since 2022.", "LT", "training"),
    ("Poland is ready to run a logistics hub for the mission.", "PL", "logistics"),
    ("Japan pledged $4.5 billion in budget support for Ukraine.", "JP", "financial_support"),
    ("The European Union adopted a new package of sanctions against Russia.", "EU", "sanctions"),
    (
        "The United States is prepared to offer Article 5-style guarantees to Kyiv.",
        "US",
        "guarantor",
    ),
    ("Turkey offered to host a new round of talks between Moscow and Kyiv.", "TR", "mediation"),
    ("Portugal is open to sending personnel to the force.", "PT", "ground_forces"),
    ("Sweden has been passing targeting data to Kyiv.", "SE", "intelligence"),
    ("Italy could provide airborne surveillance over the Black Sea coast.", "IT", "air_cover"),
    ("Slovakia offered to host a repair hub for Ukrainian tanks.", "SK", "logistics"),
    ("Jordan is ready to help train police officers.", "JO", "training"),
    ("Norway will provide 2 billion crowns to Ukraine.", "NO", "financial_support"),
    ("Canada sanctioned a further 50 vessels on Monday.", "CA", "sanctions"),
    ("Poland will coordinate the deliveries of donated equipment.", "PL", "logistics"),
    ("Estonia will send mine countermeasures vessels.", "EE", "naval_security"),
    ("Latvia is ready to send trainers.", "LV", "training"),
    ("Portugal is prepared to put planes in the air over Ukraine.", "PT", "air_cover"),
    ("Croatia will deliver a further package worth 30 million euros.", "HR", "arms_supply"),
    ("Malta will finance a package of American equipment.", "MT", "arms_supply"),
    ("Estonia has declared its readiness to send contingents.", "EE", "ground_forces"),
    ("Slovenia has delivered two IRIS-T SLM units to Kyiv.", "SI", "air_defense"),
    ("Ukrainian pilots have been trained in Belgium since 2023.", "BE", "training"),
    ("Ukrainian soldiers received training from Danish instructors.", "DK", "training"),
]


@pytest.mark.parametrize(("text", "actor", "role"), ROLES)
def test_each_role_is_read_from_its_cues(
    extractor: Extractor, text: str, actor: str, role: str
) -> None:
    assert (actor, role) in pairs(extractor, text)


STATUSES = [
    ("Poland ruled out sending its own soldiers to Ukraine.", "PL", "ground_forces", "ruled_out"),
    ("Italy will not send troops to Ukraine.", "IT", "ground_forces", "ruled_out"),
    ("Hungary has no plans to send weapons to Ukraine.", "HU", "arms_supply", "ruled_out"),
    ("Berlin is sceptical about sending troops.", "DE", "ground_forces", "reluctant"),
    ("Germany is considering sending air-defence systems.", "DE", "air_defense", "considering"),
    ("Estonia does not rule out sending troops.", "EE", "ground_forces", "considering"),
    ("Sweden has expressed its willingness to send troops.", "SE", "ground_forces", "willing"),
    ("Ireland intends to fund Ukraine's reconstruction.", "IE", "financial_support", "willing"),
    ("Canada has committed 2,000 troops to the force.", "CA", "ground_forces", "pledged"),
    ("Britain has deployed engineers and troops to Ukraine.", "GB", "ground_forces", "active"),
    ("Slovakia has suspended arms deliveries to Ukraine.", "SK", "arms_supply", "withdrawn"),
    ("Sweden declined to say whether it would send troops.", "SE", "ground_forces", "undisclosed"),
    ("Paris could offer air cover.", "FR", "air_cover", "considering"),
    ("Vienna is more guarded about sending troops.", "AT", "ground_forces", "reluctant"),
    (
        "Canberra is keeping its options open on sending troops.",
        "AU",
        "ground_forces",
        "considering",
    ),
    ("Washington is looking at supplying more missiles.", "US", "arms_supply", "considering"),
    ("Berlin will keep up its deliveries of weapons.", "DE", "arms_supply", "active"),
    ("Poland has become the largest supplier of weapons to Kyiv.", "PL", "arms_supply", "active"),
    ("Hungary secured an opt-out from the sanctions.", "HU", "sanctions", "ruled_out"),
    ("Greece will not be part of the force.", "GR", "ground_forces", "ruled_out"),
    ("Spain gave Ukraine two air-defence systems.", "ES", "air_defense", "active"),
    ("Belgium has donated artillery shells to Kyiv.", "BE", "arms_supply", "active"),
    ("Canada handed over armoured vehicles in May.", "CA", "arms_supply", "active"),
    ("Austria has financed demining in Ukraine.", "AT", "naval_security", "active"),
    ("Chile confirmed new funding for Ukraine's budget.", "CL", "financial_support", "pledged"),
    ("Iceland has aligned itself with the EU sanctions.", "IS", "sanctions", "active"),
    ("Britain's training of Ukrainian crews is under way.", "GB", "training", "active"),
    ("Denmark and Norway will jointly fund Patriot interceptors.", "NO", "air_defense", "pledged"),
    ("Spain has long been delivering howitzers to Kyiv.", "ES", "arms_supply", "active"),
    ("Greece has paid for artillery shells for Ukraine.", "GR", "arms_supply", "active"),
    (
        "Kyiv received a package financed by Belgium and including NASAMS launchers.",
        "BE",
        "air_defense",
        "active",
    ),
    ("The talks were hosted by Qatar in May.", "QA", "mediation", "active"),
    ("Croatia's donation package is being finalised.", "HR", "arms_supply", "pledged"),
    ("There will be no NATO mission on the ground.", "NATO", "ground_forces", "ruled_out"),
    ("Sending Danish troops cannot be ruled out.", "DK", "ground_forces", "considering"),
    ("Sweden would no longer pay for weapons.", "SE", "arms_supply", "ruled_out"),
    ("Austria has refused since 2022 to send weapons.", "AT", "arms_supply", "ruled_out"),
    ("Ireland does not send lethal weapons.", "IE", "arms_supply", "ruled_out"),
    ("Norway is ready to lead the force on the ground.", "NO", "ground_forces", "willing"),
    ("Austria could help monitor a demilitarised zone.", "AT", "border_monitoring", "considering"),
    ("Latvia would keep training Ukrainian soldiers.", "LV", "training", "active"),
    ("Estonia announced its decision to send artillery shells.", "EE", "arms_supply", "pledged"),
    ("Chile refused to exclude sending troops.", "CL", "ground_forces", "considering"),
]


@pytest.mark.parametrize(("text", "actor", "role", "status"), STATUSES)
def test_each_rung_is_read_from_its_cues(
    extractor: Extractor, text: str, actor: str, role: str, status: str
) -> None:
    assert one(extractor, text, actor, role).status == status


def test_a_list_is_coded_member_by_member_and_a_hedge_lowers_only_its_member(
    extractor: Extractor,
) -> None:
    text = "Denmark, Norway and possibly Estonia are prepared to deploy troops to Ukraine."
    found = {c.actor: c for c in claims(extractor, text)}

    assert (found["DK"].status, found["DK"].certainty) == ("willing", "high")
    assert (found["NO"].status, found["NO"].certainty) == ("willing", "high")
    assert (found["EE"].status, found["EE"].certainty) == ("considering", "medium")
    assert found["EE"].evidence.text.startswith("Estonia")


def test_a_hedge_before_one_listed_role_lowers_that_role_only(extractor: Extractor) -> None:
    text = "Finland is prepared to provide training, logistical support and possibly air defence."
    found = {c.role: c for c in claims(extractor, text)}

    assert found["training"].certainty == "high"
    assert found["logistics"].certainty == "high"
    assert found["air_defense"].certainty == "medium"


def test_a_refusal_limited_in_place_is_a_limit_not_ruled_out(extractor: Extractor) -> None:
    claim = one(
        extractor, "Belgium refuses to send soldiers to the front line.", "BE", "ground_forces"
    )

    assert claim.status != "ruled_out"
    assert claim.limits is not None
    assert "front line" in claim.limits


def test_a_limited_refusal_adds_a_limit_to_the_stronger_claim(extractor: Extractor) -> None:
    text = (
        "Spain is ready to send troops to Ukraine. "
        "Madrid, however, refuses to send soldiers into combat zones."
    )
    claim = one(extractor, text, "ES", "ground_forces")

    assert claim.status == "willing"
    assert claim.limits is not None
    assert "combat zones" in claim.limits


def test_mixed_signals_are_considering(extractor: Extractor) -> None:
    text = "Portugal remains cautious, but it is ready to send troops if a ceasefire holds."
    claim = one(extractor, text, "PT", "ground_forces")

    assert claim.status == "considering"
    assert [c.type for c in claim.conditions] == ["ceasefire"]


CONDITIONS = [
    ("Romania would contribute troops only with US support.", "RO", "us_backstop"),
    ("Latvia is ready to send troops once a ceasefire is agreed.", "LV", "ceasefire"),
    ("Croatia would send troops after a peace deal is signed.", "HR", "peace_agreement"),
    ("Greece will send a frigate if parliament approves the mission.", "GR", "other"),
    ("Slovenia would join the force only if Moscow agrees to it.", "SI", "russian_consent"),
    (
        "Norway is preparing sanctions to be imposed if Russia refuses to join peace talks.",
        "NO",
        "talks_refused",
    ),
]


@pytest.mark.parametrize(("text", "actor", "ctype"), CONDITIONS)
def test_conditions_are_typed_by_their_cues(
    extractor: Extractor, text: str, actor: str, ctype: str
) -> None:
    found = [c for c in claims(extractor, text) if c.actor == actor]

    assert found
    assert found[0].conditional
    assert [c.type for c in found[0].conditions] == [ctype]


def test_a_plain_if_without_a_condition_cue_is_no_condition(extractor: Extractor) -> None:
    claim = one(extractor, "Canada could help with training if asked.", "CA", "training")

    assert not claim.conditional


def test_a_conditional_will_is_willing(extractor: Extractor) -> None:
    text = "The EU will impose new sanctions unless Russia agrees to a ceasefire."
    claim = one(extractor, text, "EU", "sanctions")

    assert claim.status == "willing"
    assert claim.conditional


def test_roles_a_plan_assigns_are_considering_on_basis_plan(extractor: Extractor) -> None:
    text = "The proposal envisions a larger Canadian role, with intelligence and training."
    found = {c.role: c for c in claims(extractor, text) if c.actor == "CA"}

    assert set(found) == {"intelligence", "training"}
    assert {(c.status, c.basis) for c in found.values()} == {("considering", "plan")}


def test_a_modal_under_a_plan_is_a_plan_role(extractor: Extractor) -> None:
    claim = one(
        extractor, "Under the plan, Germany would provide air defence.", "DE", "air_defense"
    )

    assert (claim.status, claim.basis) == ("considering", "plan")


def test_calls_on_others_are_not_commitments(extractor: Extractor) -> None:
    assert pairs(extractor, "Zelensky urged European allies to impose new sanctions.") == set()
    assert pairs(extractor, "Kyiv called for more air defence systems.") == set()


def test_unnamed_groups_yield_nothing(extractor: Extractor) -> None:
    assert pairs(extractor, "Twenty-six countries pledged to send troops to Ukraine.") == set()
    assert pairs(extractor, "European allies are ready to send troops.") == set()


def test_events_yield_nothing(extractor: Extractor) -> None:
    text = (
        "The Dutch prime minister traveled to Kyiv on Monday. Russian troops attacked the "
        "city overnight, and Ukrainian air defences intercepted most of the drones."
    )
    assert pairs(extractor, text) == set()


def test_warring_parties_do_not_mediate(extractor: Extractor) -> None:
    assert pairs(extractor, "Russia offered to host the next round of talks in Moscow.") == set()


def test_troops_stationed_in_a_neighbouring_country_are_not_ground_forces(
    extractor: Extractor,
) -> None:
    assert ("GB", "ground_forces") not in pairs(
        extractor, "Britain has deployed more troops to Estonia."
    )


def test_basis_report_via_the_outlet_cited(extractor: Extractor) -> None:
    text = "Finland could provide intelligence, according to Reuters."
    claim = one(extractor, text, "FI", "intelligence")

    assert (claim.basis, claim.via) == ("report", ["Reuters"])


def test_reportedly_is_a_report_with_medium_certainty(extractor: Extractor) -> None:
    claim = one(
        extractor, "Greece is reportedly considering sending frigates.", "GR", "naval_security"
    )

    assert (claim.basis, claim.certainty, claim.status) == ("report", "medium", "considering")


def test_a_person_speaks_for_their_actor_as_speaker(extractor: Extractor) -> None:
    claim = one(extractor, "Trump said Washington would provide air support.", "US", "air_cover")

    assert (claim.basis, claim.speaker) == ("statement", "donald-trump")


def test_another_governments_account_is_a_report(extractor: Extractor) -> None:
    claim = one(extractor, "Trump said France wanted to send troops.", "FR", "ground_forces")

    assert (claim.basis, claim.speaker) == ("report", None)


def test_a_capital_stands_for_its_state_but_not_as_a_place(extractor: Extractor) -> None:
    assert ("CH", "mediation") in pairs(extractor, "Bern is ready to host the talks.")
    assert pairs(extractor, "Talks in Bern could host a new round.") <= {("CH", "mediation")}
    assert ("CH", "mediation") not in pairs(extractor, "Italy is ready to host talks in Bern.")


def test_an_adjective_names_its_state_only_before_an_office(extractor: Extractor) -> None:
    assert ("PL", "ground_forces") in pairs(
        extractor, "The Polish government is ready to send troops."
    )
    assert pairs(extractor, "Polish airspace could be patrolled.") == set()


DATES = [
    ("Portugal said on Monday it was ready to send instructors.", date(2025, 8, 18)),
    ("Portugal said yesterday it was ready to send troops.", date(2025, 8, 19)),
    ("This Wednesday, Portugal said it was ready to send troops.", date(2025, 8, 20)),
    (
        "On 12 August, Portugal pledged EUR 50 million for Ukraine's reconstruction.",
        date(2025, 8, 12),
    ),
    ("Portugal is ready to send troops.", WEDNESDAY),
    ("Last month Portugal said it was ready to send troops.", WEDNESDAY),
]


@pytest.mark.parametrize(("text", "stated_on"), DATES)
def test_days_resolve_against_the_publication_date(
    extractor: Extractor, text: str, stated_on: date
) -> None:
    found = [c for c in claims(extractor, text) if c.actor == "PT"]

    assert [c.stated_on for c in found] == [stated_on]


def test_a_day_carries_over_to_the_sentence_that_continues_the_statement(
    extractor: Extractor,
) -> None:
    text = (
        "Latvia's defence minister said on Tuesday that Riga was ready to send troops. "
        "He added that Latvia could also provide air defence.\n"
        "Estonia is ready to send troops."
    )
    found = {(c.actor, c.role): c.stated_on for c in claims(extractor, text)}

    assert found[("LV", "ground_forces")] == date(2025, 8, 19)
    assert found[("LV", "air_defense")] == date(2025, 8, 19)
    assert found[("EE", "ground_forces")] == WEDNESDAY


def test_a_quantity_is_read_with_its_unit(extractor: Extractor) -> None:
    claim = one(
        extractor,
        "Japan pledged $4.5 billion in budget support for Ukraine.",
        "JP",
        "financial_support",
    )

    assert claim.quantity is not None
    assert (claim.quantity.amount, claim.quantity.unit) == (4_500_000_000, "USD")


def test_a_quoted_first_person_is_the_speakers_side(extractor: Extractor) -> None:
    text = 'Trump spoke to reporters. "We are ready to help with air support," he said.'
    claim = one(extractor, text, "US", "air_cover")

    assert (claim.status, claim.speaker) == ("willing", "donald-trump")


def test_one_claim_per_actor_and_role_keeps_the_strongest_rung(extractor: Extractor) -> None:
    text = "Finland could send troops. Helsinki has since pledged to send troops to Ukraine."
    claim = one(extractor, text, "FI", "ground_forces")

    assert claim.status == "pledged"


def test_a_stance_names_a_known_initiative(extractor: Extractor) -> None:
    text = "Moscow called the multinational stabilization force unacceptable."
    claim = one(extractor, text, "RU", "stabilization-force-plan")

    assert (claim.kind, claim.stance) == ("stance", "rejects")


def test_a_dateline_is_neither_an_actor_nor_a_day(extractor: Extractor) -> None:
    text = "LONDON, Aug 18 - Sweden is ready to send troops."
    assert [(c.actor, c.stated_on) for c in claims(extractor, text)] == [("SE", WEDNESDAY)]
