"""Malformed and extreme inputs to every mutation: never a 500, never an internal detail, never a partial
write. Inputs are drawn by hypothesis from the schema's own input types."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import httpx
import neo4j
import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    is_non_null_type,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.database import Neo4jSettings
from opustrace.settings import Settings
from resolvers.schema import build_schema
from tests.access_matrix import operations, request_for
from tests.e2e.served import served_app
from tests.support import ADMIN_SECRET

pytestmark = pytest.mark.e2e
MUTATIONS = {
    name: field for name, field in operations(build_schema()._schema).items() if name.startswith("Mutation.")
}
LEAKS = ("Traceback", 'File "', "neo4j.exceptions", "Neo.ClientError", "Neo.DatabaseError", "site-packages")
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "x",
        "' OR 1=1 --",
        "}) DETACH DELETE n //",
        "$param",
        "T-034.524.680-1",
        "\u0000",
        "🎵" * 50,
        "a" * 10_000,
    ]
)
COUNT = "MATCH (n) WHERE NOT n:Migration AND NOT n:MigrationLock RETURN count(n) AS n"
# A quick pass in `make test`; FUZZ_EXAMPLES=500 for a deep run.
EXAMPLES_PER_MUTATION = int(os.environ.get("FUZZ_EXAMPLES", "10"))


def values(type_: Any) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLNonNull):
        return _non_null(type_.of_type)
    return st.one_of(st.none(), _non_null(type_))


def _non_null(type_: Any) -> st.SearchStrategy[Any]:
    if isinstance(type_, GraphQLList):
        return st.lists(values(type_.of_type), max_size=4)
    if isinstance(type_, GraphQLEnumType):
        return st.sampled_from([*type_.values, "NOT_A_VALUE"])
    if isinstance(type_, GraphQLInputObjectType):
        required = {n: values(f.type) for n, f in type_.fields.items() if is_non_null_type(f.type)}
        optional = {n: values(f.type) for n, f in type_.fields.items() if not is_non_null_type(f.type)}
        return st.fixed_dictionaries(required, optional=optional)
    if isinstance(type_, GraphQLScalarType):
        return _scalar(type_.name)
    return st.none()


def _scalar(name: str) -> st.SearchStrategy[Any]:
    text = st.one_of(NASTY_TEXT, st.text(max_size=40))
    return {
        "Int": st.integers(min_value=-(2**40), max_value=2**40),
        "Float": st.floats(allow_nan=False, allow_infinity=False),
        "Boolean": st.booleans(),
        "DateTime": st.one_of(st.datetimes().map(lambda d: d.isoformat()), text),
        "Upload": st.none(),
    }.get(name, st.one_of(text, st.integers(min_value=-(2**70), max_value=2**70).map(str)))


@pytest.fixture(scope="module")
def service(neo4j_settings: Neo4jSettings) -> Iterator[str]:
    config = Settings(admin_api_key=ADMIN_SECRET, rate_limit_per_minute=100_000)
    with served_app(neo4j_settings, config) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def graph(neo4j_settings: Neo4jSettings) -> Iterator[neo4j.Driver]:
    with neo4j.GraphDatabase.driver(
        neo4j_settings.uri, auth=(neo4j_settings.user, neo4j_settings.password)
    ) as driver:
        yield driver


def node_count(driver: neo4j.Driver) -> int:
    records, _, _ = driver.execute_query(COUNT, database_="neo4j")
    count: int = records[0]["n"]
    return count


@pytest.mark.parametrize("operation", sorted(MUTATIONS))
def test_mutation_survives_hostile_input(operation: str, service: str, graph: neo4j.Driver) -> None:
    field = MUTATIONS[operation]
    document, _, _ = request_for(operation, field)
    strategies = {name: values(arg.type) for name, arg in field.args.items() if is_non_null_type(arg.type)}

    @settings(max_examples=EXAMPLES_PER_MUTATION, deadline=None, suppress_health_check=list(HealthCheck))
    @given(variables=st.fixed_dictionaries(strategies))
    def attempt(variables: dict[str, Any]) -> None:
        before = node_count(graph)
        response = httpx.post(
            f"{service}/graphql",
            json={"query": document, "variables": variables},
            headers={"Authorization": f"Bearer {ADMIN_SECRET}"},
            timeout=60,
        )
        assert response.status_code < 500, response.text
        body = response.json()
        text = str(body)
        assert not any(leak in text for leak in LEAKS), text[:2000]
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, text[:2000]
        if body.get("errors") and not body.get("data"):
            assert node_count(graph) == before, f"{operation} failed but wrote: {text[:500]}"

    attempt()
