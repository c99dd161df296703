"""Every operation against every role, as docs/access.md states it, on the real service."""

from __future__ import annotations

import pytest

from graph.database import Database
from resolvers.schema import build_schema
from tests.access_matrix import (
    OTHER_ID,
    PLACEHOLDER_ID,
    ROLES,
    SCOPED,
    call,
    operations,
    outcome,
    read_rules,
    refused_or_empty,
)
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
PARTIES = {"LICENSEE": "Licensee", "VENDOR": "Vendor", "CREATOR": "Creator"}
WORLD = """
UNWIND $ids AS id
MERGE (l:Licensee {id: id}) SET l.name = 'Licensee ' + id, l.created_at = datetime()
MERGE (v:Vendor {id: id}) SET v.name = 'Vendor ' + id, v.created_at = datetime()
MERGE (c:Creator {id: id}) SET c.name = 'Creator ' + id, c.kind = 'PERSON', c.created_at = datetime(),
                               c.updated_at = datetime()
"""


def test_every_operation_has_exactly_one_rule() -> None:
    in_schema = set(operations(build_schema()._schema))
    in_doc = set(read_rules())
    assert sorted(in_schema - in_doc) == [], "operations without a row in docs/access.md"
    assert sorted(in_doc - in_schema) == [], "rows in docs/access.md for operations that do not exist"


async def keys_for(gql: GraphQLClient, scope: str) -> dict[str, str | None]:
    keys: dict[str, str | None] = {"anonymous": None, "ADMIN": ADMIN_SECRET}
    keys["AUDITOR"] = await gql.key_for("AUDITOR")
    for role in SCOPED:
        keys[role] = await gql.key_for(role, scope)
    return keys


async def test_each_cell_of_the_matrix(gql: GraphQLClient, db: Database) -> None:
    await db.run_write(WORLD, {"ids": [PLACEHOLDER_ID, OTHER_ID]})
    own = await keys_for(gql, PLACEHOLDER_ID)
    other = await keys_for(gql, OTHER_ID)
    rules = read_rules()
    mismatches: list[str] = []
    checked = 0
    for operation, field in sorted(operations(build_schema()._schema).items()):
        rule = rules[operation]
        field_name = operation.split(".")[1]
        for role in ROLES:
            expected = "denied" if rule.cells[role] == "no" else "allowed"
            result = await call(gql, operation, field, own[role])
            actual = outcome(result, field_name)
            checked += 1
            if actual != expected:
                detail = "; ".join(result.messages)[:200]
                mismatches.append(f"{operation} as {role}: expected {expected}, got {actual} ({detail})")
            if rule.cells[role] == "own" and rule.wrong_scope == "denied":
                result = await call(gql, operation, field, other[role])
                checked += 1
                if not refused_or_empty(result, field_name):
                    mismatches.append(f"{operation} as {role} of another party: not refused ({result.body})")
    assert not mismatches, "\n".join(mismatches)
    assert checked >= len(rules) * len(ROLES)
