"""End-to-end: the real `opustrace serve` command, its own local Neo4j, spoken to over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph.local_server import free_port
from tests.conftest import REPO
from tests.support import ADMIN_SECRET

OPUSTRACE = Path(sys.executable).with_name("opustrace")
# Worker processes of the served app: 1 in `make test` (its time on 2 cores); `make e2e-workers` runs the
# suite against `opustrace serve --workers 4`, as production runs it, and it must pass there too.
WORKERS = os.environ.get("E2E_SERVE_WORKERS", "1")
# Not a timing margin: start-up waits up to NEO4J_STARTUP_WAIT_SECONDS (300 s) for Neo4j, then migrates;
# only a hang takes longer than this, and the test then fails saying what it waited for.
READY_HANG_GUARD = 900.0


def wait_until_ready(base_url: str, what: str, stopped: Callable[[], str | None]) -> None:
    """Wait until `/readyz` answers 200 (start-up done, database answering). `stopped` says why the server
    is gone (it exited, its start-up failed), or None while it runs: the wait ends at once with that."""
    deadline = time.monotonic() + READY_HANG_GUARD
    last = "no answer yet"
    while time.monotonic() < deadline:
        why = stopped()
        if why is not None:
            raise AssertionError(f"{what} stopped before it was ready: {why}")
        try:
            answer = httpx.get(f"{base_url}/readyz", timeout=30)
            if answer.status_code == 200:
                return
            last = f"HTTP {answer.status_code} {answer.text[:200]}"
        except httpx.TransportError as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    raise AssertionError(
        f"{what} at {base_url} was not ready (GET /readyz answering 200) within the {READY_HANG_GUARD:.0f} s "
        f"hang guard; last answer: {last}"
    )


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]
    log: Path

    def wait_ready(self) -> None:
        def stopped() -> str | None:
            if self.process.poll() is None:
                return None
            return f"it exited with code {self.process.returncode}"

        try:
            wait_until_ready(self.base_url, f"`opustrace serve` (pid {self.process.pid})", stopped)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nserve's log ends:\n{self.log.read_text()[-3000:]}") from None

    def interrupt(self, timeout: float = 90.0) -> int:
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(OPUSTRACE), *args], env=self.env, capture_output=True, text=True, timeout=180, check=False
        )


def serve_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env |= {
        "OPUSTRACE_DATA_DIR": str(data_dir),
        "NEO4J_LOCAL_PORT": str(free_port()),
        "NEO4J_LOCAL_LIB_DIR": str(REPO / ".data" / "neo4j" / "lib"),
        "NEO4J_LOCAL_HEAP": "512m",
        "NEO4J_LOCAL_PAGECACHE": "64m",
        "ADMIN_API_KEY": ADMIN_SECRET,
        "PORT": str(free_port()),
    }
    return env


def start_serve(env: dict[str, str], log: Path, workers: str = WORKERS) -> Served:
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(OPUSTRACE), "serve", "--workers", workers],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
    return Served(process, f"http://127.0.0.1:{env['PORT']}", env, log)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Served]:
    env = serve_env(tmp_path / "data")
    served = start_serve(env, tmp_path / "serve.log")
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.interrupt()
        served.cli("neo4j", "stop")
