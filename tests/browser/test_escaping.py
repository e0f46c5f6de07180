"""Text from users and sources is shown as text in the real browser, never run."""

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in

HOSTILE = '<script>window.__pwned = true</script><img src=x onerror="window.__pwned=true">'


def test_an_evidence_quote_containing_script_shows_as_text(page: Page) -> None:
    sign_in(page)
    page.goto("/claims/new")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    headers = {"X-CSRF-Token": token or ""}
    text = f"Officials said: {HOSTILE} and nothing more."
    source = page.request.post(
        "/api/v1/sources",
        data={"title": f"Hostile {HOSTILE}", "published_on": "2025-08-20", "text": text},
        headers=headers,
    )
    assert source.status == 201, source.text()
    claim = page.request.post(
        "/api/v1/claims",
        data={
            "actor": "GB",
            "kind": "commitment",
            "role": "training",
            "status": "willing",
            "basis": "statement",
            "stated_on": "2025-08-20",
            "source_id": source.json()["id"],
            "evidence": {"text": HOSTILE},
            "note": HOSTILE,
        },
        headers=headers,
    )
    assert claim.status == 201, claim.text()
    for path in (f"/claims/{claim.json()['id']}", f"/sources/{source.json()['id']}"):
        page.goto(path)
        expect(page.locator("mark").first).to_contain_text("<script>window.__pwned = true</script>")
        assert page.evaluate("window.__pwned === undefined")
        # The only scripts are the app's own files (a source's page loads span-coding.js).
        assert page.locator("main script:not([src^='/static/js/'])").count() == 0
        assert page.locator("main img[src=x]").count() == 0
