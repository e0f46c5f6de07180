"""The dashboard in headless Chromium against `posture serve` on the seeded database."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch, axe_violations

PAGES = [
    "/",
    "/?view=initiatives",
    "/map",
    "/map?initiative=ukraine-security-guarantees&region=world",
    "/timeline",
    "/changes?from=2025-08-01&to=2025-08-31",
    "/compare?actor=GB&actor=FR&actor=US",
    "/actors",
    "/actors/RU",
    "/actors/sergei-lavrov",
    "/initiatives",
    "/initiatives/ukraine-security-guarantees",
    "/sources",
    "/sources/1",
    "/claims/1",
    "/search?q=troops",
    "/claims/new",
    "/actors/new",
    "/initiatives/new",
    "/sources/new",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_and_has_no_serious_accessibility_violation(page: Page, path: str) -> None:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200
    assert page.title().endswith("· Posture")
    expect(page.locator("h1")).to_have_count(1)
    assert axe_violations(page) == []


def test_changing_the_date_updates_the_matrix_without_a_reload(page: Page) -> None:
    page.goto("/")
    matrix = page.locator("#matrix")
    expect(matrix.get_by_role("row", name=re.compile("United Kingdom"))).to_contain_text("Willing")
    page.evaluate("window.__still_here = true")
    page.locator("input[name=as_of]").fill("2025-08-14")
    page.locator("input[name=as_of]").dispatch_event("change")
    expect(page.locator("#matrix")).to_contain_text("No positions match")
    assert page.evaluate("window.__still_here") is True
    assert "as_of=2025-08-14" in page.url
    page.reload()
    expect(page.locator("#matrix")).to_contain_text("No positions match")


def test_opening_a_cell_shows_the_evidence_beside_the_matrix(page: Page) -> None:
    page.goto("/?as_of=2025-08-20")
    page.locator("#matrix tr", has_text="United Kingdom").locator("td a").first.click()
    panel = page.locator("#panel")
    expect(panel.locator("mark")).to_contain_text("expressed their willingness")
    expect(panel).to_contain_text("via Bloomberg")
    expect(panel).to_contain_text("peace agreement")


def test_switching_the_map_role_recolours_the_states(page: Page) -> None:
    page.goto("/map?as_of=2025-08-20")
    us = page.locator('#map a[href="/actors/US"] path')
    expect(us).to_have_class(re.compile(r"\bs-ruled_out\b"))
    page.locator("#map-role").select_option("air_cover")
    expect(page.locator('#map a[href="/actors/US"] path')).to_have_class(
        re.compile(r"\bs-considering\b")
    )
    assert "role=air_cover" in page.url


def test_searching_kremlin_lands_on_russia(page: Page) -> None:
    page.goto("/")
    page.get_by_role("searchbox").fill("Kremlin")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"/actors/RU$"))
    expect(page.locator("h1")).to_contain_text("Russia")


def test_a_form_with_an_error_shows_the_message_beside_the_field(page: Page, watch: Watch) -> None:
    before = page.request.get("/api/v1/claims?limit=1").json()["total"]
    page.goto("/claims/new?source_id=1")
    page.locator("#actor").fill("XX")
    page.locator("#kind").select_option("commitment")
    page.locator("#role").select_option("ground_forces")
    page.locator("#status").select_option("willing")
    page.locator("#basis").select_option("statement")
    page.locator("#evidence_text").fill("send troops to Ukraine")
    page.get_by_role("button", name="Record the claim").click()
    expect(page.locator("#actor-error")).to_contain_text("unknown actor 'XX'")
    expect(page.locator("#actor")).to_have_attribute("aria-invalid", "true")
    assert "actor-error" in (page.locator("#actor").get_attribute("aria-describedby") or "")
    # The refused form is an HTTP 422, which Chromium reports on its console.
    watch.console_errors[:] = [e for e in watch.console_errors if "status of 422" not in e]
    assert page.request.get("/api/v1/claims?limit=1").json()["total"] == before


def test_the_overview_fits_a_small_screen(page: Page) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    # The page never scrolls sideways; only the matrix scrolls inside its frame.
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    expect(page.locator("#matrix")).to_be_visible()
