"""Every test must be able to fail: an AST walk over tests/ that finds test functions with no real check.

A test function counts as checking something when its own body (not a thread target or a callback it
merely defines) contains one of:

- an `assert` whose condition can be false for a wrong result: `assert x is not None`, `assert True`
  and the like do not count, since almost any result passes them;
- `pytest.raises(...)` or `pytest.warns(...)` (as a context manager or a call);
- a call to an asserting helper: a function whose name starts with `assert` (`assert_denied(...)`).
  Such a helper, when defined under tests/, must itself contain a real check (this walk verifies it).

A nested function counts only if the test calls it by name; a function handed to a thread, an executor
or a callback runs elsewhere, where a failed assert does not fail the test.

A test also may not throw away a GraphQL answer (`await gql(...)` as a bare statement): a setup step
that failed would go unnoticed, and the test would check something other than it says.

Run it by hand with `python -m tests.assertion_lint`; `make test` runs it through
tests/unit/test_every_test_checks.py.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
RAISES = frozenset({"raises", "warns"})
HOW_TO_FIX = (
    "each test must check its result so that a regression turns it red. Fix it by adding an `assert` on "
    "the exact expected value (not `assert x is not None`), or `with pytest.raises(Error, match=...)`, or "
    "a call to an asserting helper named `assert_...` that itself asserts. A check inside a function run "
    "by a thread or callback does not count: collect the outcome and assert in the test itself. "
    "(tests/assertion_lint.py explains the rule.)"
)


@dataclass(frozen=True, slots=True)
class Finding:
    path: Path
    line: int
    name: str
    problem: str

    def __str__(self) -> str:
        try:
            shown = self.path.relative_to(TESTS.parent)
        except ValueError:
            shown = self.path
        return f"{shown}:{self.line}: {self.name}: {self.problem}"


def vacuous(condition: ast.expr) -> bool:
    """An assert condition that nearly any result satisfies."""
    if isinstance(condition, ast.Constant):
        return True
    if isinstance(condition, ast.Compare) and len(condition.ops) == 1:
        right = condition.comparators[0]
        return isinstance(condition.ops[0], ast.IsNot) and (
            isinstance(right, ast.Constant) and right.value is None
        )
    if isinstance(condition, ast.BoolOp) and isinstance(condition.op, ast.And):
        return all(vacuous(value) for value in condition.values)
    return False


def called_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


Scope = ast.FunctionDef | ast.AsyncFunctionDef


def own_nodes(scope: Scope) -> Iterator[ast.AST]:
    """The nodes of a function's body, not descending into functions, lambdas or classes it defines."""
    nested = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    stack: list[ast.AST] = [node for node in scope.body if not isinstance(node, nested)]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(child for child in ast.iter_child_nodes(node) if not isinstance(child, nested))


def checks(scope: Scope) -> bool:
    """Whether the function itself (or a nested function it calls by name) makes a real check."""
    nested = {
        node.name: node
        for node in ast.walk(scope)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node is not scope
    }
    for node in own_nodes(scope):
        if isinstance(node, ast.Assert) and not vacuous(node.test):
            return True
        if isinstance(node, ast.Call):
            name = called_name(node)
            if name is None:
                continue
            if name in RAISES or asserting_name(name):
                return True
            if name in nested and isinstance(node.func, ast.Name) and checks(nested.pop(name)):
                return True
    return False


def is_test(node: ast.AST) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")


def test_functions(tree: ast.Module) -> Iterator[Scope]:
    for node in tree.body:
        if is_test(node):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            yield node
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            for item in node.body:
                if is_test(item):
                    assert isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                    yield item


def asserting_name(name: str) -> bool:
    """`assert_denied`, `assertEqual`: the names that promise a check."""
    return name.startswith("assert_") or (name.startswith("assert") and name[6:7].isupper())


def asserting_helpers(tree: ast.Module) -> Iterator[Scope]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and asserting_name(node.name):
            yield node


def discarded_answers(scope: Scope) -> Iterator[ast.Expr]:
    """Bare `gql(...)` / `await gql(...)` statements: a GraphQL answer nobody looks at."""
    for node in own_nodes(scope):
        if isinstance(node, ast.Expr):
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "gql":
                yield node


def lint_source(source: str, path: Path) -> list[Finding]:
    tree = ast.parse(source, filename=str(path))
    found: list[Finding] = []
    if path.name.startswith("test_"):
        for test in test_functions(tree):
            if not checks(test):
                found.append(Finding(path, test.lineno, test.name, "checks nothing"))
            for statement in discarded_answers(test):
                problem = "throws away a GraphQL answer: assert on its .data or .codes"
                found.append(Finding(path, statement.lineno, test.name, problem))
    for helper in asserting_helpers(tree):
        if not checks(helper):
            found.append(Finding(path, helper.lineno, helper.name, "is named assert... but checks nothing"))
    return found


def lint(paths: Iterable[Path]) -> list[Finding]:
    found: list[Finding] = []
    for path in sorted(paths):
        found.extend(lint_source(path.read_text(encoding="utf-8"), path))
    return found


def source_files(root: Path = TESTS) -> list[Path]:
    return [p for p in root.rglob("*.py") if "__pycache__" not in p.parts]


def report(found: list[Finding]) -> str:
    lines = [str(f) for f in sorted(found, key=lambda f: (str(f.path), f.line))]
    return f"{len(found)} place(s) in tests that cannot fail:\n" + "\n".join(lines) + "\n\n" + HOW_TO_FIX


def main() -> int:
    found = lint(source_files())
    if found:
        print(report(found), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
