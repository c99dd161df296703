"""A local Neo4j community server, fetched from Maven Central and run on loopback.

The server runs from the jars Maven resolves for `org.neo4j:neo4j` (see `neo4j_server/pom.xml`): there is
no container engine on the project's machines, and the `bin/neo4j` launcher is not on Maven Central, so
this module does the launcher's work: configuration, heap flags, the initial password, start and stop.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import neo4j
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph.database import Neo4jSettings

POM = Path(__file__).with_name("neo4j_server") / "pom.xml"
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
DEFAULT_USER = "neo4j"
# The password a fresh store starts with; the server refuses everything until it is changed.
FACTORY_PASSWORD = "neo4j"  # noqa: S105
JVM_OPENS = (
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)
MIN_JAVA = 17
# The checkout's shared jar directory: tests, benchmarks and worktrees reuse one download.
CHECKOUT_LIB_ROOT = Path(__file__).resolve().parents[1] / ".data" / "neo4j" / "lib"
# The one environment prefix for "use this existing server instead of a throwaway one" (tests and benchmarks).
THROWAWAY_ENV_PREFIX = "NEO4J_TEST_"
# A shared 2-core machine under load can take minutes to start a JVM; a slow start is not a failure.
STARTUP_TIMEOUT = 300.0


class LocalServerError(RuntimeError):
    """The local server cannot be fetched, started or reached; the message says what to do."""


def neo4j_version() -> str:
    """The Neo4j version the pom pins."""
    match = re.search(r"<neo4j.version>([^<]+)</neo4j.version>", POM.read_text())
    if match is None:
        raise LocalServerError(f"{POM} does not pin <neo4j.version>")
    return match.group(1)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when nothing listens on the port (connections in TIME_WAIT don't count: servers reuse it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pid_alive(pid: int) -> bool:
    """Whether `pid` still runs. A zombie has stopped, though it still exists for `os.kill` until its
    parent waits for it: a server that `opustrace serve` started and `opustrace neo4j stop` stopped is
    one until serve reaps it, and counting it as running made every such stop wait out its timeout."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc here (not Linux), or the process is gone already
    # The command name in parentheses may hold spaces; the state is the first field after it.
    return stat.rpartition(")")[2].split()[0] == "Z"


BOLT_SHUTDOWN_WAITS = (
    "internal.server.bolt.thread_pool_shutdown_wait_time",
    "internal.server.bolt.connection_shutdown_wait_time",
)


