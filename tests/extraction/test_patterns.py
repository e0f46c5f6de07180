"""The cue data files: they compile, a bad pattern names its file, a new cue takes effect."""

import shutil
from datetime import date
from pathlib import Path

import pytest

from app.extraction.cues import PATTERN_DIR, PatternError, compile_pattern, load_patterns
from app.extraction.dates import datelines, find_dates, weekday_on_or_before
from app.extraction.extractor import Extractor
from app.extraction.pairs import NO_PAIRS
from app.extraction.ratelimit import TokenBucket


def test_every_data_file_compiles_and_every_layer_has_cues() -> None:
    patterns = load_patterns()
    for layer in ("role", "status", "after", "stance", "trigger", "condition", "hedge"):
        assert patterns.counts[layer] > 0
    for layer in ("speech", "report", "plan", "call", "continuation", "event", "limit"):
        assert patterns.counts[layer] > 0


def test_the_pattern_syntax_expands_alternatives_options_gaps_and_split_words() -> None:
    nlp = load_patterns().nlp

    compiled = compile_pattern(nlp, "will|would not? send ..2 air-defence|the_patriots")

    assert set(compiled.segments[0]) == {
        ("will", "send"),
        ("would", "send"),
        ("will", "not", "send"),
        ("would", "not", "send"),
    }
    assert set(compiled.segments[1]) == {("air", "-", "defence"), ("the", "patriots")}
    assert compiled.gaps == (2,)


@pytest.mark.parametrize("bad", ["", "a||b", "... troops", "troops ...", "x mediat*"])
def test_a_pattern_that_cannot_compile_is_refused(bad: str) -> None:
    with pytest.raises(PatternError):
        compile_pattern(load_patterns().nlp, bad)


def test_a_bad_pattern_in_a_data_file_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "patterns"
    shutil.copytree(PATTERN_DIR, folder)
    with (folder / "hedges.toml").open("a", encoding="utf-8") as f:
        f.write('\nmedium_typo = "not a list"\n')
    (folder / "events.toml").write_text('cues = ["... met"]\n', encoding="utf-8")

    with pytest.raises(PatternError, match=r"events\.toml"):
        load_patterns(folder)


def test_a_function_word_list_missing_from_clauses_toml_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "patterns"
    shutil.copytree(PATTERN_DIR, folder)
    clauses = (folder / "clauses.toml").read_text(encoding="utf-8")
    (folder / "clauses.toml").write_text(clauses.replace("modals = ", "modal = "), encoding="utf-8")

    with pytest.raises(PatternError, match=r"clauses\.toml: missing modals"):
        load_patterns(folder)


def test_a_cue_added_to_a_data_file_takes_effect(extractor: Extractor, tmp_path: Path) -> None:
    # The rules alone: the pair scorer may keep the pair without the cue, but with no
    # status cue it reads it as in force, never `willing`.
    text = "Sweden stands poised to send troops to Ukraine."
    rules = Extractor(extractor.index, extractor.patterns, NO_PAIRS)
    assert rules.extract(text, date(2025, 8, 20)) == []
    assert all(c.status != "willing" for c in extractor.extract(text, date(2025, 8, 20)))
    folder = tmp_path / "patterns"
    shutil.copytree(PATTERN_DIR, folder)
    statuses = (folder / "statuses.toml").read_text(encoding="utf-8")
    statuses = statuses.replace("[willing]\ncues = [\n", '[willing]\ncues = [\n  "poised to",\n')
    (folder / "statuses.toml").write_text(statuses, encoding="utf-8")

    extended = Extractor(extractor.index, load_patterns(folder))

    claims = extended.extract(text, date(2025, 8, 20))
    assert [(c.actor, c.role, c.status) for c in claims] == [("SE", "ground_forces", "willing")]


def test_weekdays_resolve_to_the_latest_such_day_on_or_before_publication() -> None:
    wednesday = date(2025, 8, 20)
    assert weekday_on_or_before("wednesday", wednesday) == wednesday
    assert weekday_on_or_before("tuesday", wednesday) == date(2025, 8, 19)
    assert weekday_on_or_before("thursday", wednesday) == date(2025, 8, 14)
    assert weekday_on_or_before("wednesday", wednesday, strict=True) == date(2025, 8, 13)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("on Tuesday", date(2025, 8, 19)),
        ("last Wednesday", date(2025, 8, 13)),
        ("yesterday", date(2025, 8, 19)),
        ("on Aug. 12", date(2025, 8, 12)),
        ("on 3 March 2024", date(2024, 3, 3)),
        ("on 2025-08-01", date(2025, 8, 1)),
        ("on December 30", date(2024, 12, 30)),
    ],
)
def test_day_expressions_resolve_against_the_publication_date(text: str, day: date) -> None:
    found = find_dates(f"Sweden said {text} it was ready.", date(2025, 8, 20))
    assert [d.day for d in found] == [day]


def test_next_week_and_future_days_are_no_stated_day() -> None:
    found = find_dates("Sweden will decide next Tuesday or on 2025-09-01.", date(2025, 8, 20))
    assert [d.day for d in found if d.day] == []


def test_a_wire_dateline_is_found() -> None:
    text = "WASHINGTON, Aug 20 - Sweden said.\nKYIV, July 3 (Reuters) - More."
    assert [text[s:e] for s, e in datelines(text)] == [
        "WASHINGTON, Aug 20 - ",
        "KYIV, July 3 (Reuters) - ",
    ]


def test_the_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(2)
    assert bucket.take("a", now=0.0) == 0.0
    assert bucket.take("a", now=0.0) == 0.0
    assert bucket.take("a", now=0.0) == pytest.approx(30.0)
    assert bucket.take("b", now=0.0) == 0.0
    assert bucket.take("a", now=30.0) == 0.0
    assert TokenBucket(0).take("a") == 0.0
