"""Benchmark: coding the seed article's 21 claims by selection, counting keystrokes and clicks.

Builds a fresh seeded SQLite database, then deletes the seed article's 21 claims (the
article's text and everything else the seed holds stay), so the article is as an analyst
finds it before coding. `posture serve` serves it; headless Chromium, signed in as an
editor, codes each hand-coded claim of app/seed/dc4023db175f5c22.json in the order its
evidence comes in the text, as a person would on the source's page:

1. select the claim's evidence span with one mouse drag (counted as 1 click);
2. press `c` (1 keystroke): the claim form opens, filled in from the extractor's reading;
3. when one of the "other readings" listed above the form matches the hand coding better
   (actor, object, status or stance), click it (1 click);
4. correct every field that differs from the hand coding among actor, kind, role,
   initiative, status or stance, condition types, stated_on and basis;
5. save with Ctrl+Enter (1 keystroke): back on the source's page, for the next span.

How a correction is counted: reaching a text field, the date or the conditions is one
click (none when the focus is there already); a select is reached with Tab or Shift+Tab
from where the focus is (each press a keystroke), as clicking a select would open it. A
text field is replaced with Ctrl+A (one keystroke: a key combination counts as one) and
the new text typed (a keystroke a character), or emptied with Ctrl+A and Backspace; a select
is set by typing the shortest prefix of its option's label that no other label starts with,
or Home for the empty option; the date is typed as month, day, year (8 keystrokes);
a condition read with the wrong type has its type replaced (Ctrl+Home, Ctrl+Shift+Right,
the type typed), otherwise conditions are typed one `type: text` line each (Enter between
lines). Scrolling is not counted. Every value set is read back from the page, so the
counts are of what worked.

    .venv/bin/python bench/span_coding.py [--show]   (make span-coding)
"""

import argparse
import json
import os
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select

from app import audit, migrate
from app.accounts import service as account_service
from app.accounts.schemas import UserCreate
from app.claims.models import Claim
from app.db import make_engine, make_session_factory
from app.ops.background import running_server
from app.seed.loader import load_seed
from app.sources.models import Source

audit.install()

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "app/seed/dc4023db175f5c22.json"
SEED_TEXT_DIR = Path(os.environ.get("POSTURE_SEED_TEXT_DIR", ROOT.parent / "shared/seeds"))
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
EDITOR, PASSWORD = "coder", "span coding benchmark"
FIELDS = (
    "actor",
    "kind",
    "role",
    "initiative",
    "status/stance",
    "conditions",
    "stated_on",
    "basis",
)
SELECTS = {"kind", "role", "status", "stance", "basis"}

# Where a span of the stored text is on the page: the points a mouse drags between (the
# text nodes of the source's text, the claim numbers after marked passages left out).
LOCATE = """([start, end]) => {
  const root = document.querySelector(".source-text");
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest(".claim-refs")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  let length = 0;
  while (walker.nextNode()) {
    nodes.push([walker.currentNode, length]);
    length += walker.currentNode.data.length;
  }
  const box = (index) => {
    for (const [node, first] of nodes) {
      if (index < first + node.data.length) {
        const range = document.createRange();
        range.setStart(node, index - first);
        range.setEnd(node, index - first + 1);
        return range;
      }
    }
    return null;
  };
  const whole = document.createRange();
  whole.setStart(box(start).startContainer, box(start).startOffset);
  whole.setEnd(box(end - 1).endContainer, box(end - 1).endOffset);
  const span = whole.getBoundingClientRect();
  window.scrollBy(0, span.top - (window.innerHeight - span.height) / 2);
  const first = box(start).getBoundingClientRect();
  const last = box(end - 1).getBoundingClientRect();
  return {from: [first.left + 1, first.top + first.height / 2],
          to: [last.right - 1, last.top + last.height / 2]};
}"""


@dataclass
class Tally:
    """One claim's coding: what the prefill got right, and what correcting it took."""

    label: str
    right: list[str] = field(default_factory=list)
    keys: int = 0
    clicks: int = 0
    picked: str | None = None


def build_database(url: str) -> None:
    """A fresh seeded database without the seed article's claims, and an editor."""
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        with make_session_factory(engine).begin() as session:
            load_seed(session, SEED_TEXT_DIR)
            for claim in session.scalars(select(Claim).join(Source)):
                session.delete(claim)
            account_service.create_user(
                session, UserCreate(username=EDITOR, role="editor", password=PASSWORD)
            )
    finally:
        engine.dispose()


def hand_value(claim: dict[str, Any], name: str) -> Any:
    """The hand coding's value of a compared field, as the form holds it."""
    if name == "status/stance":
        return claim.get("status") or claim.get("stance") or ""
    if name == "conditions":
        return sorted(c["type"] for c in claim.get("conditions") or [])
    return claim.get(name) or ""


def form_value(page: Page, name: str) -> Any:
    """The form's value of a compared field."""
    if name == "status/stance":
        kind = page.locator("#kind").input_value()
        return page.locator("#status" if kind == "commitment" else "#stance").input_value()
    if name == "conditions":
        lines = page.locator("#conditions").input_value().splitlines()
        return sorted(line.partition(":")[0].strip() for line in lines if line.strip())
    return page.locator(f"#{name}").input_value()


