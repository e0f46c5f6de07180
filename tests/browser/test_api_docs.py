"""/docs in headless Chromium: Swagger UI renders from the app's own files, offline, under the
strict Content-Security-Policy, with no console error and no violation of the policy."""

import json
import urllib.request

from playwright.sync_api import Page, expect

from tests.browser.conftest import Watch

# Records every violation of the policy; added before the page's own scripts run (by the
# browser, through the DevTools protocol, so the policy does not apply to this script).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} (${where})`
  );
});
"""


def violations(page: Page) -> list[str]:
    """The policy's violations on the page so far."""
    return list(page.evaluate("window.__cspViolations"))


def operation_blocks(server: str) -> int:
    """How many operations Swagger UI lists: each once under every tag it has."""
    with urllib.request.urlopen(server + "/openapi.json", timeout=10) as response:
        paths = json.load(response)["paths"]
    operations = [operation for path in paths.values() for operation in path.values()]
    return sum(max(1, len(operation.get("tags", []))) for operation in operations)


def test_the_api_docs_render_every_operation_from_local_files(
    page: Page, server: str, watch: Watch
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/docs")
    assert response is not None
    assert response.status == 200
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    positions = page.locator('.opblock-summary-path[data-path="/api/v1/positions"]')
    # Swagger UI lays out some sixty operations in the browser: seconds on a loaded machine
    # (the suite runs on every core), so the first render may take longer than an assertion's
    # usual 5 s.
    expect(positions).to_be_visible(timeout=30_000)
    expect(page.locator(".opblock")).to_have_count(operation_blocks(server))
    expect(page.locator(".info .title")).to_contain_text("Posture")
    assert page.title().endswith("· Posture")
    assert any(url.endswith("/openapi.json") for url in requested)
    assert violations(page) == []
    assert watch.foreign_requests == []
    assert watch.console_errors == []


def test_trying_an_operation_shows_its_highlighted_answer_under_the_policy(
    page: Page, watch: Watch
) -> None:
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/docs")
    operation = page.locator(".opblock", has=page.locator('[data-path="/api/v1/vocabulary"]'))
    operation.locator(".opblock-summary").first.click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".responses-wrapper .live-responses-table")
    expect(answer.locator("tbody .response-col_status")).to_have_text("200")
    expect(answer.locator(".highlight-code").first).to_contain_text("roles")
    assert violations(page) == []
    assert watch.foreign_requests == []
    assert watch.console_errors == []
