"""The schema: one Query and one Mutation merged from the domain packages, with the request limits."""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import strawberry
from graphql import GraphQLError, validate
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import validate_document
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from resolvers.access import unguarded_root_fields
from resolvers.attribution.mutations import AttributionMutation
from resolvers.attribution.queries import AttributionQuery
from resolvers.audit.queries import AuditQuery
from resolvers.audit.scope import audit_mutations
from resolvers.catalogue.mutations import CatalogueMutation
from resolvers.catalogue.queries import CatalogueQuery
from resolvers.cost import ExposeVariables, QueryCostLimiter, VariableRule
from resolvers.credentials.mutations import CredentialsMutation
from resolvers.errors import PublicErrors
from resolvers.execution import PlainFieldsExecutionContext
from resolvers.licensing.mutations import LicensingMutation
from resolvers.licensing.queries import LicensingQuery
from resolvers.prov.queries import ProvQuery
from resolvers.provenance.mutations import ProvenanceMutation
from resolvers.provenance.queries import ProvenanceQuery
from resolvers.record_ids import RecordIdAlphabet
from resolvers.royalties.mutations import RoyaltiesMutation
from resolvers.royalties.queries import RoyaltiesQuery
from resolvers.royalties.types import SCALAR_MAP
from resolvers.selection_limits import SelectionLimits
from resolvers.system.mutations import SystemMutation
from resolvers.system.queries import SystemQuery
from resolvers.transparency.queries import TransparencyQuery

QUERIES: tuple[type, ...] = (
    SystemQuery,
    LicensingQuery,
    AuditQuery,
    AttributionQuery,
    RoyaltiesQuery,
    CatalogueQuery,
    ProvenanceQuery,
    TransparencyQuery,
    ProvQuery,
)
MUTATIONS: tuple[type, ...] = (
    SystemMutation,
    LicensingMutation,
    AttributionMutation,
    RoyaltiesMutation,
    CatalogueMutation,
    ProvenanceMutation,
    CredentialsMutation,
)


# Documents kept parsed (an LRU shared by every request): clients send the same few queries again and
# again, so each is parsed once. Its key includes the token cap, and a refused document is never kept.
PARSED_DOCUMENTS = 256


class ParsedDocuments(ParserCache):
    """strawberry's ParserCache, except that a document that does not parse (syntax, token cap) is left
    to strawberry's own parse, which reports it as every parse error is reported (BAD_USER_INPUT):
    raised from the extension, it would skip the error rewriting of PublicErrors."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        with contextlib.suppress(GraphQLError):
            context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class CleanDocuments:
    """Query texts the document-only validation rules found nothing wrong with (an LRU)."""

    def __init__(self, maxsize: int) -> None:
        self._texts: OrderedDict[str, None] = OrderedDict()
        self._maxsize = maxsize

    def __contains__(self, text: str) -> bool:
        if text not in self._texts:
            return False
        self._texts.move_to_end(text)
        return True

    def add(self, text: str) -> None:
        self._texts[text] = None
        if len(self._texts) > self._maxsize:
            self._texts.popitem(last=False)


class ValidatedDocuments(SchemaExtension):
    """Validation in two parts. Most rules (the specification's, depth, aliases) read only the document,
    so a query text they passed once is not checked by them again; the rules that read the request's
    variables (`VariableRule`: cost, id alphabet) run on every request. A document the first part has
    not yet passed is validated whole, with every rule at once, so an invalid one reports exactly what
    it always did. Validating a 100-influence trace whole took longer than resolving it."""

    def __init__(self, *, clean: CleanDocuments) -> None:
        self.clean = clean

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document, text = context.graphql_document, context.query
        if context.pre_execution_errors is None and document is not None and text is not None:
            rules = tuple(context.validation_rules)
            if text in self.clean:
                per_request = tuple(rule for rule in rules if issubclass(rule, VariableRule))
                context.pre_execution_errors = validate(context.schema._schema, document, per_request)
            else:
                context.pre_execution_errors = validate_document(context.schema._schema, document, rules)
                if not context.pre_execution_errors:
                    self.clean.add(text)
        yield


@dataclass(frozen=True, slots=True)
class Limits:
    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_cost: int = 10000
    max_repeats: int = 5
    max_fields: int = 2000


class RegistrySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # PublicErrors has already logged what was unexpected; the rest is the caller's business.
        return None


QUERY_DESCRIPTION = (
    "Every read of the registry. Each field names the roles that may call it; a scoped key (LICENSEE, "
    "VENDOR, CREATOR) sees only its own party's records, and one it may not see reads as missing "
    "(docs/access.md)."
)
MUTATION_DESCRIPTION = (
    "Every write of the registry. Each write is audited (a hash-chained AuditEvent in the same "
    "transaction) and idempotent on its id or natural key, so a retried request never duplicates."
)


def _root(name: str, parts: tuple[type, ...], description: str) -> type:
    """The domains' root fields as one type, described (strawberry's `merge_types` takes no description)."""
    return strawberry.type(type(name, (merge_types(name, parts),), {}), description=description)


def build_schema(
    limits: Limits | None = None, observers: Sequence[type[SchemaExtension] | Any] = ()
) -> strawberry.Schema:
    """The schema; `observers` (metrics, tracing) wrap every other extension, so they see final errors."""
    limits = limits or Limits()
    query = _root("Query", QUERIES, QUERY_DESCRIPTION)
    mutation = _root("Mutation", MUTATIONS, MUTATION_DESCRIPTION)
    audit_mutations(mutation)
    schema = RegistrySchema(
        query=query,
        mutation=mutation,
        config=StrawberryConfig(scalar_map=SCALAR_MAP),
        execution_context_class=PlainFieldsExecutionContext,
        extensions=[
            *observers,
            partial(SelectionLimits, max_repeats=limits.max_repeats, max_fields=limits.max_fields),
            partial(QueryDepthLimiter, max_depth=limits.max_depth),
            partial(MaxAliasesLimiter, max_alias_count=limits.max_aliases),
            partial(MaxTokensLimiter, max_token_count=limits.max_tokens),
            partial(ParsedDocuments, maxsize=PARSED_DOCUMENTS),
            ExposeVariables,
            partial(QueryCostLimiter, max_cost=limits.max_cost),
            RecordIdAlphabet,
            partial(ValidatedDocuments, clean=CleanDocuments(PARSED_DOCUMENTS)),
            PublicErrors,
        ],
    )
    missing = unguarded_root_fields(schema)
    if missing:
        raise RuntimeError(f"Root fields without an access rule (deny by default): {', '.join(missing)}")
    return schema
