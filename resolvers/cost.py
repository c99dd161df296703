"""A query cost limit: an estimate of the work a query asks for, refused before it runs when too high.

Every selected field costs 1. A connection field multiplies the cost of what is selected under it by the
page size it asks for (`first`, or the default page size), so nested connections grow as the product of
their pages, which is what they cost to answer. Plain list fields are bounded by the data (a work's
shares, a report's influences) and load in batches, so they do not multiply.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.execution.values import get_variable_values
from strawberry.extensions import AddValidationRules, SchemaExtension

from resolvers.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE

_variables: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "cost_variables", default=None
)


class VariableRule(ValidationRule):
    """A validation rule that reads the request's variables, so its verdict on a document is not kept
    from one request to the next (resolvers.schema.ValidatedDocuments)."""


class _CostRule(VariableRule):
    max_cost: int = 0

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        fragments = {
            d.name.value: d
            for d in self.context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        root = self.context.schema.get_root_type(node.operation)
        token = _variables.set(_coerced(self.context.schema, node, _variables.get() or {}))
        try:
            cost = _selection_cost(node.selection_set, root, fragments, set())
        finally:
            _variables.reset(token)
        if cost > self.max_cost:
            self.report_error(
                GraphQLError(
                    f"This query would cost {cost} (the limit is {self.max_cost}): ask for smaller pages "
                    "(`first`) or fewer nested lists, and page through the rest.",
                    node,
                )
            )


def _coerced(schema: GraphQLSchema, node: OperationDefinitionNode, given: dict[str, Any]) -> dict[str, Any]:
    """The variables as the operation will run with them: defaults filled in, values coerced."""
    coerced = get_variable_values(schema, node.variable_definitions or (), given)
    if isinstance(coerced, list):  # invalid variables: execution refuses them; estimate what was sent
        return given
    return dict(coerced.coerced)


def _selection_cost(
    selection_set: SelectionSetNode | None,
    parent: GraphQLNamedType | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(selection, parent, fragments, seen)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, parent, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                inner = seen | {selection.name.value}
                total += _selection_cost(fragment.selection_set, parent, fragments, inner)
    return total


def _field_cost(
    node: FieldNode,
    parent: GraphQLNamedType | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: set[str],
) -> int:
    field_type: GraphQLNamedType | None = None
    if isinstance(parent, GraphQLObjectType) and node.name.value in parent.fields:
        field_type = get_named_type(parent.fields[node.name.value].type)
    children = _selection_cost(node.selection_set, field_type, fragments, seen)
    if field_type is not None and field_type.name.endswith("Connection"):
        return 1 + children * _page_size(node)
    return 1 + children


def _page_size(node: FieldNode) -> int:
    for argument in node.arguments or ():
        if argument.name.value != "first":
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return max(1, min(int(value.value), MAX_PAGE_SIZE))
        if isinstance(value, VariableNode):
            given = (_variables.get() or {}).get(value.name.value)
            return max(1, min(int(given), MAX_PAGE_SIZE)) if isinstance(given, int) else DEFAULT_PAGE_SIZE
    return DEFAULT_PAGE_SIZE


def cost_limit_rule(max_cost: int) -> type[ValidationRule]:
    return type("QueryCostRule", (_CostRule,), {"max_cost": max_cost})


class QueryCostLimiter(AddValidationRules):
    def __init__(self, max_cost: int) -> None:
        super().__init__([cost_limit_rule(max_cost)])


def request_variables() -> dict[str, Any]:
    """The variables the request sent (validation rules cannot otherwise see them)."""
    return _variables.get() or {}


class ExposeVariables(SchemaExtension):
    """Lets the cost rule read variable values, which graphql-core's validation does not see."""

    def on_operation(self) -> Iterator[None]:
        token = _variables.set(dict(self.execution_context.variables or {}))
        try:
            yield
        finally:
            _variables.reset(token)
