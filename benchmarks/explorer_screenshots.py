"""Screenshots of the explorer's main pages for docs/ and the README, from a served demo world.

    python -m benchmarks.explorer_screenshots BASE_URL ADMIN_KEY [OUT_DIR]

Run against `make demo` (or any served demo world); it opens each page in headless chromium with the
ADMIN key, types an amount on the output page, and writes one PNG per page.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = (
    ("search", "/search?q=Silver"),
    ("output", "/output/out-00006"),
    ("work", "/work/w-00003"),
    ("model", "/model/cadence-gen-1-ft"),
    ("transparency", "/transparency"),
)


def main() -> None:
    base, key = sys.argv[1], sys.argv[2]
    out = Path(sys.argv[3] if len(sys.argv) > 3 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/")
        page.fill("#api-key", key)
        page.press("#api-key", "Enter")
        for name, route in PAGES:
            page.evaluate("document.body.dataset.ready = 'false'")
            page.goto(f"{base}/#{route}")
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            if name == "output":
                page.fill("#amount", "1250.00")
                page.press("#amount", "Enter")
                page.wait_for_selector("table.payout", timeout=120_000)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
