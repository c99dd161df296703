"""A provenance world for the benchmarks: a licensee with a grant, N works by a few opted-in creators
(a slice of them never consented), a model, and a manifest over all the works.

Written with the stores the service uses (and one UNWIND for the works, as the catalogue import would).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx

from graph.database import Database
from graph.stores import consents, licences, provenance
from graph.stores.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.settings import Settings
from registry.licensing import ConsentInput, GrantInput, LicenceInput, LicenceVersionInput, LicenseeInput
from registry.provenance import ModelInput
from registry.rights import Scope

ADMIN_SECRET = "bench-admin-key-0123456789abcdef"  # noqa: S105 - a throwaway key of a throwaway server
T2024 = datetime(2024, 1, 1, tzinfo=UTC)
CREATORS = 10
UNCONSENTED_EVERY = 50  # one work in 50 belongs to a creator who never opted in

ADD_WORKS = """
UNWIND $rows AS row
MERGE (w:Work {id: row.id})
SET w.title = row.id, w.title_search = row.id, w.status = 'ACTIVE'
MERGE (c:Creator {id: row.creator})
ON CREATE SET c.name = row.creator, c.kind = 'PERSON'
MERGE (c)-[s:HOLDS_SHARE {role: 'COMPOSER'}]->(w)
SET s.performing_bp = 10000, s.mechanical_bp = 10000, s.synchronisation_bp = 10000
"""


def work_id(i: int) -> str:
    return f"bw{i:07d}"


def creator_of(i: int) -> str:
    return "bench-unconsented" if i % UNCONSENTED_EVERY == 0 else f"bench-c{i % CREATORS}"


async def build(db: Database, works: int) -> str:
    """The world; returns the model id."""
    for start in range(0, works, 10_000):
        rows = [
            {"id": work_id(i), "creator": creator_of(i)} for i in range(start, min(works, start + 10_000))
        ]
        await db.run_write(ADD_WORKS, {"rows": rows})
    for c in range(CREATORS):
        consent = ConsentInput(
            id=f"bench-k{c}", creator_id=f"bench-c{c}", scopes=frozenset(Scope), catalogue=True,
            valid_from=T2024, evidence="benchmark",
        )  # fmt: skip
        await consents.give_consent(db, consent, given_by="bench")
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
    return model.id


def manifest_lines(works: int) -> Iterator[str]:
    for i in range(works):
        yield json.dumps({"workId": work_id(i), "weight": "1"})


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
    async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=600) as http:
        yield http
