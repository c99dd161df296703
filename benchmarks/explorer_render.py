"""Explorer speed: the output page of an output with 100 influences, rendered in headless chromium,
against the GraphQL requests that page makes, measured in the same run, interleaved.

    python -m benchmarks.explorer_render [--rounds 15]

A demo world (the demo's own generator, with training manifests of 120 works so
`lic-aurora:out-bench-100` gets all its 100 influences) is loaded through the mutations into a throwaway
Neo4j and served by the real app.
Each round opens the page afresh in the browser (time from navigation to the page's last element, as
measured by the page: `window.__explorer`), and sends the page's trace query with httpx (the baseline).
The goal (issue 14): the page renders within 1.5x of its GraphQL requests' time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from pathlib import Path

import httpx
import uvicorn
from playwright.sync_api import Page, sync_playwright

from graph.database import Database, Neo4jSettings
from graph.local_server import free_port, throwaway_neo4j
from opustrace.app import create_app, limits_from
from opustrace.demo import load
from opustrace.demo_world import BENCH_OUTPUT, Size
from opustrace.settings import Settings
from resolvers.schema import build_schema

WORLD = Size(creators=40, works=200, outputs=6, manifest=120, paid_outputs=1)
PAGE_QUERY = Path(__file__).resolve().parents[1] / "opustrace" / "static" / "explorer" / "js" / "pages.js"


def trace_query() -> str:
    """The page's own trace query, read from its module, so the baseline asks exactly the same."""
    text = PAGE_QUERY.read_text(encoding="utf-8")
    start = text.index("const TRACE = `") + len("const TRACE = `")
    return text[start : text.index("`", start)]


async def load_world(neo4j: Neo4jSettings) -> str:
    db = Database.connect(neo4j)
    try:
        keys = await load(db, build_schema(limits_from(Settings())), seed=2026, size=WORLD, progress=print)
    finally:
        await db.close()
    return keys.lines[0][2]  # the ADMIN key


def serve(neo4j: Neo4jSettings) -> tuple[str, uvicorn.Server]:
    port = free_port()
    settings = Settings(rate_limit_per_minute=100_000)
    config = uvicorn.Config(create_app(settings, Database.connect(neo4j)), port=port, log_level="warning")
    server = uvicorn.Server(config)
    threading.Thread(target=lambda: asyncio.run(server.serve()), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return base, server
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the app did not come up")


def render_once(page: Page, base: str) -> tuple[float, float, int]:
    page.goto(f"{base}/#/transparency")
    page.wait_for_selector("body[data-ready=true]")
    page.evaluate("document.body.dataset.ready = 'false'")
    page.goto(f"{base}/#/output/{BENCH_OUTPUT}")
    page.wait_for_selector("body[data-ready=true]", timeout=120_000)
    bars = page.locator("section[aria-labelledby='s-influence-scores'] rect.bar").count()
    measured = page.evaluate("window.__explorer")
    return float(measured["renderMs"]), float(measured["graphqlMs"]), bars


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with throwaway_neo4j(heap="1g", pagecache="256m") as neo4j:
        started = time.perf_counter()
        admin = asyncio.run(load_world(neo4j))
        print(f"world loaded in {time.perf_counter() - started:.0f} s")
        base, server = serve(neo4j)
        query = {"query": trace_query(), "variables": {"id": BENCH_OUTPUT}}
        headers = {"Authorization": f"Bearer {admin}"}
        render, in_page, direct = [], [], []
        with sync_playwright() as playwright, httpx.Client(timeout=120) as client:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"{base}/")
            page.fill("#api-key", admin)
            page.press("#api-key", "Enter")
            render_once(page, base)  # warm-up: caches, JIT, the driver's pool
            for _ in range(args.rounds):
                ms, gql_ms, bars = render_once(page, base)
                assert bars == 100, f"the page drew {bars} influence bars, expected 100"
                render.append(ms)
                in_page.append(gql_ms)
                t0 = time.perf_counter()
                body = client.post(f"{base}/graphql", json=query, headers=headers).json()
                direct.append((time.perf_counter() - t0) * 1000)
                assert len(body["data"]["trace"]["influences"]) == 100
            browser.close()
        server.should_exit = True
    print(f"{'measure':<40}{'p50 ms':>10}{'p95 ms':>10}")
    for label, values in (
        ("page render (navigation to last element)", render),
        ("its GraphQL requests, timed in the page", in_page),
        ("the same trace query from httpx", direct),
    ):
        print(f"{label:<40}{pct(values, 0.5):>10.1f}{pct(values, 0.95):>10.1f}")
    ratios = [r / g for r, g in zip(render, in_page, strict=True)]
    p50, p95 = statistics.median(ratios), pct(ratios, 0.95)
    print(f"render / its GraphQL time: p50 {p50:.2f}x, p95 {p95:.2f}x (goal <= 1.5x)")
    print(f"render / httpx trace:      p50 {statistics.median(render) / statistics.median(direct):.2f}x")


if __name__ == "__main__":
    main()
