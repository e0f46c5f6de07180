"""A real server (`posture serve` on a new SQLite file) and headless Chromium via Playwright."""

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

from app.ops.background import POSTURE, ServerProcess
from tests.conftest import SEED_TEXT_DIR

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AXE = Path(__file__).parent / "vendor/axe-core-4.14.1/axe.min.js"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}
EDITOR = "editor"
EDITOR_PASSWORD = "browser tests only"
# A second person, who reviews what the editor proposes (tests/browser/test_review.py).
REVIEWER = "reviewer"
REVIEWER_PASSWORD = "browser tests only, reviewing"


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() and shutil.which(CHROMIUM):
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"Chromium is required in CI at {CHROMIUM} (apt-get install chromium)")
    pytest.skip(f"Chromium not found at {CHROMIUM}; browser tests skipped")


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of `posture serve` on a new, seeded SQLite database."""
    _require_chromium()
    folder = tmp_path_factory.mktemp("server")
    url = f"sqlite:///{folder / 'posture.db'}"
    server = ServerProcess(
        url, env={"POSTURE_SEED_TEXT_DIR": str(SEED_TEXT_DIR)}, log=folder / "server.log"
    )
    try:
        server.start()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    env = server.env
    try:
        # An editor, made as an admin would: with the command line, on the server's database.
        account = subprocess.run(
            [POSTURE, "users", "add", EDITOR, "--role", "editor", "--password-stdin"],
            env=env,
            input=EDITOR_PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert account.returncode == 0, account.stderr
        reviewer = subprocess.run(
            [POSTURE, "users", "add", REVIEWER, "--role", "reviewer", "--password-stdin"],
            env=env,
            input=REVIEWER_PASSWORD + "\n",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert reviewer.returncode == 0, reviewer.stderr
        yield server.base
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (never a downloaded browser)."""
    _require_chromium()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that a user should never see: errors, requests leaving the machine."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)


@pytest.fixture
def watch() -> Watch:
    """A fresh record of the page's console errors and requests."""
    return Watch()


@pytest.fixture
def page(browser: Browser, server: str, watch: Watch) -> Iterator[Page]:
    """A new page; after the test, no console error and no request off 127.0.0.1."""
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("console", lambda m: watch.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: watch.page_errors.append(str(e)))

    def _request(request: Request) -> None:
        host = urlparse(request.url).hostname
        if request.url.startswith(("data:", "about:")):
            return
        if host not in LOCAL_HOSTS:
            watch.foreign_requests.append(request.url)

    page.on("request", _request)
    yield page
    context.close()
    assert watch.foreign_requests == []
    assert watch.page_errors == []
    assert watch.console_errors == []


def axe_violations(page: Page) -> list[dict[str, object]]:
    """Serious and critical axe-core violations on the page as it is now."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def sign_in(page: Page, username: str = EDITOR, password: str = EDITOR_PASSWORD) -> None:
    """Sign in through the real /sign-in page, as a person does."""
    page.goto("/sign-in")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)
