from __future__ import annotations

import pytest

from graph.database import Database
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration
VIEWER = "{ viewer { role scopeId } }"
KEYS = "{ apiKeys(first: 10) { totalCount edges { node { id role scopeId revokedAt } } } }"


async def licensee(db: Database, licensee_id: str = "lic-1") -> str:
    await db.run_write("MERGE (:Licensee {id: $id, name: 'Test AI'})", {"id": licensee_id})
    return licensee_id


async def test_anonymous_reaches_public_fields_only(gql: GraphQLClient) -> None:
    info = await gql("{ serviceInfo { name apiVersion } }")
    assert info.data == {"serviceInfo": {"name": "opustrace", "apiVersion": "1"}}
    denied = await gql(VIEWER)
    assert denied.codes == ["UNAUTHENTICATED"]
    assert denied.body["data"] is None


@pytest.mark.parametrize(
    "header",
    ["Bearer otk_not-a-real-key", "Basic dXNlcjpwYXNz", "Bearer ", ADMIN_SECRET],
)
async def test_bad_credentials_fail_even_public_fields(gql: GraphQLClient, header: str) -> None:
    response = await gql.http.post(
        "/graphql", json={"query": "{ serviceInfo { name } }"}, headers={"Authorization": header}
    )
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNAUTHENTICATED"]
    assert body["data"] is None


async def test_admin_creates_scoped_key_shown_once(gql: GraphQLClient, db: Database) -> None:
    scope = await licensee(db)
    secret = await gql.key_for("LICENSEE", scope)
    assert secret.startswith("otk_")
    assert (await gql(VIEWER, key=secret)).data == {"viewer": {"role": "LICENSEE", "scopeId": scope}}
    stored = await db.run_read("MATCH (k:ApiKey) RETURN k {.*} AS k")
    assert all(secret not in str(row["k"].values()) for row in stored)


async def test_role_without_permission_is_forbidden_without_data(gql: GraphQLClient, db: Database) -> None:
    secret = await gql.key_for("LICENSEE", await licensee(db))
    result = await gql(KEYS, key=secret)
    assert result.codes == ["FORBIDDEN"]
    assert result.body["data"] is None
    assert "ADMIN" in result.messages[0]


async def test_revoked_key_is_refused(gql: GraphQLClient, db: Database) -> None:
    secret = await gql.key_for("AUDITOR")
    keys = (await gql(KEYS, key=ADMIN_SECRET)).data["apiKeys"]["edges"]
    auditor_id = next(e["node"]["id"] for e in keys if e["node"]["role"] == "AUDITOR")
    revoke = "mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }"
    first = await gql(revoke, {"id": auditor_id}, key=ADMIN_SECRET)
    again = await gql(revoke, {"id": auditor_id}, key=ADMIN_SECRET)
    assert first.data["revokeApiKey"]["revokedAt"] == again.data["revokeApiKey"]["revokedAt"]
    assert (await gql(VIEWER, key=secret)).codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("role", "scope", "code", "fragment"),
    [
        ("LICENSEE", None, "BAD_USER_INPUT", "must name the licensee"),
        ("LICENSEE", "no-such-licensee", "NOT_FOUND", "No licensee has id 'no-such-licensee'"),
        ("AUDITOR", "lic-1", "BAD_USER_INPUT", "leave scopeId empty"),
    ],
)
async def test_key_scope_is_checked(
    gql: GraphQLClient, db: Database, role: str, scope: str | None, code: str, fragment: str
) -> None:
    await licensee(db)
    result = await gql(
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }",
        {"i": {"role": role, "name": "x", "scopeId": scope}},
        key=ADMIN_SECRET,
    )
    assert result.codes == [code]
    assert fragment in result.messages[0]
    assert (await db.run_read("MATCH (k:ApiKey) RETURN count(k) AS n"))[0]["n"] == 1


async def test_unknown_key_id_is_not_found(gql: GraphQLClient) -> None:
    result = await gql('mutation { revokeApiKey(id: "nope") { id } }', key=ADMIN_SECRET)
    assert result.codes == ["NOT_FOUND"]


