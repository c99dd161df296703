"""`opustrace demo load`: write the seeded demo world through the GraphQL mutations, in process.

Every record goes through the same resolvers, validation, stores and audit trail as a client's request
(no Cypher of its own), signed by real API keys of each role, which the command prints at the end.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import strawberry

from graph.audit import AuditScope, auditing
from graph.database import Database, Tx
from graph.migrations import migrate
from graph.stores.catalogue import writes as catalogue_writes
from graph.stores.system import api_keys
from opustrace import demo_world
from opustrace.demo_world import Size, World
from registry.access import Principal, Role
from registry.catalogue import CreatorRegistration, WorkRegistration
from registry.errors import DomainError
from resolvers.context import Context, authenticate

CONCURRENCY = 4  # parallel mutations: keeps Neo4j busy without starving the machine
GENERIC_BATCH = 50
CATALOGUE_BATCH = 500

LICENCES: list[tuple[str, str, list[dict[str, Any]]]] = [
    ("cal", "Collective AI Licence", [
        {"id": "cal-v1", "version": "1", "scopes": demo_world.SCOPES, "excludedUses": ["ADVERTISING"],
         "currency": "EUR", "trainingFee": "12000.00", "serviceRate": "0.15", "outputRate": "0.10",
         "effectiveFrom": "2025-01-01T00:00:00+00:00", "confidenceThreshold": "0.5"},
        {"id": "cal-v2", "version": "2", "scopes": demo_world.SCOPES, "excludedUses": ["ADVERTISING"],
         "currency": "EUR", "trainingFee": "15000.00", "serviceRate": "0.16", "outputRate": "0.12",
         "effectiveFrom": "2026-06-01T00:00:00+00:00", "confidenceThreshold": "0.5"},
    ]),
    ("research", "Research and Evaluation Licence", [
        {"id": "research-v1", "version": "1", "scopes": demo_world.SCOPES, "excludedUses": [],
         "currency": "EUR", "trainingFee": "2500.00", "serviceRate": "0.08", "outputRate": "0.06",
         "effectiveFrom": "2025-01-01T00:00:00+00:00", "confidenceThreshold": "0.4"},
    ]),
]  # fmt: skip


class DemoError(Exception):
    """A mutation of the demo world failed: the message names the mutation and the error."""


@dataclass
class Keys:
    """The printed keys, one per role (scoped roles act for a named party)."""

    lines: list[tuple[str, str, str]]  # role, acts for, secret

    def table(self) -> str:
        width = max(len(f"{r} ({s})") for r, s, _ in self.lines)
        return "\n".join(f"  {f'{r} ({s})':<{width}}  {secret}" for r, s, secret in self.lines)


class Loader:
    def __init__(self, db: Database, schema: strawberry.Schema) -> None:
        self.db = db
        self.schema = schema
        self.admin: Principal | None = None
        self.gate = asyncio.Semaphore(CONCURRENCY)

    async def run(self, query: str, variables: dict[str, Any], principal: Principal | None = None) -> Any:
        context = Context(
            request=None, response=None, db=self.db, request_id=f"demo-{uuid.uuid4().hex[:12]}",
            principal=principal or self.admin,
        )  # fmt: skip
        async with self.gate:
            result = await self.schema.execute(query, variable_values=variables, context_value=context)
        if result.errors:
            raise DemoError(f"{query.split('(')[0].strip()}: {result.errors[0].message}")
        return result.data

    async def each(
        self, query: str, inputs: Iterable[dict[str, Any]], principal: Principal | None = None
    ) -> None:
        await asyncio.gather(*(self.run(query, {"i": i}, principal) for i in inputs))

    async def key(self, role: str, scope: str | None, name: str) -> tuple[str, Principal]:
        data = await self.run(
            "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }",
            {"i": {"role": role, "name": name, "scopeId": scope}},
        )
        secret: str = data["createApiKey"]["secret"]
        principal, _ = await authenticate(self.db, f"Bearer {secret}")
        assert principal is not None  # the key was just created
        return secret, principal


async def _is_empty(loader: Loader) -> bool:
    data = await loader.run("{ transparencyReport { creators works licensees } }", {})
    return not any(data["transparencyReport"].values())


async def load(
    db: Database, schema: strawberry.Schema, *, seed: int, size: Size, progress: Callable[[str], None]
) -> Keys:
    """Fill an empty database with the world for `seed`; answers the keys it created."""
    await migrate(db)
    loader = Loader(db, schema)
    if not await _is_empty(loader):
        raise DemoError(
            "the database already holds creators, works or licensees; load the demo into an empty one"
        )
    world = demo_world.build(seed, size)
    # A throwaway bootstrap key signs the first key; the printed ADMIN key is an ordinary one.
    await api_keys.ensure_bootstrap_admin(db, f"demo-bootstrap-{uuid.uuid4().hex}{uuid.uuid4().hex}")
    loader.admin = Principal(key_id=api_keys.BOOTSTRAP_KEY_ID, role=Role.ADMIN, name="bootstrap")
    admin_secret, loader.admin = await loader.key("ADMIN", None, "demo admin")
    await loader.run("mutation($id: ID!) { revokeApiKey(id: $id) { id } }", {"id": api_keys.BOOTSTRAP_KEY_ID})
    steps: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("catalogue", lambda: _catalogue(loader, world)),
        ("consents", lambda: _consents(loader, world)),
        ("licences and licensees", lambda: _licensing(loader, world)),
        ("models and training runs", lambda: _training(loader, world)),
        ("outputs", lambda: _outputs(loader, world)),
    ]
    for label, step in steps:
        started = time.monotonic()
        await step()
        progress(f"{label}: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    keys = await _vendors_and_keys(loader, world)
    progress(f"attribution reports: {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    await _money(loader, world)
    progress(f"usage and statements: {time.monotonic() - started:.1f} s")
    return Keys([("ADMIN", "everything", admin_secret), *keys])


GIVE_CONSENT = "mutation($i: GiveConsentInput!) { giveConsent(input: $i) { id } }"
DECLINE_WORK = "mutation($i: DeclineWorkInput!) { declineWork(input: $i) { id } }"
DECLARE_MODEL = "mutation($i: DeclareModelInput!) { declareModel(input: $i) { id } }"
DECLARE_RUN = "mutation($i: DeclareTrainingRunInput!) { declareTrainingRun(input: $i) { id } }"
DECLARE_OUTPUT = "mutation($i: DeclareOutputInput!) { declareOutput(input: $i) { id } }"
ENGAGE = """mutation($l: ID!, $v: ID!, $d: Boolean!) {
  engageVendor(licenseeId: $l, vendorId: $v, designated: $d) { designated } }"""
REPORT_USAGE = "mutation($i: ReportUsageInput!) { reportUsage(input: $i) { id } }"
SUBMIT = """mutation($f: AttributionFormat!, $p: JSON) {
  submitAttributionReport(format: $f, payload: $p) { __typename } }"""


async def _catalogue(loader: Loader, world: World) -> None:
    """Creators and works through the catalogue store's batch writes (the path CWR imports take)."""
    creators = [CreatorRegistration.model_validate(_snake(c)) for c in world.creators]
    works = [
        WorkRegistration.model_validate(
            _snake({k: v for k, v in w.items() if k != "shares"})
            | {"shares": [_share(s) for s in w["shares"]]}
        )
        for w in world.works
    ]
    scope = AuditScope(actor="cli:demo", role="ADMIN", via="CLI", action="demo-load.catalogue")

    async def write(batch: list[WorkRegistration], people: list[CreatorRegistration]) -> None:
        async def work(tx: Tx) -> None:
            await catalogue_writes.upsert_creators_tx(tx, people)
            await catalogue_writes.write_works_tx(tx, batch)

        await loader.db.write(work)

    with auditing(scope):
        await write([], creators)
        for start in range(0, len(works), CATALOGUE_BATCH):
            await write(works[start : start + CATALOGUE_BATCH], [])


