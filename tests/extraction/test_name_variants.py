"""The extractor reads names as news writes them: without accents, with either apostrophe."""

from app.extraction.extractor import Extractor
from tests.extraction.helpers import one


def test_names_without_their_accents_name_the_same_actor(extractor: Extractor) -> None:
    for text in (
        "Türkiye is ready to host talks between the two sides.",
        "Turkiye is ready to host talks between the two sides.",
    ):
        assert one(extractor, text, "TR", "mediation").status == "willing"
    for text in (
        "Côte d'Ivoire has pledged to send troops to the mission.",
        "Cote d'Ivoire has pledged to send troops to the mission.",
        "Cote d\u2019Ivoire has pledged to send troops to the mission.",
        "Ivory Coast has pledged to send troops to the mission.",
    ):
        assert one(extractor, text, "CI", "ground_forces").status == "pledged"


def test_a_seat_written_without_accents_stands_for_its_state(extractor: Extractor) -> None:
    for seat in ("Élysée", "Elysee"):
        text = f"The {seat} said France is prepared to train Ukrainian pilots."
        assert one(extractor, text, "FR", "training").status == "willing"
