"""The executor: graphql-core's, with a short way through plain fields.

A plain field has no resolver of its own (strawberry reads the attribute), no arguments, no directive
but @include and @skip, and no field extension but the part-of-parent access rule, so no access check,
audit scope or dataloader runs for it. (That rule's check only raises the request's authentication error
again, and the root field above it, whose own rule every root field has, raised it first.) graphql-core
still gives each one a resolve info, a path and the whole completion; a 100-influence trace resolves
about 4,000 of them, and that bookkeeping cost more than Neo4j did. Here a plain field's value, and every
plain field beneath it, is completed directly.

Any value the short way cannot complete as graphql-core would (null where the schema says non-null, a
scalar that does not serialise, an abstract type, a resolver-backed field below, an awaitable) sends the
field the ordinary way, from its start: plain fields only read attributes, so reading one again is
harmless, and the ordinary way then reports the error at the right path. Schema extensions that hook
every resolve (middleware) turn the short way off.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from graphql import (
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
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from resolvers.access import PART_OF_PARENT, Access

_COLLECTED: Final = frozenset({"include", "skip"})
_ORDINARY: Final = object()  # the short way gave up: complete this field the ordinary way
Read = Callable[[Any], Any]  # a plain field's value from its parent's


class PlainFieldsExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """strawberry's execution context with plain fields completed directly (see the module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        manager = self.middleware_manager
        self._short_way = manager is None or not manager.middlewares
        # Per field group, whether it is plain: graphql-core collects a list's item fields once, so the
        # same group comes back for every item. The group is kept with the answer so its id stays its own.
        self._plain: dict[tuple[GraphQLObjectType, int], tuple[FieldDetailsList, _Plain | None]] = {}

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
    ) -> _Plain | None:
        key = (parent_type, id(field_details_list))
        known = self._plain.get(key)
        if known is None:
            known = self._plain[key] = (field_details_list, _plain_field(parent_type, field_details_list))
        return known[1]

    def _complete_plain(self, field: _Plain, field_details_list: FieldDetailsList, source: Any) -> Any:
        try:
            value = field.read(source)
        except Exception:  # the ordinary way reads it again and reports the error
            return _ORDINARY
        return self._complete(field.kind, field_details_list, value)

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


class _Plain:
    """A plain field: its type and how to read its value."""

    __slots__ = ("kind", "read")

    def __init__(self, kind: GraphQLOutputType, read: Read) -> None:
        self.kind = kind
        self.read = read


def _plain_field(parent_type: GraphQLObjectType, field_details_list: FieldDetailsList) -> _Plain | None:
    """The field, if it is plain: strawberry's attribute read, no arguments, no directive but the two
    graphql-core has already applied, no extension but the part-of-parent rule."""
    field = parent_type.fields.get(field_details_list[0].node.name.value)
    if field is None or field.args:
        return None
    for details in field_details_list:
        # @include and @skip were applied when the fields were collected; any other directive is not ours.
        if any(directive.name.value not in _COLLECTED for directive in details.node.directives or ()):
            return None
    if not getattr(field.resolve, "_is_default", False):
        return None
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or definition.base_resolver is not None:
        return None
    if not definition.extensions:
        return _Plain(field.type, lambda source: field.resolve(source, None))
    if all(_part_of_parent(extension) for extension in definition.extensions):
        return _Plain(field.type, lambda source: definition.get_result(source, None, [], {}))
    return None


def _part_of_parent(extension: object) -> bool:
    return isinstance(extension, Access) and extension.public and extension.nested == PART_OF_PARENT
