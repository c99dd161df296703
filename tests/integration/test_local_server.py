"""The local server tooling's error paths, with real processes (a real JVM where one is needed)."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from graph.database import Neo4jSettings
from graph.local_server import (
    BOLT_SHUTDOWN_WAITS,
    THROWAWAY_ENV_PREFIX,
    LocalNeo4j,
    LocalServerError,
    free_port,
    port_is_free,
)
from tests.conftest import REPO

pytestmark = pytest.mark.integration
LIB_ROOT = REPO / ".data" / "neo4j" / "lib"


def server(home: Path, **overrides: object) -> LocalNeo4j:
    options: dict[str, object] = {"port": free_port(), "lib_root": LIB_ROOT, "startup_timeout": 60.0}
    options.update(overrides)
    return LocalNeo4j(home=home, **options)  # type: ignore[arg-type]


def test_a_server_stopped_but_not_yet_reaped_by_its_parent_counts_as_stopped(tmp_path: Path) -> None:
    """`opustrace neo4j stop` stops the server `opustrace serve` started: the JVM exits, and stays a zombie
    until serve reaps it. Counted as running, every such stop waited out its whole 60 s timeout."""
    local = server(tmp_path)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        os.waitid(os.P_PID, child.pid, os.WEXITED | os.WNOWAIT)  # it has exited; nobody has reaped it
        local.pid_file.parent.mkdir(parents=True, exist_ok=True)
        local.pid_file.write_text(str(child.pid))
        assert local.running_pid() is None
    finally:
        child.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        local.pid_file.write_text(str(running.pid))
        assert local.running_pid() == running.pid
    finally:
        running.kill()
        running.wait()


def test_missing_java_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match=r"Java 17 is needed .* `no-such-java` is not on PATH"):
        server(tmp_path, java="no-such-java").start()


def test_old_java_is_refused_with_its_version(tmp_path: Path) -> None:
    fake = tmp_path / "java"
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(LocalServerError, match=r'needs Java 17 or later; .*"11\.0\.2"'):
        server(tmp_path / "home", java=str(fake)).start()


def test_missing_maven_when_jars_are_not_fetched(tmp_path: Path) -> None:
    with pytest.raises(LocalServerError, match=r"Maven is needed .* `no-such-mvn`"):
        server(tmp_path, mvn="no-such-mvn", lib_root=tmp_path / "empty-lib").fetch()


def test_port_taken_is_reported(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        with pytest.raises(LocalServerError, match=rf"Port {port} on 127.0.0.1 is taken"):
            server(tmp_path, port=port).start()


def test_server_that_does_not_come_up_shows_its_log(tmp_path: Path) -> None:
    broken = server(tmp_path, extra_settings={"server.memory.pagecache.size": "lots"})
    with pytest.raises(LocalServerError, match=r"Neo4j exited with code \d+ while starting") as caught:
        broken.start()
    assert "pagecache" in str(caught.value)
    assert broken.running_pid() is None
    assert port_is_free(broken.port)


def test_config_binds_loopback_only_with_auth_and_no_http(tmp_path: Path) -> None:
    local = server(tmp_path, port=17001)
    local.write_config()
    conf = (tmp_path / "conf" / "neo4j.conf").read_text()
    assert "server.bolt.listen_address=127.0.0.1:17001" in conf
    assert "server.http.enabled=false" in conf and "dbms.security.auth_enabled=true" in conf
    # Stops skip Bolt's idle waits (Neo4j refuses to start on a misspelt setting name).
    assert all(f"{name}=100ms" in conf for name in BOLT_SHUTDOWN_WAITS)
    # One random password per home, written once (owner-only) and read back by any later process.
    first = local.password()
    assert len(first) >= 32 and local.password_file.read_text() == first + "\n"
    assert stat.S_IMODE(local.password_file.stat().st_mode) == 0o600
    assert server(tmp_path, port=17002).password() == first
    assert server(tmp_path / "other").password() != first


def test_the_running_store_is_private_to_its_user(neo4j_settings: Neo4jSettings) -> None:
    if os.environ.get(THROWAWAY_ENV_PREFIX + "URI"):
        pytest.skip("the tests use an external Neo4j (NEO4J_TEST_URI): its files are not ours to judge")
    home = home_of(neo4j_settings)
    data = home / "data"
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.parent.name == "transactions" or "transactions" in p.parts for p in files)
    exposed = [str(p) for p in [data, *data.rglob("*")] if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert not exposed, f"readable by others: {exposed[:5]}"


def home_of(settings: Neo4jSettings) -> Path:
    """The session server's home: the throwaway directory whose configuration listens on its Bolt port
    (the newest such, should a crashed run have left one behind with the same port)."""
    listen = f"server.bolt.listen_address=127.0.0.1:{urlsplit(settings.uri).port}"
    homes = [
        home
        for home in Path(tempfile.gettempdir()).glob("opustrace-neo4j-*")
        if (home / "conf" / "neo4j.conf").is_file() and listen in (home / "conf" / "neo4j.conf").read_text()
    ]
    assert homes, f"no throwaway Neo4j home in {tempfile.gettempdir()} listens as {listen}"
    return max(homes, key=lambda home: home.stat().st_mtime)
