"""Every test in the suite can fail: the AST rule of tests/assertion_lint.py over tests/, and the rule
itself on small sources, so that it cannot quietly stop finding what it names."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.assertion_lint import HOW_TO_FIX, lint, lint_source, report, source_files

FLAGGED = {
    "no check at all": """
        def test_a():
            compute()
    """,
    "only `is not None`": """
        async def test_a(gql):
            assert await gql("{ x }") is not None
    """,
    "only vacuous asserts": """
        def test_a():
            assert True
            assert result is not None and other is not None
    """,
    "an assert in a thread target": """
        def test_a():
            def work():
                assert compute() == 1
            threading.Thread(target=work).start()
    """,
    "a method of a test class": """
        class TestThing:
            def test_a(self):
                compute()
    """,
    "a helper named assert_ that checks nothing": """
        def assert_fine(value):
            print(value)
    """,
    "a thrown-away GraphQL answer": """
        async def test_a(gql):
            await gql("mutation { setUp }")
            assert (await gql("{ x }")).data == {"x": 1}
    """,
}
ACCEPTED = {
    "an equality": """
        def test_a():
            assert compute() == 1
    """,
    "pytest.raises": """
        def test_a():
            with pytest.raises(ValueError, match="bad"):
                compute()
    """,
    "an asserting helper": """
        def assert_denied(result):
            assert result.codes == ["FORBIDDEN"]
        async def test_a(gql):
            assert_denied(await gql("{ x }"))
    """,
    "a nested check the test calls": """
        def test_a():
            def check(n):
                assert compute(n) == n
            check(1)
    """,
    "`is not None` beside a real check": """
        def test_a():
            found = search()
            assert found is not None
            assert found.group(1) == "x"
    """,
}


def flagged(source: str) -> list[str]:
    return [f.problem for f in lint_source(textwrap.dedent(source), Path("tests/unit/test_sample.py"))]


def test_every_test_in_the_suite_checks_something() -> None:
    found = lint(source_files())
    assert found == [], report(found)


@pytest.mark.parametrize("source", FLAGGED.values(), ids=FLAGGED.keys())
def test_the_rule_flags_a_test_that_cannot_fail(source: str) -> None:
    assert len(flagged(source)) == 1


@pytest.mark.parametrize("source", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_the_rule_accepts_a_real_check(source: str) -> None:
    assert flagged(source) == []


def test_only_test_modules_are_held_to_it() -> None:
    helper_module = "def test_like_name():\n    compute()\n"
    assert lint_source(helper_module, Path("tests/support.py")) == []


def test_the_report_says_where_and_how_to_fix() -> None:
    found = lint_source("def test_a():\n    compute()\n", Path("tests/unit/test_sample.py"))
    text = report(found)
    assert "tests/unit/test_sample.py:1: test_a: checks nothing" in text
    assert HOW_TO_FIX in text and "pytest.raises" in HOW_TO_FIX