def _snake(record: dict[str, Any]) -> dict[str, Any]:
    return {re.sub(r"(?<!^)([A-Z])", r"_\1", k).lower(): v for k, v in record.items()}


def _share(share: dict[str, Any]) -> dict[str, Any]:
    plain = _snake(share)
    return plain | {"holder": {"id": plain.pop("creator_id")}}


async def _consents(loader: Loader, world: World) -> None:
    await loader.each(GIVE_CONSENT, world.consents)
    await loader.each(DECLINE_WORK, world.declines)
    query = 'mutation($id: ID!) { revokeConsent(id: $id, evidence: "demo: withdrawal letter") { id } }'
    await asyncio.gather(*(loader.run(query, {"id": k}) for k in world.revoked))


async def _licensing(loader: Loader, world: World) -> None:
    for licence_id, name, versions in LICENCES:
        await loader.run(
            "mutation($i: CreateLicenceInput!) { createLicence(input: $i) { id } }",
            {"i": {"id": licence_id, "name": name}},
        )
        for version in versions:
            await loader.run(
                "mutation($i: AddLicenceVersionInput!) { addLicenceVersion(input: $i) { id } }",
                {"i": dict(version, licenceId=licence_id)},
            )
    await loader.each(
        "mutation($i: CreateLicenseeInput!) { createLicensee(input: $i) { id } }",
        [{"id": lid, "name": name} for lid, name, _ in demo_world.LICENSEES],
    )
    await loader.each("mutation($i: CreateGrantInput!) { createGrant(input: $i) { id } }", world.grants)


