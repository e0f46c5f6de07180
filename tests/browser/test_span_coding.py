"""Select a span, get a claim, in Chromium: on a source's page and in the review queue,
selected text opens the claim form filled in from the extractor's reading of it; the form
is saved by keyboard and goes back to where the selection was made."""

import re
import uuid
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import REVIEWER, REVIEWER_PASSWORD, axe_violations, sign_in

TROOPS = "The United Kingdom is ready to send troops to Ukraine."
HOLIDAY = "On Tuesday, Germany celebrated a national holiday."
GERMANY = "Germany celebrated a national holiday"

# The offsets of a needle in a selectable text, and the points a mouse drags between to
# select it: the text nodes of the element, the claim numbers after marked passages left out.
LOCATE = """([selector, needle]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (n) => n.parentElement.closest(".claim-refs, [aria-hidden='true']")
      ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT,
  });
  const nodes = [];
  let text = "";
  while (walker.nextNode()) {
    nodes.push([walker.currentNode, text.length]);
    text += walker.currentNode.data;
  }
  const at = text.indexOf(needle);
  if (at < 0) { return null; }
  const point = (index) => {
    for (const [node, first] of nodes) {
      if (index < first + node.data.length) { return [node, index - first]; }
    }
    return null;
  };
  const box = (index) => {
    const [node, offset] = point(index);
    const range = document.createRange();
    range.setStart(node, offset);
    range.setEnd(node, offset + 1);
    return range.getBoundingClientRect();
  };
  const first = box(at);
  const last = box(at + needle.length - 1);
  return {from: [first.left + 1, first.top + first.height / 2],
          to: [last.right - 1, last.top + last.height / 2]};
}"""

SELECT_BY_KEYBOARD = """([selector, needle]) => {
  const root = document.querySelector(selector);
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const at = walker.currentNode.data.indexOf(needle);
    if (at >= 0) {
      window.getSelection().setBaseAndExtent(
        walker.currentNode, at, walker.currentNode, at + needle.length);
      return true;
    }
  }
  return false;
}"""


def drag_select(page: Page, selector: str, needle: str) -> None:
    """Select the needle with one mouse drag, as a person does."""
    points: Any = page.evaluate(LOCATE, [selector, needle])
    assert points is not None, needle
    page.mouse.move(*points["from"])
    page.mouse.down()
    page.mouse.move(*points["to"], steps=5)
    page.mouse.up()


def new_source(page: Page) -> tuple[int, str]:
    """A source of our own, recorded through the form: (id, its text)."""
    text = f"Wire {uuid.uuid4().hex[:8]}.\n\n{TROOPS}\n\n{HOLIDAY}"
    page.goto("/sources/new")
    page.locator("#title").fill("Span coding test")
    page.locator("#outlet").fill("Test Wire")
    page.locator("#published_on").fill("2025-08-20")
    page.locator("#text").fill(text)
    page.locator("main").get_by_role("button").last.click()
    page.wait_for_url(re.compile(r"/sources/\d+$"))
    return int(page.url.rsplit("/", 1)[1]), text


def stored_claim(page: Page, claim_id: int) -> dict[str, Any]:
    answer: dict[str, Any] = page.request.get(f"/api/v1/claims/{claim_id}").json()
    return answer


