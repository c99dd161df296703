"""The explorer in a real browser: Debian's chromium driven by Playwright, against the real `serve`.

One world per session: `opustrace demo load --size tiny` (the demo's own seeded world, small so the
suite stays quick) into a fresh local Neo4j, then `opustrace serve` on it. Chromium is the system
package (installed here with apt-get when missing); Playwright never downloads a browser.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from graph.local_server import LocalNeo4j
from tests.c2pa_chain import make_chain
from tests.e2e.conftest import OPUSTRACE, Served, serve_env, start_serve

SEED = 2026


@dataclass
class Explorer:
    served: Served
    keys: dict[str, str]  # "ROLE" or "ROLE:scope" -> secret

    @property
    def url(self) -> str:
        return self.served.base_url

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, key: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=60,
        )
        body: dict[str, Any] = response.json()
        return body

    def upload(self, query: str, content: bytes, key: str | None, name: str = "track.wav") -> dict[str, Any]:
        """A mutation whose `$audio` is a file, as a GraphQL multipart request."""
        operations = {"query": query, "variables": {"audio": None}}
        response = httpx.post(
            f"{self.url}/graphql",
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.audio"]})},
            files={"0": (name, content, "audio/wav")},
            headers={"Authorization": f"Bearer {key}"} if key else {},
            timeout=60,
        )
        body: dict[str, Any] = response.json()
        return body


def chromium_path() -> str:
    """The system chromium; installed from Debian when missing (the test setup runs as root in CI)."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.fail("chromium is missing and only root can install it: apt-get install -y chromium")
    subprocess.run(["apt-get", "update"], check=True, capture_output=True, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        check=True, capture_output=True, timeout=1200, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )  # fmt: skip
    found = shutil.which("chromium")
    assert found, "apt-get installed chromium but it is not on PATH"
    return found


def read_keys(path: Path) -> dict[str, str]:
    keys: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        label, secret = line.rsplit(maxsplit=1)
        role, scope = label.split(" (", 1)
        keys.setdefault(role.strip(), secret)
        keys[f"{role.strip()}:{scope.rstrip(')')}"] = secret
    return keys


# Package scope, not session: Playwright's sync API keeps an event loop running in this thread while it is
# open, and every async test after the browser tests (pytest-asyncio, asyncio.run) would find it running.
@pytest.fixture(scope="package")
def explorer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Explorer]:
    root = tmp_path_factory.mktemp("explorer")
    env = serve_env(root / "data")
    chain = make_chain(root)  # a throwaway C2PA signing chain, so the served app signs demo tracks
    env |= {
        "C2PA_CERTIFICATE_CHAIN_FILE": str(chain.chain_file),
        "C2PA_PRIVATE_KEY_FILE": str(chain.key_file),
        "C2PA_TRUST_ANCHORS_FILE": str(chain.root_file),
    }
    # Started here with a patient timeout (a loaded CI machine can take minutes); load and serve reuse it.
    LocalNeo4j(
        home=(root / "data" / "neo4j").resolve(), port=int(env["NEO4J_LOCAL_PORT"]),
        heap=env["NEO4J_LOCAL_HEAP"], pagecache=env["NEO4J_LOCAL_PAGECACHE"],
        lib_root=Path(env["NEO4J_LOCAL_LIB_DIR"]), startup_timeout=600,
    ).start()  # fmt: skip
    load = subprocess.run(
        [str(OPUSTRACE), "demo", "load", "--size", "tiny", "--seed", str(SEED)],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    served: Served | None = None
    try:
        assert load.returncode == 0, load.stdout + load.stderr
        served = start_serve(env, root / "serve.log")
        served.wait_ready()
        yield Explorer(served, read_keys(root / "data" / "demo-keys.txt"))
    finally:
        if served is not None and served.process.poll() is None:
            served.interrupt()
        subprocess.run(
            [str(OPUSTRACE), "neo4j", "stop"], env=env, capture_output=True, timeout=120, check=False
        )


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(120_000)  # a loaded CI machine answers slowly; nothing here is timed
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield opened
    finally:
        context.close()
    assert not errors, f"the page threw: {errors}"


def use_key(page: Page, key: str | None) -> None:
    """Paste a key into the header form (or forget it), as a user would."""
    page.evaluate("document.body.dataset.ready = 'false'")
    if key is None:
        page.click("#forget-key")
    else:
        page.fill("#api-key", key)
        page.press("#api-key", "Enter")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)


def open_page(page: Page, base_url: str, route: str) -> None:
    page.evaluate("document.body.dataset.ready = 'false'")
    page.goto(f"{base_url}/#{route}")
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