async def _training(loader: Loader, world: World) -> None:
    for model in world.models:  # bases before their fine-tunes
        await loader.run(DECLARE_MODEL, {"i": model})
    await loader.each(DECLARE_RUN, world.runs)


async def _outputs(loader: Loader, world: World) -> None:
    """One writer per model: outputs of one model in parallel would contend for the model's node."""

    async def of_model(model_id: str) -> None:
        for output in (o for o in world.outputs if o["modelId"] == model_id):
            await loader.run(DECLARE_OUTPUT, {"i": output})

    await asyncio.gather(*(of_model(m["id"]) for m in world.models))


async def _vendors_and_keys(loader: Loader, world: World) -> list[tuple[str, str, str]]:
    keys: list[tuple[str, str, str]] = []
    for vendor_id, name, fmt in demo_world.VENDORS:
        await loader.run(
            "mutation($i: CreateVendorInput!) { createVendor(input: $i) { vendor { id } } }",
            {"i": {"id": vendor_id, "name": name, "format": fmt}},
        )
        for licensee_id, _, _ in demo_world.LICENSEES:
            designated = demo_world._vendor_of(licensee_id) == vendor_id
            if designated or licensee_id == "lic-basilisk":  # Basilisk engages both, designates one
                await loader.run(
                    ENGAGE,
                    {"l": licensee_id, "v": vendor_id, "d": designated},
                )
        secret, principal = await loader.key("VENDOR", vendor_id, f"demo {name}")
        keys.append(("VENDOR", vendor_id, secret))
        payloads = world.reports[vendor_id]
        if fmt == "GENERIC_JSON":
            batches = [
                {"reports": payloads[i : i + GENERIC_BATCH]} for i in range(0, len(payloads), GENERIC_BATCH)
            ]
        else:
            batches = payloads
        for payload in batches:  # in turn: reports on shared works would deadlock on their nodes
            await loader.run(SUBMIT, {"f": fmt, "p": json.dumps(payload)}, principal)
    for licensee_id, name, _ in demo_world.LICENSEES:
        secret, _ = await loader.key("LICENSEE", licensee_id, f"demo {name}")
        keys.append(("LICENSEE", licensee_id, secret))
    creator = _busiest_creator(world)
    secret, _ = await loader.key("CREATOR", creator, f"demo creator {creator}")
    keys.append(("CREATOR", creator, secret))
    secret, _ = await loader.key("AUDITOR", None, "demo auditor")
    keys.append(("AUDITOR", "all provenance", secret))
    return keys


def _busiest_creator(world: World) -> str:
    counts: dict[str, int] = {}
    for work in world.works:
        for share in work["shares"]:
            if share["creatorId"].startswith("cr-"):
                counts[share["creatorId"]] = counts.get(share["creatorId"], 0) + 1
    return max(sorted(counts), key=lambda c: counts[c])


async def _money(loader: Loader, world: World) -> None:
    """Two months of usage; the first month distributed and finalised, then corrected."""
    await loader.each(REPORT_USAGE, world.usage)
    first = demo_world.PERIODS[0]
    for stream in ("SERVICE_USE", "OUTPUT_USE"):
        statement = f"st-{first}-{stream.lower()}"
        await loader.run(
            "mutation($i: RunDistributionInput!) { runDistribution(input: $i) { id } }",
            {"i": {"period": first, "stream": stream, "currency": "EUR", "id": statement}},
        )
        await loader.run("mutation($id: ID!) { finaliseStatement(id: $id) { id } }", {"id": statement})
    await loader.run(REPORT_USAGE, {"i": world.correction})
    await loader.run(
        "mutation($id: ID!, $n: ID) { correctStatement(id: $id, newId: $n) { id } }",
        {"id": f"st-{first}-output_use", "n": f"st-{first}-output_use-c1"},
    )
    await loader.run(
        "mutation($id: ID!) { finaliseStatement(id: $id) { id } }", {"id": f"st-{first}-output_use-c1"}
    )
    await loader.run(
        "mutation($i: RunDistributionInput!) { runDistribution(input: $i) { id } }",
        {"i": {"period": demo_world.PERIODS[1], "stream": "OUTPUT_USE", "currency": "EUR",
               "id": f"st-{demo_world.PERIODS[1]}-output_use"}},
    )  # fmt: skip


__all__ = ["DemoError", "DomainError", "Keys", "load"]
