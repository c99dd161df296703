"""The executor: graphql-core's, with a short way through plain fields.

A plain field has no resolver of its own (strawberry reads the attribute), no arguments, no directive
but @include and @skip, and no field extension, so no access rule, audit scope or dataloader runs for
it. graphql-core still gives each one a resolve info, a path and the whole completion; a 100-influence
trace resolves about 4,000 of them, and that bookkeeping cost more than Neo4j did. Here a plain field's
value, and every plain field beneath it, is completed directly.

Any value the short way cannot complete as graphql-core would (null where the schema says non-null, a
scalar that does not serialise, an abstract type, a resolver-backed field below, an awaitable) sends the
field the ordinary way, from its start: plain fields only read attributes, so reading one again is
harmless, and the ordinary way then reports the error at the right path. Schema extensions that hook
every resolve (middleware) turn the short way off.
"""

from __future__ import annotations

from typing import Any, Final

from graphql import (
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    Undefined,
    is_leaf_type,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, is_iterable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_COLLECTED: Final = frozenset({"include", "skip"})
_ORDINARY: Final = object()  # the short way gave up: complete this field the ordinary way


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with plain fields completed directly (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._short_way = manager is None or not manager.middlewares
        # Per field group, whether it is plain: graphql-core collects a list's item fields once, so the
        # same group comes back for every item. The group is kept with the answer so its id stays its own.
        self._plain: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, GraphQLField | None]] = {}

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: FieldDetailsList,
        path: Path,
        position_context: Any,
    ) -> Any:
        if self._short_way:
            field = self._plain_of(parent_type, field_details_list)
            if field is not None:
                completed = self._complete_plain(field, field_details_list, source)
                if completed is not _ORDINARY:
                    return completed
        return super().execute_field(parent_type, source, field_details_list, path, position_context)

    def _plain_of(
        self, parent_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> GraphQLField | None:
        key = (parent_type, id(field_details_list))
        known = self._plain.get(key)
        if known is None:
            known = self._plain[key] = (field_details_list, _plain_field(parent_type, field_details_list))
        return known[1]

    def _complete_plain(self, field: GraphQLField, field_details_list: FieldDetailsList, source: Any) -> Any:
        try:
            value = field.resolve(source, None)  # type: ignore[misc]  # strawberry's attribute read
        except Exception:  # the ordinary way reads it again and reports the error
            return _ORDINARY
        return self._complete(field.type, field_details_list, value)

    def _complete(self, kind: GraphQLOutputType, field_details_list: FieldDetailsList, value: Any) -> Any:
        if isinstance(kind, GraphQLNonNull):
            completed = self._complete(kind.of_type, field_details_list, value)
            return _ORDINARY if completed is None else completed
        if value is None or value is Undefined:
            return None
        if isinstance(value, Exception) or self.is_awaitable(value):  # graphql-core raises the one
            return _ORDINARY
        if isinstance(kind, GraphQLList):
            return self._complete_list(kind.of_type, field_details_list, value)
        if is_leaf_type(kind):
            try:
                coerced = kind.coerce_output_value(value)
            except Exception:  # reported by the ordinary way
                return _ORDINARY
            return _ORDINARY if coerced is None or coerced is Undefined else coerced
        if isinstance(kind, GraphQLObjectType) and kind.is_type_of is None:
            return self._complete_object(kind, field_details_list, value)
        return _ORDINARY

    def _complete_list(
        self, item: GraphQLOutputType, field_details_list: FieldDetailsList, value: Any
    ) -> Any:
        if not is_iterable(value):  # graphql-core's own test: not a string, bytes or a mapping
            return _ORDINARY
        completed = []
        for element in value:
            one = self._complete(item, field_details_list, element)
            if one is _ORDINARY:
                return _ORDINARY
            completed.append(one)
        return completed

    def _complete_object(
        self, kind: GraphQLObjectType, field_details_list: FieldDetailsList, value: Any
    ) -> Any:
        grouped, deferred, _forbidden = self.collect_subfields(kind, field_details_list)
        if deferred:
            return _ORDINARY
        completed = {}
        for response_name, sub_details in grouped.items():
            field = self._plain_of(kind, sub_details)
            if field is None:
                return _ORDINARY
            one = self._complete_plain(field, sub_details, value)
            if one is _ORDINARY:
                return _ORDINARY
            completed[response_name] = one
        return completed


def _plain_field(parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> GraphQLField | None:
    """The field, if it is plain: strawberry's attribute read, no arguments, no directive but the two
    graphql-core has already applied."""
    field = parent_type.fields.get(field_details_list[0].node.name.value)
    if field is None or field.args:
        return None
    for details in field_details_list:
        # @include and @skip were applied when the fields were collected; any other directive is not ours.
        if any(directive.name.value not in _COLLECTED for directive in details.node.directives or ()):
            return None
    return field if getattr(field.resolve, "_is_default", False) else None
