"""The access matrix: docs/access.md states who may call each operation; this module checks it.

Cases come from the schema itself: every root field must have a row, or the test fails. Each operation
is called with placeholder arguments whose ids all read "x", by keys whose scope is also "x" (so a scoped
role acting on its own party passes the resolvers' scope checks) and, for the "wrong scope" column, by keys
scoped to "y".
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    is_non_null_type,
)

from tests.support import GraphQLClient, GraphQLResult

DOC = Path(__file__).resolve().parents[1] / "docs" / "access.md"
ROLES = ("anonymous", "ADMIN", "AUDITOR", "LICENSEE", "VENDOR", "CREATOR")
SCOPED = ("LICENSEE", "VENDOR", "CREATOR")
PLACEHOLDER_ID = "x"
OTHER_ID = "y"
SCALARS: dict[str, Any] = {
    "ID": PLACEHOLDER_ID,
    "String": "x",
    "Int": 1,
    "Float": 1.0,
    "Boolean": False,
    "DateTime": "2026-01-01T00:00:00+00:00",
    "Date": "2026-01-01",
    "Decimal": "1",
    "Money": "1.00",
    "JSON": "{}",
}
DENIED_CODES = {"FORBIDDEN", "UNAUTHENTICATED"}


@dataclass(frozen=True)
class Rule:
    operation: str
    cells: dict[str, str]  # role -> yes | no | own
    wrong_scope: str  # denied | allowed | -


def read_rules(path: Path = DOC) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    for line in path.read_text().splitlines():
        match = re.match(r"^\|\s*`?((?:Query|Mutation)\.\w+)`?\s*\|(.*)\|\s*$", line)
        if not match:
            continue
        cells = [c.strip() for c in match.group(2).split("|")]
        if len(cells) != len(ROLES) + 1:
            raise ValueError(f"{path.name}: row {match.group(1)} needs {len(ROLES) + 1} cells")
        rules[match.group(1)] = Rule(match.group(1), dict(zip(ROLES, cells[:-1], strict=True)), cells[-1])
    return rules


def operations(schema: GraphQLSchema) -> dict[str, GraphQLField]:
    found: dict[str, GraphQLField] = {}
    for kind, root in (("Query", schema.query_type), ("Mutation", schema.mutation_type)):
        for name, field in (root.fields if root else {}).items():
            found[f"{kind}.{name}"] = field
    return found


def placeholder(type_: Any) -> Any:
    if isinstance(type_, GraphQLNonNull):
        return placeholder(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [placeholder(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {
            name: placeholder(field.type)
            for name, field in type_.fields.items()
            if is_non_null_type(field.type) and field.default_value is Undefined
        }
    if isinstance(type_, GraphQLScalarType):
        return SCALARS.get(type_.name, "x")
    raise TypeError(f"no placeholder for {type_}")


def request_for(operation: str, field: GraphQLField) -> tuple[str, dict[str, Any], list[str]]:
    """The document, variables and names of Upload variables for calling one operation."""
    kind, name = operation.split(".")
    definitions: list[str] = []
    arguments: list[str] = []
    variables: dict[str, Any] = {}
    uploads: list[str] = []
    # Required arguments, and the first optional id (so `creator(id|ipi)` names a record and a party).
    optional_ids = [
        n for n, a in field.args.items() if not is_non_null_type(a.type) and n.endswith(("id", "Id"))
    ]
    for arg_name, arg in field.args.items():
        if not is_non_null_type(arg.type) and arg_name not in optional_ids[:1]:
            continue
        definitions.append(f"${arg_name}: {arg.type}")
        arguments.append(f"{arg_name}: ${arg_name}")
        if get_named_type(arg.type).name == "Upload":
            uploads.append(arg_name)
            variables[arg_name] = None
        else:
            variables[arg_name] = placeholder(arg.type)
    returned = get_named_type(field.type)
    selection = (
        " { __typename }"
        if isinstance(returned, GraphQLObjectType | GraphQLUnionType | GraphQLInterfaceType)
        else ""
    )
    head = f"{kind.lower()} M" + (f"({', '.join(definitions)})" if definitions else "")
    call = name + (f"({', '.join(arguments)})" if arguments else "")
    return f"{head} {{ {call}{selection} }}", variables, uploads


async def call(gql: GraphQLClient, operation: str, field: GraphQLField, key: str | None) -> GraphQLResult:
    document, variables, uploads = request_for(operation, field)
    if not uploads:
        return await gql(document, variables, key=key)
    # The GraphQL multipart request spec: operations, a map, then the files.
    payload = {"query": document, "variables": variables}
    mapping = {str(i): [f"variables.{name}"] for i, name in enumerate(uploads)}
    files = {str(i): (f"{name}.txt", b"placeholder\n", "text/plain") for i, name in enumerate(uploads)}
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(payload), "map": json.dumps(mapping)},
        files=files,
        headers=headers,
    )
    return GraphQLResult(response.status_code, response.json())


def outcome(result: GraphQLResult, field_name: str) -> str:
    """'denied' when the role may not call the operation at all, with nothing of it returned.

    A FORBIDDEN about the record (not yours, or no such record: the API does not tell them apart) means
    the role passed; the access layer's own refusals name the roles allowed.
    """
    errors = result.body.get("errors") or []
    denied = any(
        e.get("extensions", {}).get("code") == "UNAUTHENTICATED"
        or "allowedRoles" in (e.get("extensions", {}).get("details") or {})
        for e in errors
    )
    data = result.body.get("data") or {}
    if denied:
        assert data.get(field_name) is None, f"{field_name}: refused but data leaked: {data}"
        return "denied"
    if any(e.get("extensions", {}).get("code") == "BAD_USER_INPUT" and "path" not in e for e in errors):
        return f"invalid placeholder call: {errors}"
    return "allowed"


def refused_or_empty(result: GraphQLResult, field_name: str) -> bool:
    """For another party's records: refused, not found, or an empty page; never their data."""
    if {"FORBIDDEN", "NOT_FOUND", "UNAUTHENTICATED"} & set(result.codes):
        return (result.body.get("data") or {}).get(field_name) is None
    value = (result.body.get("data") or {}).get(field_name)
    return isinstance(value, dict) and value.get("totalCount") == 0