def saved_id(page: Page, anchor: str) -> int:
    match = re.search(rf"#{anchor}-(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_a_span_selected_on_a_source_page_opens_the_form_prefilled_and_saves_by_keyboard(
    page: Page,
) -> None:
    sign_in(page)
    source_id, text = new_source(page)
    bar = page.locator(".span-coder")
    expect(bar).to_be_hidden()

    drag_select(page, ".source-text", "United Kingdom is ready to send troops to Ukraine")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("United Kingdom is ready to send troops to Ukraine")
    assert axe_violations(page) == []
    page.keyboard.press("c")

    page.wait_for_url(re.compile(r"/claims/new\?"))
    start = text.index("United Kingdom")
    end = start + len("United Kingdom is ready to send troops to Ukraine")
    expect(page.locator("#actor")).to_have_value("GB")
    expect(page.locator("#actor")).to_be_focused()
    expect(page.locator("#kind")).to_have_value("commitment")
    expect(page.locator("#role")).to_have_value("ground_forces")
    expect(page.locator("#status")).to_have_value("willing")
    expect(page.locator("#stated_on")).to_have_value("2025-08-20")
    expect(page.locator("#evidence_text")).to_have_value(text[start:end])
    expect(page.locator("#evidence_start")).to_have_value(str(start))
    expect(page.locator("#evidence_end")).to_have_value(str(end))
    expect(page.locator("#reading")).to_contain_text("Prefilled")
    assert axe_violations(page) == []

    # Keyboard only: a field changed, then Ctrl+Enter saves; back on the source's page.
    page.keyboard.press("Tab")
    expect(page.locator("#kind")).to_be_focused()
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/sources/{source_id}#claim-\d+$"))
    claim_id = saved_id(page, "claim")
    expect(page.locator(f"#claim-{claim_id}")).to_contain_text("proposed")
    claim = stored_claim(page, claim_id)
    assert claim["review_state"] == "proposed"
    assert (claim["actor"], claim["role"], claim["status"]) == ("GB", "ground_forces", "willing")
    assert claim["evidence"] == {"start": start, "end": end, "text": text[start:end]}


def test_a_keyboard_selection_no_proposal_covers_reads_its_sentence_and_escape_goes_back(
    page: Page,
) -> None:
    sign_in(page)
    source_id, _ = new_source(page)

    assert page.evaluate(SELECT_BY_KEYBOARD, [".source-text", HOLIDAY])
    page.locator("#code-selection").click()

    page.wait_for_url(re.compile(r"/claims/new\?"))
    expect(page.locator("#actor")).to_have_value("DE")
    # "On Tuesday" in a text published on Wednesday 2025-08-20.
    expect(page.locator("#stated_on")).to_have_value("2025-08-19")
    expect(page.locator("#evidence_text")).to_have_value(HOLIDAY)
    expect(page.locator("#reading")).to_contain_text("No claim the extractor proposes")
    # Focus is on the first field left to fill: the role.
    expect(page.locator("#role")).to_be_focused()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(rf"/sources/{source_id}$"))


def test_a_reviewer_codes_a_span_of_the_review_queue_as_accepted(page: Page) -> None:
    sign_in(page)
    source_id, text = new_source(page)
    # The editor codes the troops sentence: a proposal, in the queue.
    drag_select(page, ".source-text", TROOPS)
    page.keyboard.press("c")
    page.wait_for_url(re.compile(r"/claims/new\?"))
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/sources/{source_id}#claim-\d+$"))
    proposed = saved_id(page, "claim")

    page.context.clear_cookies()
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    page.goto(f"/review?source={source_id}")
    excerpt = f"#proposal-{proposed} blockquote"
    expect(page.locator(excerpt)).to_contain_text(HOLIDAY)
    assert axe_violations(page) == []
    drag_select(page, excerpt, GERMANY)
    expect(page.locator(".span-coder")).to_be_visible()
    page.keyboard.press("c")

    page.wait_for_url(re.compile(r"/claims/new\?"))
    start = text.index(GERMANY)
    expect(page.locator("#actor")).to_have_value("DE")
    expect(page.locator("#evidence_start")).to_have_value(str(start))
    expect(page.locator("#evidence_end")).to_have_value(str(start + len(GERMANY)))
    # By keyboard: the role, the status and the basis by typing, the review state accepted.
    page.keyboard.type("mediation")
    page.keyboard.press("Tab")
    expect(page.locator("#status")).to_be_focused()
    page.keyboard.type("active")
    page.locator("#basis").focus()
    page.keyboard.type("report")
    page.locator("#review_state").focus()
    page.keyboard.type("accepted")
    expect(page.locator("#review_state")).to_have_value("accepted")
    page.keyboard.press("Control+Enter")

    page.wait_for_url(re.compile(rf"/review\?source={source_id}#proposal-\d+$"))
    claim = stored_claim(page, saved_id(page, "proposal"))
    assert claim["review_state"] == "accepted"
    assert (claim["actor"], claim["role"], claim["status"], claim["basis"]) == (
        "DE",
        "mediation",
        "active",
        "report",
    )
    assert claim["stated_on"] == "2025-08-19"
