"""Screenshots of the explorer's main pages for docs/ and the README, from a served demo world.

    python -m benchmarks.explorer_screenshots BASE_URL ADMIN_KEY [OUT_DIR] [--only NAME ...] [--track FILE]

Run against `make demo` (or any served demo world); it opens each page in headless chromium with the
ADMIN key, types an amount on the output page, and writes one PNG per page. The "inspect" page (read a
track back) is taken only with `--track`: a signed demo track
(`opustrace demo audio lic-aurora:out-00006 --out t.wav`, then
`opustrace c2pa sign lic-aurora:out-00006 t.wav --out signed.wav`), uploaded through the page.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = (
    ("search", "/search?q=Silver"),
    ("output", "/output/lic-aurora:out-00006"),
    ("work", "/work/w-00003"),
    ("model", "/model/lic-cadence:cadence-gen-1-ft"),
    ("transparency", "/transparency"),
    ("inspect", "/inspect"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base")
    parser.add_argument("key")
    parser.add_argument("out", nargs="?", default="docs/screenshots", type=Path)
    parser.add_argument("--only", nargs="+", choices=[name for name, _ in PAGES], help="just these pages")
    parser.add_argument("--track", type=Path, help="a signed track for the inspect page")
    args = parser.parse_args()
    base, key, out = args.base, args.key, args.out
    only = args.only or [name for name, _ in PAGES if name != "inspect" or args.track]
    wanted = [(name, route) for name, route in PAGES if name in only]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/")
        page.fill("#api-key", key)
        page.press("#api-key", "Enter")
        for name, route in wanted:
            page.evaluate("document.body.dataset.ready = 'false'")
            page.goto(f"{base}/#{route}")
            page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            if name == "output":
                page.fill("#amount", "1250.00")
                page.press("#amount", "Enter")
                page.wait_for_selector("table.payout", timeout=120_000)
            if name == "inspect":
                page.set_input_files("#audio", str(args.track))
                page.evaluate("document.body.dataset.ready = 'false'")
                page.click("form.upload button[type=submit]")
                page.wait_for_selector("body[data-ready=true]", timeout=120_000)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            print(out / f"{name}.png")
        browser.close()


if __name__ == "__main__":
    main()
