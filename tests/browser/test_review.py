"""The review queue in Chromium: keyboard shortcuts from review.js, under the strict CSP."""

import re

from playwright.sync_api import Page, Route, expect

from tests.browser.conftest import REVIEWER, REVIEWER_PASSWORD, axe_violations, sign_in


def propose(page: Page) -> str:
    """Record a proposed claim on the seed source through the form; its id."""
    page.goto("/claims/new?source_id=1")
    page.locator("#actor").fill("PL")
    page.locator("#kind").select_option("commitment")
    page.locator("#role").select_option("logistics")
    page.locator("#status").select_option("considering")
    page.locator("#basis").select_option("report")
    page.locator("#evidence_text").fill("send troops to Ukraine")
    page.locator("#review_state").select_option("proposed")
    page.locator("main").get_by_role("button", name="Record the claim").click()
    page.wait_for_url(re.compile(r"/claims/\d+$"))
    return page.url.rsplit("/", 1)[1]


def test_the_review_queue_moves_accepts_rejects_and_edits_by_keyboard(page: Page) -> None:
    # The editor proposes, the reviewer reviews.
    sign_in(page)
    first = propose(page)
    second = propose(page)
    page.context.clear_cookies()
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    page.goto(f"/review?source=1#proposal-{first}")
    expect(page.locator("h1")).to_have_count(1)
    assert axe_violations(page) == []
    # The queue is oldest first: the two just proposed come last, in order.
    ids = page.locator("article.proposal").evaluate_all("items => items.map(i => i.id)")
    assert ids[-2:] == [f"proposal-{first}", f"proposal-{second}"]

    # The page opens on the claim its address names; j and k move from there.
    expect(page.locator(f"#proposal-{first}")).to_be_focused()
    page.keyboard.press("j")
    expect(page.locator(f"#proposal-{second}")).to_be_focused()
    expect(page.locator(f"#proposal-{second}")).to_have_class(re.compile(r"\bcurrent\b"))
    page.keyboard.press("k")
    expect(page.locator(f"#proposal-{first}")).to_be_focused()

    # r goes to the reason; keys typed there are text, Escape goes back to the claim.
    page.keyboard.press("r")
    reason = page.locator(f"#reason-{first}")
    expect(reason).to_be_focused()
    page.keyboard.type("jak")
    expect(reason).to_have_value("jak")
    page.keyboard.press("Escape")
    expect(page.locator(f"#proposal-{first}")).to_be_focused()

    # a submits the claim's accept form (answered here, so the queue stays as it is).
    def answer(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body="<title>x · Posture</title>")

    page.route(re.compile(r".*/review/\d+/accept$"), answer)
    with page.expect_request(lambda r: r.method == "POST") as accepted:
        page.keyboard.press("a")
    assert accepted.value.url.endswith(f"/review/{first}/accept")
    assert "version=1" in (accepted.value.post_data or "")
    page.wait_for_url(re.compile(rf"/review/{first}/accept$"))

    page.goto(f"/review?source=1#proposal-{second}")
    page.keyboard.press("e")
    page.wait_for_url(re.compile(rf"/review/{second}/edit$"))
    expect(page.locator("main").get_by_role("button", name="Save and accept")).to_be_visible()
