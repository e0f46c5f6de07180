"""Score the extractor against hand-coded commitments (the seed article and the dev set).

Pairs are (actor, role) commitments. On matched pairs: status exact and within one rung,
conditional agreement, stated_on agreement, and the share of proposed evidence spans
that overlap the gold evidence.
"""

import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from app.extraction.extractor import Extractor
from app.extraction.schemas import ProposedClaim
from app.vocab import STATUS_RANK, Status


@dataclass(frozen=True)
class GoldClaim:
    """One hand-coded commitment."""

    actor: str
    role: str
    status: str
    conditional: bool
    stated_on: date
    evidence: str
    evidence_start: int | None = None


@dataclass(frozen=True)
class GoldText:
    """A text with its publication date and its hand-coded commitments."""

    name: str
    text: str
    published_on: date
    claims: list[GoldClaim]
    register: str | None = None


@dataclass
class Score:
    """Counts behind the figures of one text (or of all of them)."""

    gold: int = 0
    proposed: int = 0
    matched: int = 0
    status_exact: int = 0
    status_near: int = 0
    conditional: int = 0
    stated_on: int = 0
    evidence: int = 0

    def add(self, other: "Score") -> None:
        """Add another text's counts."""
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float]:
        """Precision, recall, F1 and the agreements on matched pairs, as fractions."""
        p = self.matched / self.proposed if self.proposed else 0.0
        r = self.matched / self.gold if self.gold else 0.0
        on = self.matched or 1
        return {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "status_exact": self.status_exact / on,
            "status_near": self.status_near / on,
            "conditional": self.conditional / on,
            "stated_on": self.stated_on / on,
            "evidence": self.evidence / on,
        }


def _rank(status: str | None) -> int | None:
    try:
        return STATUS_RANK[Status(status)] if status else None
    except ValueError:
        return None


def score_text(gold: GoldText, proposed: Sequence[ProposedClaim]) -> Score:
    """Compare one text's proposed commitments with its gold ones."""
    found = {(c.actor, c.role): c for c in proposed if c.kind == "commitment"}
    score = Score(gold=len(gold.claims), proposed=len(found))
    for g in gold.claims:
        c = found.get((g.actor, g.role))
        if c is None:
            continue
        score.matched += 1
        score.status_exact += c.status == g.status
        a, b = _rank(c.status), _rank(g.status)
        near = c.status == g.status or (a is not None and b is not None and abs(a - b) <= 1)
        score.status_near += near
        score.conditional += c.conditional == g.conditional
        score.stated_on += c.stated_on == g.stated_on
        start = g.evidence_start if g.evidence_start is not None else gold.text.find(g.evidence)
        if start >= 0:
            end = start + len(g.evidence)
            score.evidence += c.evidence.start < end and start < c.evidence.end
    return score


def _gold_claim(c: dict[str, Any], evidence: str, evidence_start: int | None = None) -> GoldClaim:
    """A coded commitment (a seed claim or an evaluation text's), its evidence given."""
    return GoldClaim(
        actor=c["actor"],
        role=c["role"],
        status=c["status"],
        conditional=bool(c["conditional"]),
        stated_on=date.fromisoformat(c["stated_on"]),
        evidence=evidence,
        evidence_start=evidence_start,
    )


def seed_gold(seed_file: Path, text_dir: Path) -> GoldText:
    """The seed article and its hand-coded commitments."""
    data = json.loads(seed_file.read_text(encoding="utf-8"))
    source = data["source"]
    text = (text_dir / source["text_file"]).read_text(encoding="utf-8")
    claims = [
        _gold_claim(c, c["evidence"]["text"], c["evidence"].get("start"))
        for c in data["claims"]
        if c["kind"] == "commitment"
    ]
    return GoldText(source["text_file"], text, date.fromisoformat(source["published_on"]), claims)


def dev_gold(folder: Path) -> list[GoldText]:
    """A folder's hand-coded texts: every `gold*.json` (one file per register, or one for
    the folder) beside its `<id>.txt` files."""
    return [
        text for gold_file in sorted(folder.glob("gold*.json")) for text in coded_texts(gold_file)
    ]


def coded_texts(gold_file: Path) -> list[GoldText]:
    """The texts one coding file codes, each read from `<id>.txt` beside the file."""
    out = []
    entries: list[dict[str, Any]] = json.loads(gold_file.read_text(encoding="utf-8"))
    for entry in entries:
        text = (gold_file.parent / f"{entry['id']}.txt").read_text(encoding="utf-8")
        claims = [_gold_claim(c, c["evidence"]) for c in entry["claims"]]
        published_on = date.fromisoformat(entry["published_on"])
        name = f"{entry['id']}.txt"
        out.append(GoldText(name, text, published_on, claims, entry.get("register")))
    return out


