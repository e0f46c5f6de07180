"""Snapshots in Chromium: a signed-in user freezes a matrix from /snapshots and lands on
its permanent page, with the citation, the hash and the frozen cells."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import EDITOR, axe_violations, sign_in


def test_a_signed_in_user_takes_a_snapshot_and_reads_its_citation_and_cells(page: Page) -> None:
    sign_in(page)
    page.goto("/snapshots")
    expect(page.locator("h1")).to_have_text("Snapshots")
    assert axe_violations(page) == []
    page.locator("#as_of").fill("2025-09-01")
    page.locator("#role").select_option("ground_forces")
    page.locator("#title").fill("Ground forces & the coalition")
    page.locator("main").get_by_role("button", name="Take snapshot").click()
    page.wait_for_url(re.compile(r"/snapshots/[a-z2-7]{12}$"))
    snapshot_id = page.url.rsplit("/", 1)[1]

    expect(page.locator("h1")).to_have_text("Ground forces & the coalition")
    citation = page.locator("#citation-text")
    expect(citation).to_contain_text('Posture snapshot "Ground forces & the coalition"')
    expect(citation).to_contain_text(f"/snapshots/{snapshot_id}")
    expect(citation).to_contain_text(f"by {EDITOR}")
    content_hash = page.locator("#content-hash").inner_text()
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash)
    expect(citation).to_contain_text(content_hash)
    expect(page.locator("#citation-bibtex")).to_contain_text(f"@misc{{posture-{snapshot_id},")
    cells = page.locator("#snapshot-cells tbody tr")
    expect(cells.first).to_be_visible()
    expect(page.locator("#snapshot-cells")).to_contain_text("United Kingdom")
    expect(page.locator("#snapshot-cells")).to_contain_text("ground forces")
    assert axe_violations(page) == []

    # The copy button (a static script, under the strict CSP) copies the citation.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.bring_to_front()
    page.get_by_role("button", name="Copy citation").click()
    expect(page.locator('button[data-copy="citation-text"]')).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#citation-text").inner_text()

    # The list names it; the API gives the same hash.
    page.goto("/snapshots")
    expect(page.locator(f'a[href="/snapshots/{snapshot_id}"]')).to_be_visible()
    answer = page.request.get(f"/api/v1/snapshots/{snapshot_id}").json()
    assert answer["content_hash"] == content_hash