@dataclass
class LocalNeo4j:
    """One server home under `home` (by default `.data/neo4j` in the checkout)."""

    home: Path
    port: int = 7687
    heap: str = "512m"
    pagecache: str = "256m"
    java: str = "java"
    mvn: str = "mvn"
    extra_settings: Mapping[str, str] = field(default_factory=dict)
    startup_timeout: float = STARTUP_TIMEOUT
    # Jars are shared by every home that names the same root (tests reuse the checkout's).
    lib_root: Path | None = None

    # Layout of the home: jars are shared by version, data and logs belong to this home.
    @property
    def lib_dir(self) -> Path:
        return (self.lib_root or self.home / "lib") / neo4j_version()

    @property
    def conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def log_file(self) -> Path:
        return self.home / "logs" / "console.log"

    @property
    def pid_file(self) -> Path:
        return self.home / "run" / "opustrace-neo4j.pid"

    @property
    def password_file(self) -> Path:
        return self.home / "password"

    @property
    def uri(self) -> str:
        return f"bolt://127.0.0.1:{self.port}"

    # -- fetch ---------------------------------------------------------------------------------
    def is_fetched(self) -> bool:
        return (self.lib_dir / ".complete").exists()

    def fetch(self) -> Path:
        """Resolve the server's jars from Maven Central once; later calls reuse them."""
        if self.is_fetched():
            return self.lib_dir
        mvn = self._require_tool(self.mvn, "Maven", "apt-get install maven")
        self._check_java()
        staging = self.lib_dir.with_name(self.lib_dir.name + ".partial")
        shutil.rmtree(staging, ignore_errors=True)
        cmd = [mvn, "-q", "-B", "-f", str(POM), "dependency:copy-dependencies"]
        cmd.append(f"-DoutputDirectory={staging}")
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
            raise LocalServerError(f"Maven could not fetch Neo4j {neo4j_version()}:\n{tail}")
        (staging / ".complete").write_text(neo4j_version())
        shutil.rmtree(self.lib_dir, ignore_errors=True)
        staging.rename(self.lib_dir)
        return self.lib_dir

    # -- configuration -------------------------------------------------------------------------
    def settings(self) -> dict[str, str]:
        directories = {name: str(self.home / name) for name in ("data", "logs", "run", "plugins", "import")}
        settings = {
            "server.bolt.listen_address": f"127.0.0.1:{self.port}",
            "server.bolt.advertised_address": f"127.0.0.1:{self.port}",
            "server.http.enabled": "false",
            "server.https.enabled": "false",
            "server.memory.pagecache.size": self.pagecache,
            "dbms.security.auth_enabled": "true",
            "dbms.usage_report.enabled": "false",
            "db.transaction.timeout": "300s",
            "server.directories.transaction.logs.root": str(self.home / "data" / "transactions"),
            # After the databases have stopped and checkpointed, Bolt's shutdown waits out two fixed
            # quiet periods of 5 s each with nothing left to close: every stop took 10.6 s instead of 0.6.
            **dict.fromkeys(BOLT_SHUTDOWN_WAITS, "100ms"),
        }
        settings.update({f"server.directories.{name}": path for name, path in directories.items()})
        settings.update(self.extra_settings)
        return settings

    def write_config(self) -> None:
        self.conf_dir.mkdir(parents=True, exist_ok=True)
        for name in ("data", "logs", "run", "plugins", "import"):
            (self.home / name).mkdir(parents=True, exist_ok=True)
        self._make_private()
        lines = [f"{key}={value}" for key, value in sorted(self.settings().items())]
        (self.conf_dir / "neo4j.conf").write_text("\n".join(lines) + "\n")

    def password(self) -> str:
        """The generated password for this home, created on first use and kept readable by owner only."""
        if self.password_file.exists():
            return self.password_file.read_text().strip()
        self.home.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(24)
        fd = os.open(self.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(value + "\n")
        return value

    def _make_private(self) -> None:
        """The store, transaction logs and server logs hold every record: readable by this user only.

        New files are created private by the server's umask (`_spawn`); this also closes up a home made
        by an older version, whose files were world-readable.
        """
        self.home.chmod(0o700)
        for name in ("data", "logs", "run"):
            top = self.home / name
            top.chmod(0o700)
            for path in top.rglob("*"):
                if not path.is_symlink():
                    path.chmod(0o700 if path.is_dir() else 0o600)

    # -- lifecycle -----------------------------------------------------------------------------
    def running_pid(self) -> int | None:
        if not self.pid_file.exists():
            return None
        try:
            pid = int(self.pid_file.read_text().strip())
        except ValueError:
            return None
        return pid if _pid_alive(pid) else None

    def is_running(self) -> bool:
        return self.running_pid() is not None and not port_is_free(self.port)

    def start(self) -> bool:
        """Start the server unless it already runs; returns True when this call started it."""
        if self.is_running():
            return False
        java = self._check_java()
        self.fetch()
        if not port_is_free(self.port):
            raise LocalServerError(
                f"Port {self.port} on 127.0.0.1 is taken by another program, so Neo4j cannot listen there. "
                "Stop that program, or choose another port with NEO4J_LOCAL_PORT."
            )
        self.write_config()
        password = self.password()
        process = self._spawn(java)
        self.pid_file.parent.mkdir(parents=True, exist_ok=True)
        self.pid_file.write_text(str(process.pid))
        try:
            self._wait_for_bolt(process)
            self._ensure_password(password)
        except BaseException:
            self.stop()
            raise
        return True

    def stop(self, timeout: float = 60.0) -> bool:
        """Stop the server this home runs; returns True when there was one to stop."""
        pid = self.running_pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        # The server runs in its own process group, so the signal reaches its JVM only.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        if _pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_file.exists():
            return "(no log written)"
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])

    # -- internals -----------------------------------------------------------------------------
    def _spawn(self, java: str) -> subprocess.Popen[bytes]:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        # A fresh log per start, so readiness is read from this run's lines only.
        if self.log_file.exists():
            self.log_file.replace(self.log_file.with_suffix(".log.1"))
        cmd = [java, f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseG1GC", *JVM_OPENS]
        cmd += ["-cp", str(self.lib_dir / "*"), MAIN_CLASS, f"--home-dir={self.home}"]
        cmd += [f"--config-dir={self.conf_dir}", "--console-mode"]
        with self.log_file.open("ab") as log:
            return subprocess.Popen(  # noqa: S603
                cmd,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                umask=0o077,  # every file the server writes is private to this user
            )

    def _wait_for_bolt(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise LocalServerError(
                    f"Neo4j exited with code {process.returncode} while starting. "
                    f"The end of its log ({self.log_file}):\n{self.log_tail()}"
                )
            if "Started." in self.log_tail(5) and not port_is_free(self.port):
                return
            time.sleep(0.3)
        raise LocalServerError(
            f"Neo4j did not answer on {self.uri} within {self.startup_timeout:.0f} s. "
            f"The end of its log ({self.log_file}):\n{self.log_tail()}"
        )

    def _ensure_password(self, password: str) -> None:
        """Replace the factory password on a fresh store; an existing store already has ours."""
        if self._can_login(password):
            return
        with neo4j.GraphDatabase.driver(self.uri, auth=(DEFAULT_USER, FACTORY_PASSWORD)) as driver:
            driver.execute_query(
                "ALTER CURRENT USER SET PASSWORD FROM $old TO $new",
                old=FACTORY_PASSWORD,
                new=password,
                database_="system",
            )
        if not self._can_login(password):
            raise LocalServerError(f"Could not set the password kept in {self.password_file}")

    def _can_login(self, password: str) -> bool:
        try:
            with neo4j.GraphDatabase.driver(self.uri, auth=(DEFAULT_USER, password)) as driver:
                driver.verify_connectivity()
        except AuthError:
            return False
        except ServiceUnavailable as exc:
            raise LocalServerError(f"Neo4j at {self.uri} does not answer: {exc}") from exc
        return True

    def _check_java(self) -> str:
        java = self._require_tool(self.java, "Java 17", "apt-get install openjdk-17-jre-headless")
        result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)  # noqa: S603
        match = re.search(r'version "(\d+)', result.stderr + result.stdout)
        if match is None or int(match.group(1)) < MIN_JAVA:
            found = next(iter((result.stderr or result.stdout).splitlines()), "nothing")
            raise LocalServerError(
                f"Neo4j {neo4j_version()} needs Java {MIN_JAVA} or later; `{java} -version` says: {found}"
            )
        return java

    @staticmethod
    def _require_tool(command: str, what: str, install_hint: str) -> str:
        path = shutil.which(command)
        if path is None:
            raise LocalServerError(
                f"{what} is needed to run the local Neo4j but `{command}` is not on PATH. "
                f"Install it ({install_hint}) or set NEO4J_URI to an existing Neo4j server."
            )
        return path


@contextlib.contextmanager
def throwaway_neo4j(heap: str = "768m", pagecache: str = "128m") -> Iterator[Neo4jSettings]:
    """A fresh local Neo4j on a free loopback port with its data in a temporary directory, stopped after.

    The one helper the test suite and every benchmark use. `NEO4J_TEST_URI` (with `NEO4J_TEST_USER` and
    `NEO4J_TEST_PASSWORD`) names an existing server to use instead: its data is wiped or added to, so never
    point it at real data.
    """
    external = os.environ.get(THROWAWAY_ENV_PREFIX + "URI")
    if external:
        user = os.environ.get(THROWAWAY_ENV_PREFIX + "USER", DEFAULT_USER)
        yield Neo4jSettings(external, user, os.environ.get(THROWAWAY_ENV_PREFIX + "PASSWORD", ""))
        return
    with tempfile.TemporaryDirectory(prefix="opustrace-neo4j-") as home:
        server = LocalNeo4j(
            home=Path(home),
            port=free_port(),
            heap=heap,
            pagecache=pagecache,
            lib_root=CHECKOUT_LIB_ROOT,
        )
        server.start()
        try:
            yield Neo4jSettings(server.uri, DEFAULT_USER, server.password())
        finally:
            server.stop()


def _reap(pid: int) -> None:
    # A server this process started stays a zombie until waited for, and a zombie still "exists".
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)
