"""Every `ID` a request sends is checked against the one id alphabet (registry/record_ids.py) before any
resolver runs: literals in the document and variables (defaults included), inside lists and input objects.

A validation rule rather than a scalar: graphql-core does not let a schema redefine `ID`.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLError,
    GraphQLID,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    StringValueNode,
    VariableDefinitionNode,
    get_named_type,
    type_from_ast,
)
from strawberry.extensions import AddValidationRules

from registry.record_ids import id_problem
from resolvers.cost import VariableRule, request_variables


class _IdAlphabetRule(VariableRule):
    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if get_named_type(self.context.get_input_type()) is GraphQLID:
            self._check(node.value, node)

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        # A default value is a literal in the document: enter_string_value checks it.
        given = request_variables()
        name = node.variable.name.value
        if name in given:
            for value in _ids(type_from_ast(self.context.schema, node.type), given[name]):
                self._check(value, node)

    def _check(self, value: str, node: Any) -> None:
        problem = id_problem(value)
        if problem is not None:
            self.report_error(GraphQLError(f"Id {value[:40]!r}: {problem}.", node))


def _ids(type_: Any, value: Any) -> list[str]:
    """The ID strings inside `value`, as a variable of `type_` holds them."""
    if value is None or type_ is None:
        return []
    if isinstance(type_, GraphQLNonNull):
        return _ids(type_.of_type, value)
    if isinstance(type_, GraphQLList):
        items = value if isinstance(value, list) else [value]
        return [found for item in items for found in _ids(type_.of_type, item)]
    if isinstance(type_, GraphQLInputObjectType) and isinstance(value, dict):
        return [found for name, field in type_.fields.items() for found in _ids(field.type, value.get(name))]
    if type_ is GraphQLID and isinstance(value, str):
        return [value]
    return []


class RecordIdAlphabet(AddValidationRules):
    def __init__(self) -> None:
        super().__init__([_IdAlphabetRule])
