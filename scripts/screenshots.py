"""Save screenshots of the main pages to docs/screenshots/ (for the README).

Serves a new seeded SQLite database with `posture serve` and photographs each page in
headless Chromium:

    .venv/bin/python scripts/screenshots.py
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

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
    with tempfile.TemporaryDirectory() as folder, socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        env = {
            **os.environ,
            "POSTURE_DATABASE_URL": f"sqlite:///{folder}/shots.db",
            "POSTURE_SEED_TEXT_DIR": str(SEEDS),
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "posture"), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(150):
                try:
                    urllib.request.urlopen(base + "/api/v1/vocabulary", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
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
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
