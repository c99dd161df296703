"""Test data for licensing, written with Cypher as docs/graph-model.md describes the catalogue."""

from __future__ import annotations

from typing import Any

from graph.database import Database, Tx
from graph.stores.licensing.licensable import refresh_works
from tests.support import ADMIN_SECRET, GraphQLClient

ADD_WORK = """
MERGE (w:Work {id: $id})
SET w.title = $title, w.title_search = toLower($title), w.iswc = $iswc, w.status = $status
WITH w
UNWIND $holders AS h
MERGE (c:Creator {id: h.id})
ON CREATE SET c.name = h.id, c.name_search = toLower(h.id), c.kind = 'PERSON'
MERGE (c)-[s:HOLDS_SHARE {role: 'COMPOSER'}]->(w)
SET s.performing_bp = h.bp, s.mechanical_bp = h.bp, s.synchronisation_bp = h.bp
"""
ADD_CREATOR = "MERGE (c:Creator {id: $id}) ON CREATE SET c.name = $id, c.kind = 'PERSON'"

FIRST_LICENCE = {
    "id": "cal",
    "licenceId": "collective",
    "version": "1",
    "scopes": ["TRAINING", "SERVICE_USE", "OUTPUT_USE"],
    "excludedUses": ["ADVERTISING", "TV", "FILM"],
    "currency": "EUR",
    "trainingFee": "12000.00",
    "serviceRate": "0.15",
    "outputRate": "0.10",
    "effectiveFrom": "2024-01-01T00:00:00Z",
}


async def add_work(
    db: Database,
    work_id: str,
    holders: dict[str, int],
    *,
    title: str | None = None,
    iswc: str | None = None,
    status: str = "ACTIVE",
) -> str:
    """A work and its share holders; `holders` maps creator id to basis points in every right."""
    params: dict[str, Any] = {
        "id": work_id,
        "title": title or f"Song {work_id}",
        "iswc": iswc,
        "status": status,
    }
    params["holders"] = [{"id": h, "bp": bp} for h, bp in holders.items()]

    async def write(tx: Tx) -> None:
        await tx.run(ADD_WORK, params)
        # As the project's own writes do, in the same transaction (graph/stores/licensing/licensable.py).
        await refresh_works(tx, [work_id])

    await db.write(write)
    return work_id


async def add_creator(db: Database, creator_id: str) -> str:
    await db.run_write(ADD_CREATOR, {"id": creator_id})
    return creator_id


async def admin(gql: GraphQLClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    return (await gql(query, variables, key=ADMIN_SECRET)).data


GIVE = "mutation($i: GiveConsentInput!) { giveConsent(input: $i) { id validFrom revokedAt } }"
GRANT = "mutation($i: CreateGrantInput!) { createGrant(input: $i) { id status } }"


async def setup_licence(gql: GraphQLClient, licensee_id: str = "lic-1") -> None:
    await admin(
        gql,
        "mutation($i: CreateLicenseeInput!) { createLicensee(input: $i) { id } }",
        {"i": {"id": licensee_id, "name": "AI"}},
    )
    await admin(
        gql,
        "mutation($i: CreateLicenceInput!) { createLicence(input: $i) { id } }",
        {"i": {"id": "collective", "name": "CAL"}},
    )
    await admin(
        gql,
        "mutation($i: AddLicenceVersionInput!) { addLicenceVersion(input: $i) { id } }",
        {"i": FIRST_LICENCE},
    )


async def grant(
    gql: GraphQLClient,
    grant_id: str,
    licensee_id: str = "lic-1",
    valid_from: str = "2024-01-01T00:00:00Z",
    valid_to: str = "2030-01-01T00:00:00Z",
) -> None:
    variables = {
        "i": {
            "id": grant_id,
            "licenseeId": licensee_id,
            "licenceVersionId": "cal",
            "modelName": "m",
            "modelVersion": "1",
            "validFrom": valid_from,
            "validTo": valid_to,
        }
    }
    await admin(gql, GRANT, variables)


async def consent_for(
    gql: GraphQLClient,
    consent_id: str,
    creator_id: str,
    *,
    work_id: str | None = None,
    since: str = "2024-01-01T00:00:00Z",
) -> dict[str, Any]:
    """An admin-recorded opt-in for every scope, dated `since` (admins may date consents on evidence)."""
    target: dict[str, Any] = {"workId": work_id} if work_id else {"catalogue": True}
    variables = {
        "i": {
            "id": consent_id,
            "creatorId": creator_id,
            "scopes": ["TRAINING", "SERVICE_USE", "OUTPUT_USE"],
            "validFrom": since,
            "evidence": "signed form",
            **target,
        }
    }
    consent: dict[str, Any] = (await admin(gql, GIVE, variables))["giveConsent"]
    return consent
