"""Benchmark: articles per second the claim extractor reads on one core (`make bench-extract`).

Builds a throwaway SQLite database, migrated and seeded (every ISO state, the reference
aliases, the seed's actors), compiles the actor index once, then extracts claims from
~800-word articles made of the paragraphs of the texts in ../shared (the seed article
and the dev texts), rotated so that no two articles are the same. Actor resolution (the
PhraseMatcher over every name and alias, persons' offices) is part of each extraction.

    .venv/bin/python bench/extract_speed.py [--articles 300] [--words 800]
"""

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from app.extraction.evaluate import seeded_extractor

SHARED = Path(__file__).resolve().parents[2] / "shared"


def paragraphs() -> list[str]:
    """Every non-empty paragraph of the shared texts."""
    files = sorted((SHARED / "seeds").glob("*.txt")) + sorted((SHARED / "eval").rglob("*.txt"))
    out = []
    for path in files:
        out.extend(p for p in path.read_text(encoding="utf-8").split("\n") if p.strip())
    if not out:
        raise SystemExit(f"no texts under {SHARED}")
    return out


def articles(count: int, words: int) -> list[str]:
    """`count` articles of about `words` words, each a different rotation of the paragraphs."""
    paras = paragraphs()
    out = []
    for n in range(count):
        chosen: list[str] = []
        size = 0
        i = (n * 7) % len(paras)
        while size < words:
            paragraph = paras[i % len(paras)]
            chosen.append(paragraph)
            size += len(paragraph.split())
            i += 1 + n % 3
        out.append("\n".join(chosen))
    return out


def main() -> None:
    """Print cold start, then articles per second over several runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--words", type=int, default=800)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    texts = articles(args.articles, args.words)
    mean_words = statistics.mean(len(t.split()) for t in texts)
    with tempfile.TemporaryDirectory() as work:
        started = time.perf_counter()
        extractor = seeded_extractor(Path(work))
        cold = time.perf_counter() - started
    extractor.extract(texts[0], date(2025, 8, 20))  # warm up
    rates = []
    claims = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        claims = sum(len(extractor.extract(t, date(2025, 8, 20))) for t in texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    print(f"database, seed and actor index: {cold:.1f} s (once per actors snapshot)")
    print(f"articles: {len(texts)} of {mean_words:.0f} words on average, {claims} claims")
    print(
        f"extraction: {statistics.median(rates):.0f} articles/s on one core "
        f"(median of {args.runs} runs; {min(rates):.0f}-{max(rates):.0f})"
    )


if __name__ == "__main__":
    main()