async def test_pages_are_bounded_and_cursors_checked(gql: GraphQLClient) -> None:
    for _ in range(3):
        await gql.key_for("AUDITOR")
    page = await gql(
        "{ apiKeys(first: 2) { totalCount pageInfo { hasNextPage endCursor } } }", key=ADMIN_SECRET
    )
    connection = page.data["apiKeys"]
    assert connection["totalCount"] == 4 and connection["pageInfo"]["hasNextPage"] is True
    rest = await gql(
        "query($a: String) { apiKeys(first: 2, after: $a) { edges { cursor } pageInfo { hasNextPage } } }",
        {"a": connection["pageInfo"]["endCursor"]},
        key=ADMIN_SECRET,
    )
    assert (
        len(rest.data["apiKeys"]["edges"]) == 2 and rest.data["apiKeys"]["pageInfo"]["hasNextPage"] is False
    )
    too_big = await gql("{ apiKeys(first: 1000) { totalCount } }", key=ADMIN_SECRET)
    assert too_big.codes == ["BAD_USER_INPUT"] and "between 1 and 100" in too_big.messages[0]
    bad_cursor = await gql('{ apiKeys(after: "garbage") { totalCount } }', key=ADMIN_SECRET)
    assert bad_cursor.codes == ["BAD_USER_INPUT"]


async def test_query_limits(gql: GraphQLClient) -> None:
    aliases = " ".join(f"a{i}: serviceInfo {{ name }}" for i in range(31))
    too_many = await gql(f"{{ {aliases} }}")
    assert too_many.codes and set(too_many.codes) == {"BAD_USER_INPUT"}
    assert too_many.body.get("data") is None
    # Fragment spreads must not let aliases slip past the limit (strawberry >= 0.315.7).
    fragment = "fragment F on Query { " + " ".join(f"b{i}: serviceInfo {{ name }}" for i in range(20)) + " }"
    spread = await gql(
        f"{{ ...F ...G }} {fragment} fragment G on Query {{ c0: serviceInfo {{ name }} "
        + " ".join(f"c{i}: serviceInfo {{ name }}" for i in range(1, 15))
        + " }"
    )
    assert set(spread.codes) == {"BAD_USER_INPUT"}
    tokens = await gql("{ " + "serviceInfo { name } " * 2000 + "}")
    assert set(tokens.codes) == {"BAD_USER_INPUT"}


async def test_syntax_errors_are_the_callers(gql: GraphQLClient) -> None:
    result = await gql("{ serviceInfo { ")
    assert result.codes == ["BAD_USER_INPUT"]


TWO_ANONYMOUS_MUTATION = (
    'mutation { createLicensee(input: {id: "lic-two-ops", name: "Two"}) { id } } { serviceInfo { name } }'
)
TWO_ANONYMOUS_QUERY = "{ serviceInfo { name } } { viewer { role } }"


async def test_a_document_with_two_anonymous_operations_is_refused(gql: GraphQLClient, db: Database) -> None:
    """Neither operation runs (the first is not chosen): the caller is told to keep one, or name them."""
    answers = [
        await gql(document, key=ADMIN_SECRET) for document in (TWO_ANONYMOUS_MUTATION, TWO_ANONYMOUS_QUERY)
    ]
    got = await gql.http.get(
        "/graphql", params={"query": TWO_ANONYMOUS_QUERY}, headers={"Authorization": f"Bearer {ADMIN_SECRET}"}
    )
    for status, body in [(a.status, a.body) for a in answers] + [(got.status_code, got.json())]:
        assert body.get("data") is None, body
        messages = {e["message"] for e in body["errors"]}
        assert messages == {"This anonymous operation must be the only defined operation."}, body
        assert {e["extensions"]["code"] for e in body["errors"]} == {"BAD_USER_INPUT"}, (status, body)
    written = await db.run_read("MATCH (l:Licensee {id: 'lic-two-ops'}) RETURN count(l) AS n")
    assert written[0]["n"] == 0, "the first (anonymous) mutation ran"
