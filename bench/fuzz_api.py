"""Fuzz the API against its OpenAPI document, longer than `make test` does.

Builds a new seeded database (a temporary SQLite file, or the empty database named by
--database-url), then runs schemathesis over the app in-process with every check: the
examples, coverage and fuzzing phases anonymous and with an admin's bearer token, then the
stateful phase (the document's links, create to retract). Prints a summary per run and
every failure; exits 1 on any failure or error.

    .venv/bin/python bench/fuzz_api.py [--max-examples 100] [--max-steps 30] [--seed 1]
"""

import argparse
import sys
import tempfile
from pathlib import Path

# The harness lives with the tests (tests/openapi_fuzzing.py); this script runs from bench/.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from tests.openapi_fuzzing import (
    SECRET_KEY,
    FuzzResult,
    prepare_database,
    run_schemathesis,
)

SEED_TEXT_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def main() -> int:
    """Run the three passes and print what they found."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=100, help="Fuzzed cases per operation.")
    parser.add_argument("--max-steps", type=int, default=30, help="Steps per stateful scenario.")
    parser.add_argument("--seed", type=int, default=1, help="Random seed (same seed, same run).")
    parser.add_argument(
        "--database-url", help="An empty database to use (default: a temporary SQLite file)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posture-fuzz-") as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'fuzz.db'}"
        prepare_database(url, SEED_TEXT_DIR)
        settings = Settings(database_url=url, seed_text_dir=SEED_TEXT_DIR, secret_key=SECRET_KEY)
        unit = ("examples", "coverage", "fuzzing")
        results: list[FuzzResult] = []
        for label, authenticated, phases in (
            ("anonymous", False, unit),
            ("token", True, unit),
            ("stateful", True, ("stateful",)),
        ):
            result = run_schemathesis(
                settings,
                label=label,
                authenticated=authenticated,
                phases=phases,
                max_examples=args.max_examples,
                max_steps=args.max_steps,
                seed=args.seed,
            )
            print(result.summary(), flush=True)
            results.append(result)
    failures = sum(len(r.failures) for r in results)
    errors = sum(len(r.errors) for r in results)
    cases = sum(r.cases for r in results)
    print(f"fuzz: {failures} failures, {errors} errors in {cases} cases")
    return 1 if failures or errors else 0


if __name__ == "__main__":
    sys.exit(main())
