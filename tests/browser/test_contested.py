"""The contested cells page in Chromium: a reviewer settles a contested cell by retracting
one of its claims with a reason, and the cell leaves the page."""

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import REVIEWER, REVIEWER_PASSWORD, axe_violations, sign_in

DAY = "2025-08-19"
PAGE = f"/contested?as_of={DAY}"


def post(page: Page, path: str, data: dict[str, Any], headers: dict[str, str]) -> Any:
    """A JSON write through the browser's session (its cookie and CSRF token)."""
    response = page.request.post(path, data=data, headers=headers)
    assert response.status == 201, response.text()
    return response.json()


def claim_from_a_source(page: Page, headers: dict[str, str], n: int, **fields: str) -> int:
    """An accepted claim of Portugal on naval security, from a source of its own."""
    text = f"Report {n}. Lisbon is ready to send frigates, one account says; another differs."
    source = post(
        page,
        "/api/v1/sources",
        {"title": f"Contested source {n}", "published_on": DAY, "text": text},
        headers,
    )
    claim = post(
        page,
        "/api/v1/claims",
        {
            "actor": "PT",
            "kind": "commitment",
            "role": "naval_security",
            "stated_on": DAY,
            "source_id": source["id"],
            "evidence": {"text": "Lisbon is ready to send frigates"},
            "review_state": "accepted",
            **fields,
        },
        headers,
    )
    return int(claim["id"])


def test_a_reviewer_retracts_a_claim_and_the_contested_cell_leaves_the_page(page: Page) -> None:
    sign_in(page, REVIEWER, REVIEWER_PASSWORD)
    page.goto(PAGE)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    headers = {"X-CSRF-Token": token or ""}
    if page.request.get("/api/v1/actors/PT").status == 404:
        post(page, "/api/v1/actors", {"code": "PT", "kind": "state"}, headers)
    winner = claim_from_a_source(page, headers, 1, status="ruled_out", basis="statement")
    loser = claim_from_a_source(page, headers, 2, status="willing", basis="report")

    page.goto(PAGE)
    card = page.locator("#cell-PT-naval_security")
    expect(card).to_be_visible()
    expect(card.locator("thead th a")).to_have_text([f"Claim {winner}", f"Claim {loser}"])
    expect(card.locator("thead th", has_text=f"Claim {winner}")).to_contain_text("decides")
    expect(card).to_contain_text("Lisbon is ready to send frigates")
    expect(card.get_by_role("link", name=f"Correct claim {loser}")).to_have_attribute(
        "href", f"/claims/{loser}/edit"
    )
    assert axe_violations(page) == []

    page.locator(f"#reason-{loser}").fill("The report misread the minister")
    card.locator(f"form[action='/contested/{loser}/retract']").get_by_role(
        "button", name="Retract"
    ).click()
    page.wait_for_url(re.compile(rf"/contested\?as_of={DAY}&retracted={loser}$"))
    expect(page.get_by_role("status")).to_contain_text(f"Claim {loser} is retracted")
    expect(page.locator("#cell-PT-naval_security")).to_have_count(0)

    # The claim's History panel names who retracted it.
    page.goto(f"/claims/{loser}")
    expect(page.locator("main")).to_contain_text("The report misread the minister")
    expect(page.locator("main")).to_contain_text(re.compile(rf"retract\s+by {REVIEWER}\b"))

    # Leave no counting claim behind for the other browser tests' matrices.
    etag = page.request.get(f"/api/v1/claims/{winner}").headers["etag"]
    cleanup = page.request.post(
        f"/api/v1/claims/{winner}/retract",
        data={"reason": "test data"},
        headers={**headers, "If-Match": etag},
    )
    assert cleanup.status == 200, cleanup.text()
