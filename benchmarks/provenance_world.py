"""A provenance world shaped like a real one, for the benchmarks.

The catalogue comes through the project's CWR import of a generated file (`benchmarks.gen_cwr`): one to
four writers a work, most with an original publisher, so a work has several holders (about four) and
holders share works across the catalogue. Of the holders, 92 % opted in for their whole catalogue through
the consent store and the rest never answered, so about two works in three are licensable and the rest
have at least one holder without consent. A licensee holds a grant under a licence version, and a model
is declared under it.
"""

from __future__ import annotations

import asyncio
import json
import random
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from benchmarks.gen_cwr import write_cwr
from graph.database import Database
from graph.stores.catalogue.cwr_import import import_cwr
from graph.stores.licensing import consents, licences
from graph.stores.provenance import writes as provenance
from graph.stores.system.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.heap import freeze_startup_objects, thaw
from opustrace.settings import Settings
from registry.cwr import CwrReader
from registry.licensing import ConsentInput, GrantInput, LicenceInput, LicenceVersionInput, LicenseeInput
from registry.provenance import ModelInput
from registry.rights import Scope

ADMIN_SECRET = "bench-admin-key-0123456789abcdef"  # noqa: S105 - a throwaway key of a throwaway server
T2024 = datetime(2024, 1, 1, tzinfo=UTC)
OPTED_IN = 0.92  # the share of holders with a catalogue opt-in; the others never answered
HOLDERS = "MATCH (c:Creator) WHERE (c)-[:HOLDS_SHARE]->() RETURN c.id AS id ORDER BY id"


@dataclass(frozen=True)
class World:
    model_id: str
    work_ids: list[str]  # in file order
    silent: frozenset[str]  # holders who never consented


async def import_catalogue(db: Database, works: int) -> list[str]:
    """`works` generated works through the project's CWR import; their ids in file order."""
    with tempfile.TemporaryDirectory(prefix="opustrace-bench-") as tmp:
        path = Path(tmp) / "world.V21"
        write_cwr(works, path)
        with path.open(encoding="latin-1", newline="") as lines:
            report = await import_cwr(db, CwrReader(lines))
    assert report.works_loaded == works, report.rejections[:3]
    return report.work_ids


async def give_consents(db: Database, seed: int = 11) -> frozenset[str]:
    """Catalogue opt-ins for most holders; returns the ones left silent."""
    rng = random.Random(seed)
    holders = [row["id"] for row in await db.run_read(HOLDERS, {})]
    silent = frozenset(h for h in holders if rng.random() >= OPTED_IN)

    async def opt_in(creator: str) -> None:
        consent = ConsentInput(
            id=f"bench-k-{creator}", creator_id=creator, scopes=frozenset(Scope), catalogue=True,
            valid_from=T2024, evidence="benchmark",
        )  # fmt: skip
        await consents.give_consent(db, consent, given_by="bench")

    opted = [h for h in holders if h not in silent]
    for start in range(0, len(opted), 16):
        await asyncio.gather(*(opt_in(h) for h in opted[start : start + 16]))
    return silent


async def build(db: Database, works: int) -> World:
    """The world: catalogue, consents, licensee, licence, grant and a model."""
    work_ids = await import_catalogue(db, works)
    silent = await give_consents(db)
    await licences.create_licensee(db, LicenseeInput(id="bench-lic", name="Bench AI"))
    await licences.create_licence(db, LicenceInput(id="bench-cal", name="CAL"))
    version = LicenceVersionInput(
        id="bench-cal-1", licence_id="bench-cal", version="1", scopes=frozenset(Scope), currency="EUR",
        training_fee="12000.00", service_rate="0.15", output_rate="0.10", effective_from=T2024,
    )  # fmt: skip
    await licences.add_licence_version(db, version)
    grant = GrantInput(
        id="bench-g1", licensee_id="bench-lic", licence_version_id="bench-cal-1", model_name="bench",
        model_version="1", valid_from=T2024, valid_to=datetime(2030, 1, 1, tzinfo=UTC),
    )  # fmt: skip
    await licences.create_grant(db, grant)
    model = await provenance.declare_model(db, ModelInput(licensee_id="bench-lic", name="bench", version="1"))
    return World(model.id, work_ids, silent)


def manifest_lines(work_ids: Sequence[str]) -> Iterator[str]:
    for work in work_ids:
        yield json.dumps({"workId": work, "weight": "1"})


def run_header(run_id: str, model_id: str) -> dict[str, str]:
    return {
        "id": run_id,
        "modelId": model_id,
        "grantId": "bench-g1",
        "licenseeId": "bench-lic",
        "startedAt": "2025-03-01T00:00:00Z",
        "finishedAt": "2025-03-10T00:00:00Z",
    }


@asynccontextmanager
async def api(db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The real ASGI app in-process, as the tests use it, with a rate limit that does not interfere."""
    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    app = create_app(Settings(rate_limit_per_minute=1_000_000), db, run_migrations=False)
    transport = httpx.ASGITransport(app=app)
    # As the app's lifespan does once started (httpx runs no lifespan; its start-up would close `db`).
    freeze_startup_objects()
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
            yield http
    finally:
        thaw()
