"""One traced output for the interchange tests (C2PA, PROV): lic-1's model trained under grant g1 on a work
with an ISWC held by a creator with an IPI, an output of it, and vendor_x's counting report on the work."""

from __future__ import annotations

from datetime import UTC, datetime

from graph.database import Database
from graph.stores.attribution import vendors
from graph.stores.attribution.writes import store_report
from graph.stores.provenance import writes as provenance
from registry.provenance import OutputInput
from tests.integration.attribution_graph import ISWC_A, report
from tests.integration.licensing_graph import add_work
from tests.integration.provenance_graph import licensee_with_grant, model, opt_in, run

IPI = "00014107338"
OUTPUT_ID = "lic-1:out_01"


async def attributed_output(db: Database, content_hash: str) -> str:
    await licensee_with_grant(db)
    await add_work(db, "w-first", {"ada": 10000}, title="First Song", iswc=ISWC_A)
    await db.run_write("MATCH (c:Creator {id: 'ada'}) SET c.ipi = $ipi", {"ipi": IPI})
    await opt_in(db, "k-ada", "ada")
    trained = await model(db)
    await run(db, "run-1", trained.id, ["w-first"])
    declared = OutputInput(
        id=OUTPUT_ID,
        licensee_id="lic-1",
        model_id=trained.id,
        content_hash=content_hash,
        generated_at=datetime(2025, 5, 1, tzinfo=UTC),
        title="Generated tone",
    )
    await provenance.declare_output(db, declared)
    await vendors.create_vendor(db, "vendor_x", "Vendor X", "generic_json")
    await vendors.engage(db, "lic-1", "vendor_x", designated=True)
    influence = {"reference": {"iswc": ISWC_A}, "right_type": "COMPOSITION", "score": "0.5"}
    await store_report(db, report(output_id=OUTPUT_ID, influences=[influence]), "GRAPHQL")
    return OUTPUT_ID
