"""The dashboard in headless Chromium against `posture serve` on the seeded database."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import EDITOR, Watch, axe_violations, sign_in

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


# The forms are for editors: these pages are visited signed in.
FORMS = {"/claims/new", "/actors/new", "/initiatives/new", "/sources/new"}


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_and_has_no_serious_accessibility_violation(page: Page, path: str) -> None:
    if path in FORMS:
        sign_in(page)
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
    sign_in(page)
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


def test_a_form_page_sends_a_visitor_to_sign_in_and_back(page: Page, watch: Watch) -> None:
    page.goto("/sources/new")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Fsources%2Fnew$"))
    expect(page.locator("h1")).to_have_text("Sign in")
    page.locator("#username").fill(EDITOR)
    page.locator("#password").fill("not the password")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.locator("#password-error")).to_contain_text("Wrong username or password")
    expect(page.locator("#password")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    # A refused sign-in is an HTTP 401, which Chromium reports on its console.
    watch.console_errors[:] = [e for e in watch.console_errors if "status of 401" not in e]
    sign_in(page)
    page.goto("/sources/new")
    expect(page.locator("h1")).to_have_text("New source")
    expect(page.locator("header")).to_contain_text("Signed in as editor (editor)")


def test_signing_out_from_the_header_ends_the_session(page: Page) -> None:
    sign_in(page)
    page.goto("/actors/GB")
    expect(page.get_by_role("link", name="Edit")).to_be_visible()
    page.locator("header").get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/actors/GB")
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    page.goto("/actors/new")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))


def test_the_content_security_policy_blocks_an_injected_inline_script(
    page: Page, watch: Watch
) -> None:
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
    )
    assert page.evaluate("window.__injected === true") is False
    blocked = [e for e in watch.console_errors if "Content Security Policy" in e]
    assert blocked
    watch.console_errors[:] = [e for e in watch.console_errors if e not in blocked]
