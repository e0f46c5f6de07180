"""Save screenshots of the main pages to docs/screenshots/ (for the README).

Serves a new seeded SQLite database with `posture serve` and photographs each page in
headless Chromium:

    .venv/bin/python scripts/screenshots.py
"""

import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from app.ops.background import running_server

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs/screenshots"
SEEDS = ROOT.parent / "shared/seeds"
PAGES = {
    "overview": "/?as_of=2025-08-20",
    "overview-cell": "/?as_of=2025-08-20",
    "map": "/map?as_of=2025-08-20",
    "timeline": "/timeline",
    "actor": "/actors/RU",
    "source": "/sources/1",
    "mobile": "/?as_of=2025-08-20",
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/shots.db"
        env = {"POSTURE_SEED_TEXT_DIR": str(SEEDS)}
        with running_server(url, env=env) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            for name, path in PAGES.items():
                width = 390 if name == "mobile" else 1280
                page = browser.new_page(viewport={"width": width, "height": 860})
                page.goto(base + path, wait_until="networkidle")
                if name == "overview-cell":
                    page.locator("#matrix tbody a[href^='/claims/']").first.click()
                    page.locator("#panel mark").first.wait_for()
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
                page.close()
                print(f"saved docs/screenshots/{name}.png")
            browser.close()


if __name__ == "__main__":
    main()
