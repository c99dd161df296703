"""The GraphQL layer's own rules, without a database: deny by default, error masking, schema file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import strawberry
from graphql import GraphQLError, validate
from pydantic import BaseModel, ValidationError
from strawberry.extensions import ParserCache
from strawberry.schema.schema import validate_document

import resolvers.schema as schema_module
from registry.access import Role
from registry.errors import Conflict, InvalidInput
from resolvers.access import allow, public, unguarded_root_fields
from resolvers.errors import INTERNAL, public_error
from resolvers.schema import PARSED_DOCUMENTS, Limits, build_schema

REPO = Path(__file__).resolve().parents[2]


def test_every_root_field_of_the_real_schema_has_an_access_rule() -> None:
    assert unguarded_root_fields(build_schema()) == []


def test_a_field_without_a_rule_is_reported() -> None:
    @strawberry.type
    class Query:
        @strawberry.field(extensions=public())
        def open(self) -> int:
            return 1

        @strawberry.field(extensions=allow(Role.ADMIN))
        def guarded(self) -> int:
            return 2

        @strawberry.field
        def forgotten(self) -> int:
            return 3

    assert unguarded_root_fields(strawberry.Schema(query=Query)) == ["Query.forgotten"]


def test_allow_needs_a_role() -> None:
    with pytest.raises(ValueError, match="at least one role"):
        allow()


def test_schema_file_is_current() -> None:
    committed = (REPO / "schema.graphql").read_text()
    assert committed.strip() == str(build_schema()).strip(), "schema.graphql is stale: run `make schema`"


def test_domain_errors_keep_message_code_and_details() -> None:
    original = InvalidInput("shares add up to 99.5 %", details={"performing": 9950})
    error = public_error(GraphQLError("x", original_error=original), "req-1")
    assert error.message == "shares add up to 99.5 %"
    assert error.extensions == {"code": "BAD_USER_INPUT", "details": {"performing": 9950}}
    assert public_error(GraphQLError("x", original_error=Conflict("dup")), "r").extensions == {
        "code": "CONFLICT"
    }


def test_unexpected_errors_are_masked_and_logged_with_request_id(caplog: pytest.LogCaptureFixture) -> None:
    secret_detail = "password=hunter2 at /srv/app/internal.py line 42"
    with caplog.at_level(logging.ERROR, logger="opustrace.errors"):
        error = public_error(GraphQLError("boom", original_error=RuntimeError(secret_detail)), "req-42")
    assert secret_detail not in error.message and "req-42" in error.message
    assert error.extensions == {"code": INTERNAL, "requestId": "req-42"}
    assert "req-42" in caplog.text and secret_detail in caplog.text


def test_validation_errors_name_the_field() -> None:
    class Model(BaseModel):
        amount: int

    with pytest.raises(ValidationError) as caught:
        Model.model_validate({"amount": "lots"})
    error = public_error(GraphQLError("x", original_error=caught.value), "r")
    assert error.extensions == {"code": "BAD_USER_INPUT"} and error.message.startswith("amount:")


def test_a_repeated_document_is_parsed_once_and_the_token_cap_still_refuses() -> None:
    schema = build_schema(Limits(max_tokens=12))
    # strawberry types the shared cache as a plain callable; it is a functools.lru_cache
    parsed: Any = ParserCache(maxsize=PARSED_DOCUMENTS).cached_parse_document
    query = "{ __typename a: __typename b: __typename }"
    misses = parsed.cache_info().misses
    first, second = schema.execute_sync(query), schema.execute_sync(query)
    assert first.errors is None and second.errors is None
    assert first.data == second.data == {"__typename": "Query", "a": "Query", "b": "Query"}
    assert parsed.cache_info().misses == misses + 1  # the second request used the parsed document
    too_long = "{ " + " ".join(f"a{i}: __typename" for i in range(10)) + " }"
    for refused in (too_long, too_long, "{ __typename "):  # never kept, so the cap holds every time
        result = schema.execute_sync(refused)
        # reported as any parse error is: rewritten by PublicErrors, code BAD_USER_INPUT
        assert result.errors and [e.extensions for e in result.errors] == [{"code": "BAD_USER_INPUT"}]
    assert "token" in schema.execute_sync(too_long).errors[0].message.lower()  # type: ignore[index]


def test_a_clean_document_is_validated_whole_once_then_only_by_the_rules_that_read_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole: list[int] = []
    partial: list[tuple[str, ...]] = []

    def counting_whole(*args: Any) -> Any:
        whole.append(1)
        return validate_document(*args)

    def counting_partial(schema: Any, document: Any, rules: Any) -> Any:
        partial.append(tuple(sorted(rule.__name__ for rule in rules)))
        return validate(schema, document, rules)

    monkeypatch.setattr(schema_module, "validate_document", counting_whole)
    monkeypatch.setattr(schema_module, "validate", counting_partial)
    schema = build_schema()
    query = "{ __typename a: __typename }"
    answers = [schema.execute_sync(query) for _ in range(3)]
    assert [a.data for a in answers] == [{"__typename": "Query", "a": "Query"}] * 3
    assert len(whole) == 1 and partial == [("QueryCostRule", "_IdAlphabetRule")] * 2
    # A document with errors is never taken as clean: validated whole every time, the same errors each time.
    wrong = "{ __typename nope }"
    refused = [schema.execute_sync(wrong) for _ in range(2)]
    assert len(whole) == 3 and len(partial) == 2
    assert [[e.message for e in r.errors or []] for r in refused] == [
        ["Cannot query field 'nope' on type 'Query'."]
    ] * 2
