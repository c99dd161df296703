"""Pull finished attribution results from a vendor's API, for vendors that do not push webhooks.

Protocol (docs/attribution-formats.md, "Pull protocol"):

    GET {base_url}/results?since=<cursor>&limit=<n>      Authorization: Bearer <token>
    200 {"results": [<vendor payload>, ...], "next_cursor": "c2", "has_more": true}

    GET {base_url}/results/{output_id}
    200 <vendor payload>     202 or 404: not finished / not known yet

Each result is one payload in the vendor's own format and goes through the same adapter as a
webhook body, so both ways in produce identical reports (and identical digests). The caller stores
the page's reports and only then saves `next_cursor`: a crash in between re-fetches the page, which
the digest de-duplication makes harmless.

Transient failures (timeouts, connection errors, 429 and 5xx) are retried with exponential backoff
and full jitter, waiting at least what `Retry-After` asks; anything else fails at once, because
retrying a 401 or a malformed page only delays the person who has to fix it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self
from urllib.parse import quote

import httpx

from attribution_adapters._payload import load_json
from attribution_adapters.formats import Adapter, adapter_for
from registry.attribution import AttributionReport
from registry.errors import InvalidInput, Unavailable

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "opustrace-pull/1"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay: float = 0.5  # seconds before the first retry, doubled each time (before jitter)
    max_delay: float = 30.0  # no single wait is longer; a longer Retry-After means give up

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError("need max_attempts >= 1 and 0 <= base_delay <= max_delay")


@dataclass(frozen=True, slots=True)
class PullSettings:
    base_url: str
    vendor_id: str  # ours: every pulled report is filed under this vendor
    format_name: str  # a key of VENDOR_ADAPTERS (a JSON format)
    token: str | None = None
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    page_size: int = 100
    max_pages: int = 1_000  # one run stops here; the next run resumes from the saved cursor
    retry: RetryPolicy = field(default_factory=RetryPolicy)


@dataclass(frozen=True, slots=True)
class RejectedResult:
    """A result the adapter refused; kept so one bad payload does not block the cursor forever."""

    index: int
    message: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ResultsPage:
    reports: tuple[AttributionReport, ...]
    rejected: tuple[RejectedResult, ...]
    next_cursor: str | None
    has_more: bool


class VendorApiError(Unavailable):
    """The vendor's API could not give us results; the message says what happened and what to do."""

    def __init__(self, message: str, *, url: str, status: int | None = None, attempts: int = 1) -> None:
        super().__init__(message, details={"url": url, "status": status, "attempts": attempts})
        self.url = url
        self.status = status
        self.attempts = attempts


