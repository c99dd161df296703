"""One way in for every channel's payload: the vendor's adapter, then the store, report by report."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from attribution_adapters.formats import adapter_for
from graph.database import Database
from graph.stores.attribution import StoredReport, Via, store_report


async def ingest(
    db: Database, format_name: str, payload: bytes | Mapping[str, Any], *, vendor_id: str, via: Via
) -> list[StoredReport]:
    """Parse `payload` as `format_name` for `vendor_id` (from the authenticated channel) and store it.

    Everything is parsed before anything is stored, so a bad report in a batch stores none of it. Each
    report is then its own transaction: a failure part-way leaves the earlier ones stored, and resending
    the batch is harmless because stored reports are de-duplicated by digest.
    """
    reports = adapter_for(format_name)(payload, vendor_id=vendor_id)
    return [await store_report(db, report, via) for report in reports]
