"""An extractor over a seeded SQLite database, built once for the cue tests."""

from pathlib import Path

import pytest

from app.extraction.evaluate import seeded_extractor
from app.extraction.extractor import Extractor


@pytest.fixture(scope="session")
def extractor(tmp_path_factory: pytest.TempPathFactory) -> Extractor:
    """Every ISO state, the reference aliases and the seed's actors, as the extractor reads them."""
    folder: Path = tmp_path_factory.mktemp("extraction")
    return seeded_extractor(folder)
