"""The language a source's text is written in, detected with py3langid (its model ships in
the package: nothing is downloaded)."""

from functools import cache
from typing import Protocol

import pycountry

# Shorter texts (a headline, a name) are too little to tell a language by.
MIN_CHARACTERS = 40
# Below this probability the text is left without a language rather than mislabelled.
MIN_PROBABILITY = 0.8
# The extraction rules' language (app/extraction/patterns are English word lists).
EXTRACTION_LANGUAGE = "en"


class _Identifier(Protocol):
    def classify(self, text: str) -> tuple[str, float]: ...


@cache
def _identifier() -> _Identifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier: _Identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return identifier


def detect_language(text: str | None) -> str | None:
    """The text's ISO 639-1 language code, or None when the text is too short or mixed to
    tell."""
    if text is None or len(text.strip()) < MIN_CHARACTERS:
        return None
    code, probability = _identifier().classify(text)
    return code if probability >= MIN_PROBABILITY else None


def language_name(code: str) -> str:
    """ "Polish" for "pl"; the code itself for a tag pycountry does not know."""
    language = pycountry.languages.get(alpha_2=code.split("-")[0].lower())
    return str(language.name) if language is not None else code