def is_blind(folder: Path) -> bool:
    """A blind set (a `BLIND` file in its folder) is scored without listing its misses:
    reading them would make it a development set."""
    return (folder / "BLIND").exists()


HEADER = (
    f"{'text':<28}{'gold':>5}{'prop':>5}{'match':>6}{'P':>7}{'R':>7}{'F1':>7}"
    f"{'status':>8}{'±1':>7}{'cond':>7}{'date':>7}{'evid':>7}"
)


def row(name: str, score: Score) -> str:
    """One line of the table."""
    f = score.figures()
    return (
        f"{name:<28}{score.gold:>5}{score.proposed:>5}{score.matched:>6}"
        f"{f['precision']:>7.2f}{f['recall']:>7.2f}{f['f1']:>7.2f}"
        f"{f['status_exact']:>8.2f}{f['status_near']:>7.2f}{f['conditional']:>7.2f}"
        f"{f['stated_on']:>7.2f}{f['evidence']:>7.2f}"
    )


def evaluate(extractor: Extractor, texts: Iterable[GoldText]) -> list[str]:
    """The table's lines: one per text, one per register where the texts name theirs,
    then the overall (micro-averaged) figures."""
    lines = [HEADER]
    total = Score()
    by_register: dict[str, Score] = {}
    for gold in texts:
        proposed = extractor.extract(gold.text, gold.published_on)
        score = score_text(gold, proposed)
        total.add(score)
        if gold.register:
            by_register.setdefault(gold.register, Score()).add(score)
        lines.append(row(gold.name, score))
    lines += [row(f"register {name}", score) for name, score in sorted(by_register.items())]
    lines.append(row("overall", total))
    return lines


def misses(extractor: Extractor, texts: Iterable[GoldText]) -> list[str]:
    """What was missed, added or scored differently, text by text (for --verbose)."""
    lines: list[str] = []
    for gold in texts:
        proposed: dict[tuple[str, str | None], ProposedClaim] = {
            (c.actor, c.role): c
            for c in extractor.extract(gold.text, gold.published_on)
            if c.kind == "commitment"
        }
        wanted: dict[tuple[str, str | None], GoldClaim] = {
            (g.actor, g.role): g for g in gold.claims
        }
        lines.append(f"== {gold.name}")
        for key in sorted(set(proposed) | set(wanted), key=str):
            c, g = proposed.get(key), wanted.get(key)
            if c is None and g is not None:
                lines.append(f"  missed   {key}: {g.status} | {g.evidence[:80]}")
            elif g is None and c is not None:
                lines.append(f"  extra    {key}: {c.status} | {c.evidence.text[:80]}")
            elif c is not None and g is not None:
                differs = [
                    f"{name} {mine} != {theirs}"
                    for name, mine, theirs in (
                        ("status", c.status, g.status),
                        ("conditional", c.conditional, g.conditional),
                        ("stated_on", c.stated_on, g.stated_on),
                    )
                    if mine != theirs
                ]
                if differs:
                    lines.append(f"  differs  {key}: {'; '.join(differs)}")
    return lines


def seeded_extractor(work_dir: Path) -> Extractor:
    """An extractor over a fresh SQLite database, migrated and seeded (states + seed actors)."""
    from app import migrate
    from app.db import make_engine, make_session_factory
    from app.extraction.actors import build_index
    from app.seed.loader import load_seed

    url = f"sqlite:///{work_dir / 'eval.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            load_seed(session, None)
            index = build_index(session)
    finally:
        engine.dispose()
    return Extractor(index)


def main(
    seed_file: Path,
    seed_text_dir: Path,
    dev_dir: Path,
    *,
    own_sets: Sequence[Path] = (),
    verbose: bool = False,
) -> None:
    """Print the evaluation table of the seed and dev texts, then one per set of the
    project's own hand-coded texts (and, verbose, the differences, except for blind sets)."""
    with tempfile.TemporaryDirectory() as work:
        extractor = seeded_extractor(Path(work))
    sets = [
        (
            "seed article and ../shared/eval/dev",
            [seed_gold(seed_file, seed_text_dir), *dev_gold(dev_dir)],
            False,
        )
    ]
    sets += [
        (f"{folder.parent.name}/{folder.name}", dev_gold(folder), is_blind(folder))
        for folder in own_sets
    ]
    for n, (name, texts, blind) in enumerate(sets):
        marker = " (BLIND: scored once, misses not listed)" if blind else ""
        print(("\n" if n else "") + f"# {name}{marker}")
        for line in evaluate(extractor, texts):
            print(line)
        if verbose and not blind:
            for line in misses(extractor, texts):
                print(line)
