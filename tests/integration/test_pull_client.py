"""The pull client against a real HTTP server on 127.0.0.1: retries, backoff, Retry-After, timeouts, give-up.

The server is `http.server` in a thread, answering from a per-path script (503, then 200, ...), so
every retry is a real request over a real socket. Only `sleep` and the clock are injected, to record the
backoff schedule without waiting it out and to judge a Retry-After date against a known moment; one test
waits for real. A reply that must time out is held until the test ends (an event, not a delay), so no
outcome depends on how fast the machine answers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

import tests.attribution_samples as samples
from attribution_adapters.pull_client import PullSettings, RetryPolicy, VendorApiError, VendorPullClient

# Not a timing margin: how long a held reply waits at most if a client never times out (the test then
# gets the reply, and fails because it expected a timeout).
HANG_GUARD = 60.0


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict/list -> JSON; bytes as is
    headers: dict[str, str] = field(default_factory=dict)
    held: bool = False  # answer only when the test is over: the client's read timeout must fire first


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]


class VendorServer:
    """Answers each path from its script; the last reply of a script repeats."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.released = threading.Event()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                with server._lock:
                    server.seen.append(Seen(url.path, parse_qs(url.query), dict(self.headers)))
                    script = server.scripts.get(url.path) or [Reply(404, {"error": "no script"})]
                    reply = script.pop(0) if len(script) > 1 else script[0]
                if reply.held:
                    server.released.wait(HANG_GUARD)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up: that is the point of the test

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        # A short poll interval makes shutdown (once per test) take milliseconds, not half a second.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="vendor-server", daemon=True
        )

    def script(self, path: str, *replies: Reply) -> None:
        self.scripts[f"/v1/{path}"] = list(replies)

    def hits(self, path: str) -> int:
        return sum(1 for s in self.seen if s.path == f"/v1/{path}")

    def __enter__(self) -> VendorServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[VendorServer]:
    with VendorServer() as running:
        yield running


