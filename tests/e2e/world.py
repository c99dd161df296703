"""A small provenance world built through the API as an admin would: a licensee, two engaged vendors,
works with ISWCs, a model and its outputs. Shared by the concurrency and fault tests."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import httpx

from registry.identifiers import iswc_check_digit
from tests.support import ADMIN_SECRET

LICENSEE = "lic-conc"
VENDORS = ("vendor-a", "vendor-b")


@dataclass
class World:
    base_url: str
    works: list[str] = field(default_factory=list)  # canonical ISWCs
    outputs: list[str] = field(default_factory=list)
    model_id: str = ""
    keys: dict[str, str] = field(default_factory=dict)


def gql(base_url: str, query: str, variables: dict[str, Any] | None = None, key: str = ADMIN_SECRET) -> Any:
    response = httpx.post(
        f"{base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    body = response.json()
    assert not body.get("errors"), body["errors"]
    return body["data"]


def iswc(n: int) -> str:
    digits = f"{n:09d}"
    return f"T{digits}{iswc_check_digit(digits)}"


def build_world(base_url: str, works: int = 5, outputs: int = 6) -> World:
    world = World(base_url)
    gql(
        base_url,
        "mutation($i: CreateLicenseeInput!) { createLicensee(input: $i) { id } }",
        {"i": {"id": LICENSEE, "name": "Concurrent AI"}},
    )
    for vendor in VENDORS:
        gql(
            base_url,
            "mutation($i: CreateVendorInput!) { createVendor(input: $i) { vendor { id } } }",
            {"i": {"id": vendor, "name": vendor, "format": "GENERIC_JSON"}},
        )
        gql(
            base_url,
            "mutation($l: ID!, $v: ID!) { engageVendor(licenseeId: $l, vendorId: $v) { designated } }",
            {"l": LICENSEE, "v": vendor},
        )
        world.keys[vendor] = key_for(base_url, "VENDOR", vendor)
    world.keys[LICENSEE] = key_for(base_url, "LICENSEE", LICENSEE)
    for n in range(works):
        code = iswc(100_000 + n)
        gql(
            base_url,
            "mutation($i: WorkInput!) { upsertWork(input: $i) { id } }",
            {"i": {"iswc": code, "title": f"Work {n}"}},
        )
        world.works.append(code)
    model = gql(
        base_url,
        "mutation($i: DeclareModelInput!) { declareModel(input: $i) { id } }",
        {"i": {"licenseeId": LICENSEE, "name": "conc", "version": "1"}},
    )
    world.model_id = model["declareModel"]["id"]
    for n in range(outputs):
        digest = hashlib.sha256(f"audio {n}".encode()).hexdigest()
        out = gql(
            base_url,
            "mutation($i: DeclareOutputInput!) { declareOutput(input: $i) { id } }",
            {
                "i": {
                    "licenseeId": LICENSEE,
                    "modelId": world.model_id,
                    "contentHash": digest,
                    "generatedAt": "2026-10-05T12:00:00+00:00",
                }
            },
        )
        world.outputs.append(out["declareOutput"]["id"])
    return world


def key_for(base_url: str, role: str, scope: str) -> str:
    data = gql(
        base_url,
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }",
        {"i": {"role": role, "name": f"{role} {scope}", "scopeId": scope}},
    )
    secret: str = data["createApiKey"]["secret"]
    return secret
