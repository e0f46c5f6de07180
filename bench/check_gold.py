"""Check a folder of hand-coded evaluation texts without running the extractor.

Every `gold*.json` of the folder: each text file exists, each claim's fields are the
codebook's identifiers, each evidence is an exact substring of its text, each
`stated_on` is a date on or before `published_on`, one claim per (actor, role) per text.

    .venv/bin/python bench/check_gold.py bench/eval/news-dev [more folders]
"""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pycountry

from app.vocab import ConditionType, Role, Status

# Two-letter organisation codes (codebook section 2): not ISO states.
ORGANISATIONS = {"EU", "UN"}
CERTAINTIES = {"high", "medium", "low"}
BASES = {"statement", "report", "plan"}
ROLES = {r.value for r in Role}
STATUSES = {s.value for s in Status}
CONDITION_TYPES = {t.value for t in ConditionType}
TEXT_KEYS = ("title", "outlet", "published_on", "composed", "register", "claims")


def claim_problems(claim: dict[str, Any], text: str, published: date) -> list[str]:
    """What is wrong with one coded claim."""
    out: list[str] = []
    actor = claim.get("actor", "")
    state_code = len(actor) == 2 and actor not in ORGANISATIONS
    if state_code and pycountry.countries.get(alpha_2=actor) is None:
        out.append(f"{actor} is not an ISO 3166-1 alpha-2 code")
    if not actor.isupper():
        out.append("actor must be an ISO code or an upper-case organisation code")
    for key, allowed in (
        ("role", ROLES),
        ("status", STATUSES),
        ("certainty", CERTAINTIES),
        ("basis", BASES),
    ):
        if claim.get(key) not in allowed:
            out.append(f"{key} {claim.get(key)!r} is not the codebook's")
    out += [
        f"condition type {t!r} unknown"
        for t in claim.get("condition_types", [])
        if t not in CONDITION_TYPES
    ]
    if bool(claim.get("conditional")) != bool(claim.get("condition_types")):
        out.append("conditional and condition_types disagree")
    if date.fromisoformat(claim["stated_on"]) > published:
        out.append(f"stated_on {claim['stated_on']} after published_on {published}")
    if not claim.get("evidence") or claim["evidence"] not in text:
        out.append("evidence is not an exact substring of the text")
    return out


def text_problems(folder: Path, entry: dict[str, Any], where: str) -> list[str]:
    """What is wrong with one coded text and its claims."""
    text_file = folder / f"{entry.get('id')}.txt"
    if not text_file.exists():
        return [f"{where}: {text_file.name} missing"]
    out = [f"{where}: no {key}" for key in TEXT_KEYS if key not in entry]
    text = text_file.read_text(encoding="utf-8")
    published = date.fromisoformat(entry["published_on"])
    pairs: set[tuple[str, str]] = set()
    for n, claim in enumerate(entry.get("claims", [])):
        pair = (claim.get("actor", ""), claim.get("role", ""))
        at = f"{where} claim {n} {pair}"
        out += [f"{at}: {p}" for p in claim_problems(claim, text, published)]
        if pair in pairs:
            out.append(f"{at}: a second claim for the same (actor, role)")
        pairs.add(pair)
    return out


def problems(folder: Path) -> list[str]:
    """Every problem of the folder's gold files."""
    files = sorted(folder.glob("gold*.json"))
    if not files:
        return [f"{folder}: no gold*.json"]
    out: list[str] = []
    seen: set[str] = set()
    for gold_file in files:
        for entry in json.loads(gold_file.read_text(encoding="utf-8")):
            where = f"{gold_file.name}:{entry.get('id', '?')}"
            if entry.get("id") in seen:
                out.append(f"{where}: id used twice")
            seen.add(entry.get("id"))
            out += text_problems(folder, entry, where)
    return out


if __name__ == "__main__":
    found = [p for arg in sys.argv[1:] for p in problems(Path(arg))]
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)")
    sys.exit(1 if found else 0)
