"""Bounds the work of validating a document, before validation runs.

graphql-core's validation compares every pair of fields that share a response name in one selection set
(to check they can merge), so the same field repeated n times costs n² comparisons: 1,240 copies of one
field, well under the token cap, held the event loop for seconds. This extension refuses, before any rule
runs, a document that repeats a response name (or a fragment spread) in one selection set more than
`max_repeats` times, or selects more than `max_fields` fields in all, so validation stays linear in a
document the token cap already bounds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from graphql import (
    DocumentNode,
    ExecutableDefinitionNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension


class SelectionLimits(SchemaExtension):
    def __init__(self, *, max_repeats: int, max_fields: int) -> None:
        self.max_repeats = max_repeats
        self.max_fields = max_fields

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and context.pre_execution_errors is None:
            problem = self.problem(document)
            if problem is not None:
                # Set before validation: strawberry then skips the rules and answers with this error.
                context.pre_execution_errors = [GraphQLError(problem, extensions={"code": "BAD_USER_INPUT"})]
        yield

    def problem(self, document: DocumentNode) -> str | None:
        fields = 0
        for selection_set in _selection_sets(document):
            names = Counter(_keys(selection_set))
            fields += sum(1 for s in selection_set.selections if isinstance(s, FieldNode))
            repeated = [(name, n) for name, n in names.items() if n > self.max_repeats]
            if repeated:
                name, count = repeated[0]
                return (
                    f"{name!r} is selected {count} times in one selection set (at most {self.max_repeats}): "
                    "select each field once, with aliases for different arguments."
                )
        if fields > self.max_fields:
            return (
                f"The query selects {fields} fields (at most {self.max_fields}); split it into smaller ones."
            )
        return None


def _keys(selection_set: SelectionSetNode) -> Iterator[str]:
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield (selection.alias or selection.name).value
        elif isinstance(selection, FragmentSpreadNode):
            yield f"...{selection.name.value}"


def _selection_sets(document: DocumentNode) -> Iterator[SelectionSetNode]:
    stack = [d.selection_set for d in document.definitions if isinstance(d, ExecutableDefinitionNode)]
    while stack:
        selection_set = stack.pop()
        yield selection_set
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set is not None:
                stack.append(selection.selection_set)