class VendorPullClient:
    """One vendor's results API. Use as `async with VendorPullClient(settings) as client:`."""

    def __init__(
        self,
        settings: PullSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if settings.format_name == "generic_csv":
            raise ValueError("the pull protocol carries JSON results; configure a JSON format")
        self.settings = settings
        self._adapter: Adapter = adapter_for(settings.format_name)
        self._sleep = sleep  # injectable so tests can record the backoff schedule
        self._jitter = jitter
        self._clock = clock  # injectable so a Retry-After date is judged against a known moment
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if settings.token:
            headers["Authorization"] = f"Bearer {settings.token}"
        self._client = httpx.AsyncClient(
            base_url=settings.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(
                connect=settings.connect_timeout,
                read=settings.read_timeout,
                write=settings.read_timeout,
                pool=settings.connect_timeout,
            ),
            transport=transport,
            follow_redirects=False,  # a redirect would send our bearer token somewhere unreviewed
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    # --- the protocol ----------------------------------------------------------------------------

    async def fetch_page(self, cursor: str | None = None) -> ResultsPage:
        params = {"limit": str(self.settings.page_size)}
        if cursor is not None:
            params["since"] = cursor
        response = await self._get("results", params)
        url = str(response.request.url)
        if response.status_code != 200:
            raise self._unexpected(response)
        body = self._json(response)
        if not isinstance(body, Mapping) or not isinstance(body.get("results"), list):
            raise VendorApiError(f"{url} answered without a results list", url=url, status=200)
        next_cursor = body.get("next_cursor")
        has_more = body.get("has_more", False)
        if next_cursor is not None and not isinstance(next_cursor, str):
            raise VendorApiError(f"{url}: next_cursor must be a string or null", url=url, status=200)
        if not isinstance(has_more, bool) or (has_more and not next_cursor):
            raise VendorApiError(f"{url}: has_more must be true/false, and true needs a next_cursor", url=url)
        reports: list[AttributionReport] = []
        rejected: list[RejectedResult] = []
        for index, item in enumerate(body["results"]):
            if not isinstance(item, Mapping):
                rejected.append(RejectedResult(index, "result is not a JSON object", {}))
                continue
            try:
                reports.extend(self._adapter(item, vendor_id=self.settings.vendor_id))
            except InvalidInput as exc:
                rejected.append(RejectedResult(index, exc.message, exc.details))
        return ResultsPage(tuple(reports), tuple(rejected), next_cursor, has_more)

    async def iter_pages(self, cursor: str | None = None) -> AsyncIterator[ResultsPage]:
        """Pages from `cursor` on, until the vendor says there are no more (or max_pages)."""
        seen: set[str | None] = {cursor}
        for _ in range(self.settings.max_pages):
            page = await self.fetch_page(cursor)
            yield page
            if not page.has_more:
                return
            if page.next_cursor in seen:
                # A vendor bug that would otherwise loop forever over the same results.
                raise VendorApiError(
                    f"vendor API repeated cursor {page.next_cursor!r}; stopping",
                    url=self.settings.base_url,
                )
            seen.add(page.next_cursor)
            cursor = page.next_cursor

    async def fetch_result(self, output_id: str) -> list[AttributionReport] | None:
        """The finished result for one output, or None while the vendor has none (202/404)."""
        response = await self._get(f"results/{quote(output_id, safe='')}", None)
        if response.status_code in (202, 404):
            return None
        if response.status_code != 200:
            raise self._unexpected(response)
        body = self._json(response)
        if not isinstance(body, Mapping):
            url = str(response.request.url)
            raise VendorApiError(f"{url} answered with JSON that is not an object", url=url, status=200)
        return self._adapter(body, vendor_id=self.settings.vendor_id)

    # --- transport with retries ------------------------------------------------------------------

    async def _get(self, path: str, params: Mapping[str, str] | None) -> httpx.Response:
        policy = self.settings.retry
        url = f"{self._client.base_url}{path}"
        last = "no attempt made"
        for attempt in range(1, policy.max_attempts + 1):
            retry_after: float | None = None
            try:
                response = await self._client.get(path, params=params)
            except httpx.TimeoutException as exc:
                last = f"timed out ({type(exc).__name__})"
            except httpx.TransportError as exc:
                last = f"could not connect ({type(exc).__name__}: {exc})"
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                last = f"HTTP {response.status_code}"
                retry_after = _retry_after(response.headers.get("Retry-After"), self._clock())
                if retry_after is not None and retry_after > policy.max_delay:
                    raise VendorApiError(
                        f"vendor API {url} asked us to wait {retry_after:.0f}s (longer than the "
                        f"{policy.max_delay:.0f}s we wait); try the pull again later",
                        url=url,
                        status=response.status_code,
                        attempts=attempt,
                    )
            if attempt < policy.max_attempts:
                await self._sleep(self._delay(attempt, retry_after))
        raise VendorApiError(
            f"vendor API {url} failed {policy.max_attempts} times; last: {last}. "
            "The cursor was not advanced; the next run retries from the same place",
            url=url,
            attempts=policy.max_attempts,
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        policy = self.settings.retry
        ceiling = min(policy.max_delay, policy.base_delay * 2.0 ** (attempt - 1))
        # Full jitter spreads many clients' retries apart; Retry-After is a floor, never shortened.
        delay = ceiling * self._jitter()
        return max(delay, retry_after) if retry_after is not None else delay

    def _unexpected(self, response: httpx.Response) -> VendorApiError:
        url = str(response.request.url)
        status = response.status_code
        if status in (401, 403):
            hint = "the vendor refused our credentials; check the API token configured for it"
        else:
            hint = f"unexpected answer: {response.text[:200]!r}"
        return VendorApiError(f"vendor API {url} answered HTTP {status}: {hint}", url=url, status=status)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return load_json(response.content, what=f"answer from {response.request.url}")
        except InvalidInput as exc:
            url = str(response.request.url)
            raise VendorApiError(exc.message, url=url, status=response.status_code) from exc


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date); None if unusable."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
