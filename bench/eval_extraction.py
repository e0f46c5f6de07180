"""Score the claim extractor on the seed article and the dev texts (`make eval`).

Gold: the seed's hand coding (app/seed/dc4023db175f5c22.json, text from ../shared/seeds)
and ../shared/eval/dev (gold.json + devNN.txt); then each set of the project's own
hand-coded texts in bench/eval/ (bench/eval/README.md says which the rules have seen).
The extractor reads a fresh SQLite database, migrated and seeded: every ISO state, the
reference aliases, the seed's actors.

    .venv/bin/python bench/eval_extraction.py [--verbose] [--only FOLDER ...]

A folder holding a `BLIND` file is a blind set: its misses are never listed.
"""

import argparse
from pathlib import Path

from app.extraction.evaluate import main

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="list misses and extras")
    parser.add_argument("--seed-text-dir", type=Path, default=SHARED / "seeds")
    parser.add_argument("--dev-dir", type=Path, default=SHARED / "eval" / "dev")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="SET",
        help="score only these sets of bench/eval (folder names; repeatable)",
    )
    args = parser.parse_args()
    folders = sorted(p for p in (ROOT / "bench" / "eval").iterdir() if p.is_dir())
    main(
        ROOT / "app" / "seed" / "dc4023db175f5c22.json",
        args.seed_text_dir,
        args.dev_dir,
        own_sets=[p for p in folders if not args.only or p.name in args.only],
        verbose=args.verbose,
    )