class Coder:
    """A person at the keyboard and mouse, every press and click counted."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.keys = 0
        self.clicks = 0

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += 1

    def type(self, text: str) -> None:
        for line_no, line in enumerate(text.split("\n")):
            if line_no:
                self.press("Enter")
            self.page.keyboard.type(line)
            self.keys += len(line)

    def click(self, selector: str, **options: Any) -> None:
        self.page.locator(selector).click(**options)
        self.clicks += 1

    def focused(self) -> str:
        return str(self.page.evaluate("document.activeElement && document.activeElement.id"))

    def reach(self, name: str) -> None:
        """Put the focus on the input: a click, or Tab presses for a select."""
        if self.focused() == name:
            return
        if name not in SELECTS:
            # A date is clicked at its left edge: on the month.
            self.click(f"#{name}", position={"x": 8, "y": 10} if name == "stated_on" else None)
            return
        ahead = self.page.evaluate(
            "(id) => { const a = document.activeElement, b = document.getElementById(id);"
            " return !a || a === document.body ||"
            " !!(a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING); }",
            name,
        )
        for _ in range(60):
            self.press("Tab" if ahead else "Shift+Tab")
            if self.focused() == name:
                return
        raise RuntimeError(f"could not reach #{name} by Tab")

    def set_select(self, name: str, value: str) -> None:
        options: list[list[str]] = self.page.evaluate(
            "(id) => Array.from(document.getElementById(id).options)"
            ".map(o => [o.value, o.text.toLowerCase()])",
            name,
        )
        self.reach(name)
        if not value:
            self.press("Home")
        else:
            label = next(text for v, text in options if v == value)
            others = [text for v, text in options if v != value]
            prefix = next(
                label[:k]
                for k in range(1, len(label) + 1)
                if not any(o.startswith(label[:k]) for o in others)
            )
            self.type(prefix)
        if self.page.locator(f"#{name}").input_value() != value:
            raise RuntimeError(f"#{name}: typing did not choose {value!r}")

    def set_text(self, name: str, value: str) -> None:
        self.reach(name)
        if self.page.locator(f"#{name}").input_value():
            self.press("Control+a")
            if not value:
                self.press("Backspace")
        if value:
            self.type(value)

    def set_date(self, name: str, value: str) -> None:
        self.reach(name)
        year, month, day = value.split("-")
        self.type(month + day + year)


def correct(coder: Coder, claim: dict[str, Any]) -> None:
    """Set every compared field that differs to the hand coding, in the form's order."""
    page = coder.page
    kind = claim["kind"]
    if page.locator("#kind").input_value() != kind:
        coder.set_select("kind", kind)
    if page.locator("#actor").input_value() != claim["actor"]:
        coder.set_text("actor", claim["actor"])
    plan = [
        ("role", claim.get("role") or "", coder.set_select),
        ("status", claim.get("status") or "", coder.set_select),
        ("initiative", claim.get("initiative") or "", coder.set_text),
        ("stance", claim.get("stance") or "", coder.set_select),
    ]
    for name, value, setter in plan:
        if page.locator(f"#{name}").input_value() != value:
            setter(name, value)
    if form_value(page, "conditions") != hand_value(claim, "conditions"):
        set_conditions(coder, claim.get("conditions") or [])
    if page.locator("#basis").input_value() != claim["basis"]:
        coder.set_select("basis", claim["basis"])
    if page.locator("#stated_on").input_value() != claim["stated_on"]:
        coder.set_date("stated_on", claim["stated_on"])
    wrong = [n for n in FIELDS if form_value(page, n) != hand_value(claim, n)]
    if wrong:
        raise RuntimeError(f"{claim['actor']}: still differs after correcting: {wrong}")


def set_conditions(coder: Coder, conditions: list[dict[str, Any]]) -> None:
    """One condition read with the wrong type: replace the type (the first word of the
    line: Ctrl+Home, Ctrl+Shift+Right, then the type typed); otherwise type the lines."""
    lines = [x for x in coder.page.locator("#conditions").input_value().splitlines() if x.strip()]
    if len(lines) == 1 == len(conditions) and ":" in lines[0]:
        coder.reach("conditions")
        coder.press("Control+Home")
        coder.press("Control+Shift+ArrowRight")
        coder.type(conditions[0]["type"])
        if form_value(coder.page, "conditions") == [conditions[0]["type"]]:
            return
    coder.set_text("conditions", "\n".join(f"{c['type']}: {c['text']}" for c in conditions))


