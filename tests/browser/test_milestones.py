"""The milestone pages in headless Chromium against `posture serve` on the seeded database."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch, axe_violations, sign_in

PEACE = "/milestones/ukraine-peace-agreement"
MILESTONE = "/milestones/browser-ceasefire"


@pytest.mark.parametrize("path", ["/milestones", PEACE])
def test_the_milestone_pages_load_without_a_serious_accessibility_violation(
    page: Page, path: str
) -> None:
    sign_in(page)
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    assert page.title().endswith("· Posture")
    expect(page.locator("h1")).to_have_count(1)
    assert axe_violations(page) == []


def test_an_editor_adds_a_met_state_and_sees_it_in_the_history(page: Page, watch: Watch) -> None:
    # A milestone of its own, so that the seed's stay as they are for the other tests.
    sign_in(page)
    page.goto("/")
    page.locator("nav[aria-label=Main]").get_by_role("link", name="Milestones").click()
    page.wait_for_url(re.compile(r"/milestones$"))
    expect(page.locator("#milestone-list")).to_contain_text("Ceasefire in Ukraine")
    page.get_by_role("link", name="New milestone").click()
    page.locator("#slug").fill("browser-ceasefire")
    page.locator("#name").fill("Ceasefire seen from the browser")
    page.locator("#condition_type").select_option("ceasefire")
    page.get_by_role("button", name="Create milestone").click()
    page.wait_for_url(re.compile(rf"{MILESTONE}$"))
    expect(page.locator("#history-title + p")).to_contain_text("No state is recorded")

    # A quote the source does not hold is refused beside its field.
    page.locator("#state").select_option("met")
    page.locator("#from_on").fill("2025-09-01")
    page.locator("#source_id").fill("1")
    page.locator("#evidence_text").fill("a ceasefire was signed in Geneva")
    page.get_by_role("button", name="Add the state").click()
    expect(page.locator("#evidence_text-error")).to_contain_text("not found verbatim")
    expect(page.locator("#evidence_text")).to_have_attribute("aria-invalid", "true")
    # The refused form is an HTTP 422, which Chromium reports on its console.
    watch.console_errors[:] = [e for e in watch.console_errors if "status of 422" not in e]

    page.locator("#evidence_text").fill("an effective cessation of hostilities")
    page.get_by_role("button", name="Add the state").click()
    page.wait_for_url(re.compile(rf"{MILESTONE}(#.*)?$"))
    history = page.locator("#milestone-states")
    expect(history.locator("li")).to_have_count(1)
    expect(history).to_contain_text("Met from 2025-09-01")
    expect(history).to_contain_text("“an effective cessation of hostilities”")
    expect(history.get_by_role("link")).to_have_attribute("href", "/sources/1")
    expect(page.locator(".facts")).to_contain_text("Met since 2025-09-01")
    stored = page.request.get(f"/api/v1{MILESTONE}").json()
    assert (stored["state"], stored["state_since"]) == ("met", "2025-09-01")
