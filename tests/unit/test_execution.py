"""The executor's short way through plain fields answers exactly what graphql-core's own way answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from resolvers.access import part_of_parent, party_filtered
from resolvers.execution import PlainFieldsExecutionContext


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Leaf:
    name: str
    tags: list[str]
    colour: Colour
    maybe: str | None
    when: datetime


@strawberry.type
class Node:
    id: strawberry.ID
    must: str
    leaves: list[Leaf]
    best: Leaf | None
    # Both read an attribute under a public nested rule: only part-of-parent's check is the root's again.
    parts: list[Leaf] = strawberry.field(extensions=part_of_parent())
    filtered: list[Leaf] = strawberry.field(extensions=party_filtered())

    @strawberry.field
    def doubled(self) -> int:
        return 2 * len(self.leaves)


def _leaf(i: int) -> Leaf:
    return Leaf(
        name=f"leaf {i}",
        tags=[f"t{i}", "x"],
        colour=Colour.RED if i % 2 else Colour.BLUE,
        maybe=None if i % 3 else f"m{i}",
        when=datetime(2025, 1, 1 + i, tzinfo=UTC),
    )


@strawberry.type
class Query:
    @strawberry.field
    def nodes(self, broken: bool = False) -> list[Node]:
        return [
            Node(
                id=strawberry.ID(f"n{n}"),
                must=None if broken and n == 1 else f"must {n}",  # type: ignore[arg-type]
                leaves=[_leaf(n * 10 + i) for i in range(3)],
                best=_leaf(n) if n else None,
                parts=[_leaf(n)],
                filtered=[_leaf(n + 1)],
            )
            for n in range(3)
        ]


QUERY = """
query($broken: Boolean = false, $deep: Boolean = true) {
  nodes(broken: $broken) {
    __typename id must doubled
    first: leaves { name }
    leaves { ...L tags colour when maybe @include(if: $deep) }
    best { name colour }
    parts { name when }
    filtered { name }
  }
}
fragment L on Leaf { name colour }
"""


def _run(context: type[Any], variables: dict[str, Any], extensions: list[Any] | None = None) -> Any:
    schema = strawberry.Schema(query=Query, execution_context_class=context, extensions=extensions or [])
    # What the access rules read of the request's context: no authentication error, no key.
    context_value = SimpleNamespace(auth_error=None, principal=None)
    return schema.execute_sync(QUERY, variable_values=variables, context_value=context_value)


@pytest.mark.parametrize(
    "variables", [{}, {"deep": False}, {"broken": True}], ids=["whole", "skipped", "non-null-broken"]
)
def test_the_short_way_answers_as_graphql_core_does(variables: dict[str, Any]) -> None:
    ours, theirs = (
        _run(PlainFieldsExecutionContext, variables),
        _run(StrawberryGraphQLCoreExecutionContext, variables),
    )
    assert ours.data == theirs.data
    assert [(e.message, e.path) for e in ours.errors or []] == [
        (e.message, e.path) for e in theirs.errors or []
    ]
    if variables.get("broken"):  # the null in a non-null field is reported where it happened
        assert ours.errors and ours.errors[0].path == ["nodes", 1, "must"] and ours.data is None
    else:
        assert ours.errors is None and ours.data["nodes"][2]["leaves"][0]["colour"] == "BLUE"


def _resolve_infos(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    built: list[str] = []
    original: Callable[..., Any] = StrawberryGraphQLCoreExecutionContext.build_resolve_info

    def counting(self: Any, field_def: Any, field_nodes: Any, parent_type: Any, path: Any) -> Any:
        built.append(f"{parent_type.name}.{field_nodes[0].name.value}")
        return original(self, field_def, field_nodes, parent_type, path)

    monkeypatch.setattr(StrawberryGraphQLCoreExecutionContext, "build_resolve_info", counting)
    return built


def test_only_fields_with_resolvers_go_the_ordinary_way(monkeypatch: pytest.MonkeyPatch) -> None:
    built = _resolve_infos(monkeypatch)
    assert _run(PlainFieldsExecutionContext, {}).errors is None
    # The root field, each node's resolver-backed field and its party-filtered one; __typename is
    # graphql-core's own. @include and @skip were applied when the fields were collected, so a field they
    # keep is still plain, and so is a part of its parent.
    assert sorted(set(built)) == ["Node.__typename", "Node.doubled", "Node.filtered", "Query.nodes"]
    assert len(built) == 1 + 3 + 3 + 3


def test_a_schema_extension_that_hooks_every_resolve_turns_the_short_way_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    class EveryField(SchemaExtension):
        def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: str, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, **kwargs)

    result = _run(PlainFieldsExecutionContext, {}, [EveryField])
    assert result.errors is None and result.data == _run(StrawberryGraphQLCoreExecutionContext, {}).data
    # first, leaves, parts and filtered for each node, and two bests
    assert seen.count("name") == 3 * (3 + 3 + 1 + 1) + 2