def pick_better_reading(coder: Coder, claim: dict[str, Any]) -> str | None:
    """Click the listed reading that matches the hand coding best, if better than the one
    the form holds (actor, object, status or stance)."""
    choices = coder.page.locator("ul.readings li")
    target = [
        claim["actor"],
        (claim.get("role") or claim.get("initiative") or "").replace("_", " "),
        claim.get("status") or claim.get("stance") or "",
    ]

    def score(label: str) -> int:
        return sum(
            a == b for a, b in zip([p.strip() for p in label.split("·")], target, strict=False)
        )

    best, best_score, current_score = None, -1, -1
    for i in range(choices.count()):
        item = choices.nth(i)
        label = item.inner_text()
        if item.locator("strong").count():
            current_score = score(label)
        elif score(label) > best_score:
            best, best_score = i, score(label)
    if best is None or best_score <= current_score:
        return None
    link = choices.nth(best).locator("a")
    label = link.inner_text()
    link.click()
    coder.clicks += 1
    coder.page.wait_for_load_state()
    return label


def code_claim(page: Page, source_id: int, claim: dict[str, Any]) -> Tally:
    """Select the claim's evidence, open the form, correct it, save it."""
    coder = Coder(page)
    object_ = claim.get("role") or claim.get("initiative")
    tally = Tally(f"{claim['actor']} {object_} {claim.get('status') or claim.get('stance')}")
    evidence = claim["evidence"]
    points = page.evaluate(LOCATE, [evidence["start"], evidence["end"]])
    page.mouse.move(*points["from"])
    page.mouse.down()
    page.mouse.move(*points["to"], steps=8)
    page.mouse.up()
    coder.clicks += 1
    page.locator(".span-coder").wait_for(state="visible")
    coder.press("c")
    page.wait_for_url("**/claims/new?**")
    start = int(page.locator("#evidence_start").input_value())
    end = int(page.locator("#evidence_end").input_value())
    if (start, end) != (evidence["start"], evidence["end"]):
        raise RuntimeError(f"{tally.label}: selected {start}-{end}, not the hand coding's span")
    tally.right = [n for n in FIELDS if form_value(page, n) == hand_value(claim, n)]
    tally.picked = pick_better_reading(coder, claim)
    correct(coder, claim)
    coder.press("Control+Enter")
    page.wait_for_url(f"**/sources/{source_id}#claim-*")
    tally.keys, tally.clicks = coder.keys, coder.clicks
    return tally


def report(tallies: list[Tally]) -> list[str]:
    """The per-claim table and the totals."""
    n = len(FIELDS)
    lines = [f"{'#':>2}  {'claim':<58} {'prefill right':>13} {'keys':>5} {'clicks':>6}"]
    for i, t in enumerate(tallies, 1):
        wrong = [f for f in FIELDS if f not in t.right]
        picked = (f"  wrong: {', '.join(wrong)}" if wrong else "") + (
            f"  (picked: {t.picked})" if t.picked else ""
        )
        lines.append(
            f"{i:>2}  {t.label:<58} {len(t.right):>9}/{n:<3} {t.keys:>5} {t.clicks:>6}{picked}"
        )
    keys = sum(t.keys for t in tallies)
    clicks = sum(t.clicks for t in tallies)
    right = sum(len(t.right) for t in tallies)
    lines.append(
        f"total: {len(tallies)} claims, {keys} keystrokes, {clicks} clicks "
        f"({keys / len(tallies):.1f} and {clicks / len(tallies):.1f} a claim); "
        f"prefill right {right}/{n * len(tallies)} fields"
    )
    whole = sum(len(t.right) == n for t in tallies)
    lines.append(
        f"median a claim: {statistics.median(t.keys for t in tallies):g} keystrokes, "
        f"{statistics.median(t.clicks for t in tallies):g} clicks; "
        f"{whole} claims prefilled entirely right"
    )
    by_field = {f: sum(f in t.right for t in tallies) for f in FIELDS}
    lines.append(
        "prefill right by field: "
        + ", ".join(f"{f} {c}/{len(tallies)}" for f, c in by_field.items())
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="also print the stored claims")
    args = parser.parse_args()
    seed = json.loads(SEED.read_text(encoding="utf-8"))
    claims = sorted(seed["claims"], key=lambda c: (c["evidence"]["start"], c["evidence"]["end"]))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'posture.db'}"
        build_database(url)
        env = {"POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR)}
        with running_server(url, migrate=False, env=env) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            context = browser.new_context(base_url=base, viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.goto("/sign-in")
            page.locator("#username").fill(EDITOR)
            page.locator("#password").fill(PASSWORD)
            page.locator("main").get_by_role("button", name="Sign in").click()
            page.wait_for_url(lambda u: "/sign-in" not in u)
            sources = page.request.get("/api/v1/sources").json()["items"]
            source_id = next(
                s["id"] for s in sources if s["content_hash"] == seed["source"]["content_sha256"]
            )
            page.goto(f"/sources/{source_id}")
            tallies = [code_claim(page, source_id, claim) for claim in claims]
            stored = page.request.get(
                "/api/v1/claims", params={"source": source_id, "limit": 100}
            ).json()
            browser.close()
    for line in report(tallies):
        print(line)
    states = {c["review_state"] for c in stored["items"]}
    print(f"stored: {stored['total']} claims on the source, review_state {sorted(states)}")
    if args.show:
        for c in stored["items"]:
            print(c["actor"], c["role"] or c["initiative"], c["status"] or c["stance"])


if __name__ == "__main__":
    main()
