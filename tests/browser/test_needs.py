"""An initiative's needs in Chromium: set in the initiative's form, shown on its needs page
with a bar per role, unfilled roles first."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import REVIEWER, REVIEWER_PASSWORD, axe_violations, sign_in

PLAN = "browser-needs-plan"


def test_an_editor_sets_needs_and_the_needs_page_shows_the_unfilled_role_first(
    page: Page,
) -> None:
    # The editor records the initiative, then gives it two needs in its form.
    sign_in(page)
    page.goto("/initiatives/new")
    page.locator("#slug").fill(PLAN)
    page.locator("#name").fill("Browser needs plan")
    page.locator("main").get_by_role("button", name="Create initiative").click()
    page.wait_for_url(re.compile(rf"/initiatives/{PLAN}$"))
    page.goto(f"/initiatives/{PLAN}/edit")
    assert axe_violations(page) == []
    page.locator("#needs\\.0\\.role").select_option("mediation")
    page.locator("#needs\\.1\\.role").select_option("ground_forces")
    page.locator("#needs\\.1\\.quantity_amount").fill("5000")
    page.locator("#needs\\.1\\.quantity_unit").fill("troops")
    page.locator("main").get_by_role("button", name="Save changes").click()
    page.wait_for_url(re.compile(rf"/initiatives/{PLAN}$"))
    expect(page.locator("dl.facts")).to_contain_text("ground forces (5,000 troops)")

    # A reviewer records Poland's pledge to mediate for the initiative: mediation is filled.
    page.context.clear_cookies()
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    page.goto("/claims/new?source_id=1")
    page.locator("#actor").fill("PL")
    page.locator("#kind").select_option("commitment")
    page.locator("#role").select_option("mediation")
    page.locator("#status").select_option("pledged")
    page.locator("#basis").select_option("statement")
    page.locator("#initiative").fill(PLAN)
    page.locator("#evidence_text").fill("send troops to Ukraine")
    page.locator("#review_state").select_option("accepted")
    page.locator("main").get_by_role("button", name="Record the claim").click()
    page.wait_for_url(re.compile(r"/claims/\d+$"))
    claim = page.url.rsplit("/", 1)[1]

    # The initiative's page links to its needs.
    page.goto(f"/initiatives/{PLAN}")
    page.locator("ul.actions").get_by_role("link", name="Needs").click()
    page.wait_for_url(re.compile(rf"/initiatives/{PLAN}/needs"))
    rows = page.locator("table.needs-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("th")).to_have_text("ground forces")
    expect(rows.nth(0)).to_contain_text("Not filled")
    expect(rows.nth(1).locator("th")).to_have_text("mediation")
    expect(rows.nth(1)).to_contain_text("Filled")
    # Each row has its bar: empty for the troops, full for mediation.
    ground_bar = rows.nth(0).get_by_role("img")
    expect(ground_bar).to_have_attribute("aria-label", re.compile(r"0 of 5,000 troops pledged"))
    assert rows.nth(0).locator(".need-effect").bounding_box()["width"] == 0  # type: ignore[index]
    full = rows.nth(1).locator(".need-bar").bounding_box()
    filled = rows.nth(1).locator(".need-effect").bounding_box()
    assert full is not None
    assert filled is not None
    assert filled["width"] > 0.9 * full["width"]
    # Poland is on the pledged rung, linked to the claim behind it.
    poland = rows.nth(1).get_by_role("link", name=re.compile("Poland"))
    expect(poland).to_have_attribute("href", f"/claims/{claim}")
    assert axe_violations(page) == []
