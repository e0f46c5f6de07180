"""How far two people who code the same texts by the codebook agree, beside how far the
extractor agrees with each of them: the ceiling an extractor's F1 can be read against.

A set's `gold*.json` is the first coding; a second coder, who saw neither that coding
nor the extractor's rules, coded the same texts into another file (for `news-heldout-4`,
`second-coder.json`, with their notes in `NOTES.second-coder.md`). Both are scored
the way `make eval` scores the extractor: pairs are (actor, role) per text; status
exact, within one rung and the rest on matched pairs. Coder B against coder A gives
P = R(A against B), so F1 is symmetric.

    .venv/bin/python bench/agreement.py bench/eval/news-heldout-4 second-coder.json
"""

import argparse
import tempfile
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import cast

from app.extraction.evaluate import (
    GoldText,
    Score,
    coded_texts,
    dev_gold,
    row,
    score_text,
    seeded_extractor,
)
from app.extraction.schemas import ProposedClaim


def as_proposed(gold: GoldText) -> list[ProposedClaim]:
    """A coding's claims in the shape the scorer reads (actor, role, status, span)."""
    out = []
    for c in gold.claims:
        start = gold.text.find(c.evidence)
        span = SimpleNamespace(start=start, end=start + len(c.evidence))
        claim = SimpleNamespace(
            kind="commitment",
            actor=c.actor,
            role=c.role,
            status=c.status,
            conditional=c.conditional,
            stated_on=c.stated_on,
            evidence=span,
        )
        out.append(cast(ProposedClaim, claim))
    return out


def second_coding(folder: Path, name: str) -> dict[str, GoldText]:
    """The second coder's texts, by file name, read like a set's gold."""
    return {g.name: g for g in coded_texts(folder / name)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("second", help="the second coding's file name in the folder")
    args = parser.parse_args()
    first = {g.name: g for g in dev_gold(args.folder)}
    second = second_coding(args.folder, args.second)
    names = sorted(set(first) & set(second))
    with tempfile.TemporaryDirectory() as work:
        extractor = seeded_extractor(Path(work))
    totals = {
        "B against A": Score(),
        "extractor against A": Score(),
        "extractor against B": Score(),
    }
    print(f"# {args.folder.name}: {len(names)} texts coded twice")
    print(f"{'text':<28}{'A':>5}{'B':>5}{'both':>6}{'F1(B,A)':>9}{'status':>8}")
    for name in names:
        a, b = first[name], second[name]
        agreement = score_text(a, as_proposed(b))
        proposed = extractor.extract(a.text, a.published_on)
        totals["B against A"].add(agreement)
        totals["extractor against A"].add(score_text(a, proposed))
        totals["extractor against B"].add(score_text(b, proposed))
        f = agreement.figures()
        print(
            f"{name:<28}{len(a.claims):>5}{len(b.claims):>5}{agreement.matched:>6}"
            f"{f['f1']:>9.2f}{f['status_exact']:>8.2f}"
        )
    print()
    for label, score in totals.items():
        print(row(label, score))
    published = {first[n].published_on for n in names}
    print(f"\npublished {min(published, default=date.min)} to {max(published, default=date.min)}")


if __name__ == "__main__":
    main()
