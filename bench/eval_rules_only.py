"""Score the rules alone (the pair scorer switched off) on sets of bench/eval: what the
pair scorer adds, set by set. Overall lines only, so a blind set's texts stay unread.

    .venv/bin/python bench/eval_rules_only.py SET [SET ...]
"""

import argparse
import tempfile
from pathlib import Path

from app.extraction.evaluate import dev_gold, evaluate, seeded_extractor
from app.extraction.extractor import Extractor
from app.extraction.pairs import NO_PAIRS

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", metavar="SET")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        scored = seeded_extractor(Path(work))
    rules = Extractor(scored.index, scored.patterns, NO_PAIRS)
    for name in args.sets:
        texts = dev_gold(ROOT / "bench" / "eval" / name)
        for label, extractor in (("rules only", rules), ("rules + pairs", scored)):
            overall = evaluate(extractor, texts)[-1].removeprefix("overall")
            print(f"{name:<22}{label:<15}{overall}")


if __name__ == "__main__":
    main()
