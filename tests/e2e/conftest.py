"""End-to-end: the real `opustrace serve` command, its own local Neo4j, spoken to over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from graph.local_server import free_port
from tests.conftest import REPO
from tests.support import ADMIN_SECRET

OPUSTRACE = Path(sys.executable).with_name("opustrace")
# The suite runs against several workers, as production does (`opustrace serve --workers 4` must pass it).
WORKERS = os.environ.get("E2E_SERVE_WORKERS", "1")


@dataclass
class Served:
    process: subprocess.Popen[bytes]
    base_url: str
    env: dict[str, str]
    log: Path

    def wait_ready(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"serve did not become healthy:\n{self.log.read_text()[-3000:]}")

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
