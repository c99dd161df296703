"""`opustrace pull-attribution`: fetch a vendor's finished results and store them, page by page.

The cursor is saved per vendor (on its Vendor node) only after every report of a page was stored, so a
crash re-fetches at most one page, which the digest de-duplication makes harmless. A result that cannot
be used (the adapter refuses it, its output is unknown, the vendor is not engaged, it conflicts) is
reported and does not hold the cursor back: one bad result must not stop every later one. Re-run with
`--since` to fetch such results again once the cause is fixed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from attribution_adapters.pull_client import PullSettings, RetryPolicy, VendorPullClient
from graph.audit import AuditScope, auditing
from graph.database import Database
from graph.stores.attribution import vendors
from graph.stores.attribution.writes import store_report
from registry.attribution import AttributionReport
from registry.errors import DomainError, NotFound


@dataclass
class PullSummary:
    pages: int = 0
    stored: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    cursor: str | None = None

    def lines(self) -> list[str]:
        head = (
            f"{self.pages} page(s): {self.stored} report(s) stored, {self.duplicates} already stored, "
            f"{len(self.problems)} refused; cursor now {self.cursor!r}"
        )
        return [head, *(f"  refused: {p}" for p in self.problems)]


async def pull(
    db: Database,
    vendor_id: str,
    base_url: str,
    *,
    since: str | None = None,
    token: str | None = None,
    retry: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> PullSummary:
    """Pull from `since` (default: the vendor's saved cursor) to the end; raises VendorApiError when the
    vendor's API fails for good (the cursor then stays at the last stored page)."""
    vendor = (await vendors.vendors_by_id(db, [vendor_id])).get(vendor_id)
    if vendor is None:
        raise NotFound(f"No vendor has id {vendor_id!r}; create it first (createVendor).")
    summary = PullSummary(cursor=since if since is not None else vendor.pull_cursor)
    settings = PullSettings(
        base_url=base_url,
        vendor_id=vendor_id,
        format_name=vendor.format,
        token=token,
        retry=retry or RetryPolicy(),
    )
    scope = AuditScope(actor=f"pull:{vendor_id}", role="VENDOR", via="PULL", action="Pull.attribution")
    with auditing(scope):
        async with VendorPullClient(settings, sleep=sleep) as client:
            async for page in client.iter_pages(summary.cursor):
                summary.pages += 1
                summary.problems += [
                    f"result {r.index} of page {summary.pages}: {r.message}" for r in page.rejected
                ]
                for report in page.reports:
                    await _store_one(db, report, summary)
                if page.next_cursor is not None:
                    await vendors.save_pull_cursor(db, vendor_id, page.next_cursor)
                    summary.cursor = page.next_cursor
    return summary


async def _store_one(db: Database, report: AttributionReport, summary: PullSummary) -> None:
    try:
        stored = await store_report(db, report, "PULL")
    except DomainError as exc:
        summary.problems.append(f"report {report.vendor_report_id!r}: {exc.message}")
        return
    if stored.duplicate:
        summary.duplicates += 1
    else:
        summary.stored += 1