class Sleeps:
    """Records each backoff wait instead of sleeping it."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def client(
    server: VendorServer,
    sleeps: Sleeps | None = None,
    *,
    attempts: int = 4,
    read_timeout: float = 2.0,
    format_name: str = "sureel",
    base_url: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> VendorPullClient:
    settings = PullSettings(
        base_url=base_url or server.base_url,
        vendor_id="ven_sureel",
        format_name=format_name,
        token="tok_123",
        connect_timeout=1.0,
        read_timeout=read_timeout,
        page_size=2,
        retry=RetryPolicy(max_attempts=attempts, base_delay=0.05, max_delay=1.0),
    )
    return VendorPullClient(settings, sleep=sleeps or Sleeps(), jitter=lambda: 1.0, clock=clock)


def page(*results: Any, next_cursor: str | None = None, has_more: bool = False) -> dict[str, Any]:
    return {"results": list(results), "next_cursor": next_cursor, "has_more": has_more}


async def test_retries_503_then_succeeds_with_exponential_backoff(server: VendorServer) -> None:
    server.script("results", Reply(503), Reply(502), Reply(500), Reply(200, page(samples.SUREEL_RESULT)))
    sleeps = Sleeps()
    async with client(server, sleeps) as pull:
        result = await pull.fetch_page()
    assert server.hits("results") == 4
    assert sleeps.waits == [0.05, 0.1, 0.2]  # base 0.05 doubling; jitter pinned at its maximum
    assert [r.vendor_report_id for r in result.reports] == ["sa_01HZX4K2"]
    assert result.reports[0].vendor_id == "ven_sureel"


async def test_backoff_is_jittered_and_capped() -> None:
    settings = PullSettings(
        base_url="http://127.0.0.1:9",
        vendor_id="v",
        format_name="sureel",
        retry=RetryPolicy(max_attempts=10, base_delay=0.5, max_delay=4.0),
    )
    pull = VendorPullClient(settings, jitter=lambda: 0.25)
    try:
        assert [pull._delay(n, None) for n in range(1, 6)] == [0.125, 0.25, 0.5, 1.0, 1.0]
        assert pull._delay(1, 3.0) == 3.0  # Retry-After is a floor
    finally:
        await pull.aclose()


async def test_real_backoff_waits(server: VendorServer) -> None:
    server.script("results", Reply(503), Reply(200, page()))
    settings = PullSettings(
        base_url=server.base_url,
        vendor_id="v",
        format_name="sureel",
        retry=RetryPolicy(max_attempts=2, base_delay=0.2, max_delay=0.2),
    )
    started = time.monotonic()
    async with VendorPullClient(settings, jitter=lambda: 1.0) as pull:
        await pull.fetch_page()
    assert time.monotonic() - started >= 0.2


async def test_429_retry_after_is_respected(server: VendorServer) -> None:
    server.script("results", Reply(429, {}, {"Retry-After": "1"}), Reply(200, page()))
    sleeps = Sleeps()
    async with client(server, sleeps) as pull:
        await pull.fetch_page()
    assert sleeps.waits == [1.0]


async def test_retry_after_as_http_date(server: VendorServer) -> None:
    now = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(seconds=30), usegmt=True)
    server.script("results", Reply(503, {}, {"Retry-After": when}), Reply(200, page()))
    async with client(server, clock=lambda: now) as pull:
        with pytest.raises(VendorApiError, match=r"asked us to wait 30s \(longer than the 1s we wait\)"):
            await pull.fetch_page()
    assert server.hits("results") == 1


async def test_retry_after_date_within_the_limit_is_waited(server: VendorServer) -> None:
    now = datetime(2026, 10, 1, 12, 0, 0, tzinfo=UTC)
    when = format_datetime(now + timedelta(seconds=1), usegmt=True)
    server.script("results", Reply(503, {}, {"Retry-After": when}), Reply(200, page()))
    sleeps = Sleeps()
    async with client(server, sleeps, clock=lambda: now) as pull:
        await pull.fetch_page()
    assert sleeps.waits == [1.0] and server.hits("results") == 2


async def test_gives_up_after_max_attempts(server: VendorServer) -> None:
    server.script("results", Reply(500, {"error": "down"}))
    sleeps = Sleeps()
    async with client(server, sleeps, attempts=3) as pull:
        with pytest.raises(VendorApiError, match="failed 3 times; last: HTTP 500") as exc:
            await pull.fetch_page("c7")
    assert server.hits("results") == 3 and len(sleeps.waits) == 2
    assert exc.value.attempts == 3 and exc.value.code == "UNAVAILABLE"
    assert "cursor was not advanced" in exc.value.message


async def test_read_timeout_is_retried(server: VendorServer) -> None:
    # The first reply is held, so the first attempt times out however fast or slow the machine is; a
    # slow machine may also time out on the prompt reply, which then simply answers the next attempt.
    server.script("results", Reply(200, page(), held=True), Reply(200, page(samples.SUREEL_RESULT)))
    sleeps = Sleeps()
    async with client(server, sleeps, read_timeout=0.5) as pull:
        result = await pull.fetch_page()
    assert [r.vendor_report_id for r in result.reports] == ["sa_01HZX4K2"]
    assert server.hits("results") >= 2 and len(sleeps.waits) == server.hits("results") - 1


async def test_persistent_timeouts_give_up(server: VendorServer) -> None:
    # Every reply is held until the test ends: only the read timeout can end each attempt, so without it
    # the client would get the (empty) page after the hang guard and this test would fail.
    server.script("results", Reply(200, page(), held=True))
    sleeps = Sleeps()
    async with client(server, sleeps, attempts=2, read_timeout=0.2) as pull:
        with pytest.raises(VendorApiError, match=r"failed 2 times; last: timed out \(ReadTimeout\)"):
            await pull.fetch_page()
    assert server.hits("results") == 2 and len(sleeps.waits) == 1


async def test_connection_refused_gives_up(server: VendorServer) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    async with client(server, attempts=2, base_url=f"http://127.0.0.1:{closed_port}") as pull:
        with pytest.raises(VendorApiError, match="could not connect"):
            await pull.fetch_page()


async def test_401_is_not_retried(server: VendorServer) -> None:
    server.script("results", Reply(401, {"error": "bad token"}))
    async with client(server) as pull:
        with pytest.raises(VendorApiError, match="refused our credentials") as exc:
            await pull.fetch_page()
    assert server.hits("results") == 1 and exc.value.status == 401


async def test_pages_follow_the_cursor_with_credentials(server: VendorServer) -> None:
    second = samples.sureel(analysis_id="sa_2", completed_at="2025-06-02T09:30:00Z")
    server.script(
        "results",
        Reply(200, page(samples.SUREEL_RESULT, next_cursor="c1", has_more=True)),
        Reply(200, page(second, next_cursor="c2", has_more=False)),
    )
    async with client(server) as pull:
        pages = [p async for p in pull.iter_pages()]
    assert [p.next_cursor for p in pages] == ["c1", "c2"]
    assert [r.vendor_report_id for p in pages for r in p.reports] == ["sa_01HZX4K2", "sa_2"]
    first_request, second_request = server.seen
    assert "since" not in first_request.query and second_request.query["since"] == ["c1"]
    assert second_request.query["limit"] == ["2"]
    assert second_request.headers["Authorization"] == "Bearer tok_123"


async def test_repeated_cursor_stops(server: VendorServer) -> None:
    server.script("results", Reply(200, page(next_cursor="same", has_more=True)))
    async with client(server) as pull:
        with pytest.raises(VendorApiError, match="repeated cursor 'same'"):
            _ = [p async for p in pull.iter_pages()]


async def test_bad_results_are_set_aside_not_blocking(server: VendorServer) -> None:
    bad = samples.sureel(status="failed")
    server.script("results", Reply(200, page(bad, samples.SUREEL_RESULT, "junk")))
    async with client(server) as pull:
        result = await pull.fetch_page()
    assert len(result.reports) == 1
    assert [(r.index, r.message) for r in result.rejected] == [
        (
            0,
            "Invalid Sureel payload (1 problem): status: only completed analyses can be recorded "
            "(got 'failed'); send it when done",
        ),
        (2, "result is not a JSON object"),
    ]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<html>oops</html>", "is not valid JSON"),
        ({"items": []}, "without a results list"),
        ({"results": [], "has_more": True}, "true needs a next_cursor"),
    ],
)
async def test_malformed_pages_fail_clearly(server: VendorServer, body: Any, fragment: str) -> None:
    server.script("results", Reply(200, body))
    async with client(server) as pull:
        with pytest.raises(VendorApiError, match=fragment):
            await pull.fetch_page()


async def test_fetch_one_output(server: VendorServer) -> None:
    server.script("results/out_01", Reply(202, {"status": "processing"}), Reply(200, samples.SUREEL_RESULT))
    server.script("results/a%2Fb", Reply(404, {}))
    async with client(server) as pull:
        assert await pull.fetch_result("out_01") is None
        [report] = await pull.fetch_result("out_01") or []
        assert await pull.fetch_result("a/b") is None
    assert report.output_id == "out_01"


async def test_generic_json_results(server: VendorServer) -> None:
    data = samples.canonical_report()
    del data["vendor_id"]
    server.script("results", Reply(200, page(data)))
    async with client(server, format_name="generic_json") as pull:
        result = await pull.fetch_page()
    assert result.reports[0].vendor_id == "ven_sureel"


def test_csv_cannot_be_pulled() -> None:
    with pytest.raises(ValueError, match="JSON format"):
        VendorPullClient(
            PullSettings(base_url="http://127.0.0.1:9", vendor_id="v", format_name="generic_csv")
        )