# --- nested fields ----------------------------------------------------------------------------------

# Types whose records belong to a party: they name one (licenseeId, vendorId, creatorId), or are a party,
# or are confined to one (a CREATOR key sees its own works only).
PARTY_FIELDS = frozenset({"licenseeId", "vendorId", "creatorId"})
PARTY_TYPES = frozenset(
    {
        "Creator",
        "Work",
        "Recording",
        "Licensee",
        "Vendor",
        "Grant",
        "Model",
        "Output",
        "TrainingRun",
        "Statement",
    }
)


def _record_type(type_: Any) -> GraphQLObjectType | None:
    """The object type a field returns, looking through lists and connections (a page of nodes)."""
    named = get_named_type(type_)
    if not isinstance(named, GraphQLObjectType):
        return None
    if named.name.endswith("Connection") and "edges" in named.fields:
        node = get_named_type(named.fields["edges"].type)
        assert isinstance(node, GraphQLObjectType)
        return _record_type(node.fields["node"].type)
    return named


def party_owned(type_: GraphQLObjectType) -> bool:
    return type_.name in PARTY_TYPES or bool(PARTY_FIELDS & set(type_.fields))


def _rule(field: GraphQLField) -> Any:
    """The field's access rule (resolvers/access.py), or None."""
    definition = field.extensions.get("strawberry-definition")
    return next((e for e in getattr(definition, "extensions", ()) if hasattr(e, "roles")), None)


def _reachable_by(rule: Any, role: str) -> bool:
    return rule is None or rule.public or role in {str(r) for r in rule.roles}


def nested_fields_without_rule(schema: GraphQLSchema, role: str, rules: dict[str, Rule]) -> list[str]:
    """Object fields the role can reach that return a party's records yet declare no access rule.

    Walks from every root field the role may call, through every field it may read; connection and edge
    wrappers carry no rule of their own (the field that returns the page does).
    """
    roots = operations(schema)
    todo = [
        t
        for name, field in roots.items()
        if rules[name].cells[role] != "no" and (t := _record_type(field.type)) is not None
    ]
    seen: set[str] = set()
    missing: list[str] = []
    while todo:
        type_ = todo.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        for name, field in type_.fields.items():
            target = _record_type(field.type)
            rule = _rule(field)
            if target is None or not _reachable_by(rule, role):
                continue
            if rule is None and party_owned(target):
                missing.append(f"{type_.name}.{name}")
            todo.append(target)
    return sorted(missing)


def full_selection(type_: GraphQLObjectType, depth: int, role: str) -> str:
    """Every field of the type the role may read that needs no argument, objects down to `depth` levels."""
    parts: list[str] = []
    for name, field in type_.fields.items():
        if any(is_non_null_type(a.type) and a.default_value is Undefined for a in field.args.values()):
            continue
        if not _reachable_by(_rule(field), role):
            continue  # refused as it should be (the matrix checks that); a refusal nulls its parents
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType):
            inner = full_selection(named, depth - 1, role) if depth > 0 else ""
            if inner:
                parts.append(f"{name} {{ {inner} }}")
        elif isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
            parts.append(f"{name} {{ __typename }}")
        else:
            parts.append(name)
    return " ".join(parts)


def strings_in(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(strings_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings_in(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()
