"""The analysis controls of the matrix, changes and timeline pages, in headless Chromium
on the seed: what if a milestone held, members taking their bloc's position, reversals,
what could be known on a date."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations


def test_one_click_on_a_milestone_shows_which_cells_it_turns_on(page: Page) -> None:
    page.goto("/?as_of=2025-08-20&role=ground_forces")
    matrix = page.locator("#matrix")
    germany = matrix.get_by_role("row", name=re.compile("Germany"))
    expect(germany).to_contain_text("cond.")
    page.evaluate("window.__still_here = true")
    page.get_by_label("Ceasefire in Ukraine held").check()
    expect(page.locator("#matrix caption")).to_contain_text("2 cells turned on")
    expect(matrix.get_by_role("row", name=re.compile("Germany"))).to_contain_text("if assumed")
    expect(matrix.get_by_role("row", name=re.compile("Spain"))).to_contain_text("if assumed")
    # The United Kingdom waits on a peace agreement, not on a ceasefire.
    expect(matrix.get_by_role("row", name=re.compile("United Kingdom"))).not_to_contain_text(
        "if assumed"
    )
    expect(page.locator("#matrix td.assumed")).to_have_count(2)
    assert page.evaluate("window.__still_here") is True
    assert "assume=ukraine-ceasefire" in page.url
    assert axe_violations(page) == []


def test_members_take_their_blocs_position_when_asked(page: Page) -> None:
    page.goto("/?as_of=2025-08-20&role=sanctions")
    matrix = page.locator("#matrix")
    expect(matrix.get_by_role("row", name=re.compile("Germany"))).to_have_count(0)
    page.get_by_label("Members take their bloc's position").check()
    germany = matrix.get_by_role("row", name=re.compile("Germany"))
    expect(germany).to_contain_text("via EU")
    assert "inherit=true" in page.url


def test_the_changes_page_lists_only_reversals_as_could_be_known(page: Page) -> None:
    page.goto("/changes?from=2025-08-01&to=2025-08-31")
    expect(page.locator("#changes h2")).to_contain_text("changes from")
    page.get_by_label("Known as of").fill("2025-08-19")
    page.get_by_label("Known as of").dispatch_event("change")
    expect(page.locator("#changes h2")).to_contain_text("as could be known on")
    page.get_by_label("Reversals only").check()
    expect(page.locator("#changes h2")).to_contain_text("reversal")
    assert "reversals=true" in page.url
    assert "known_as_of=2025-08-19" in page.url
    assert axe_violations(page) == []


def test_the_timeline_counts_in_effect_positions_under_an_assumption(page: Page) -> None:
    page.goto("/timeline?role=ground_forces&from=2025-08-01&to=2025-09-01&step=week")
    page.get_by_label("Peace agreement between Ukraine and Russia held").check()
    expect(page.locator("#timeline")).to_contain_text("Assuming ukraine-peace-agreement held")
    expect(page.locator("#timeline table.counts thead")).to_contain_text("In effect")
