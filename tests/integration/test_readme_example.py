"""The README's worked example, run as written: every request in order, with the key it names.

Each request is a ```graphql block under a comment `<!-- example: as=KEY [save=NAME] -->`; `save` keeps
the `createApiKey` secret under NAME for later steps. The block under `<!-- example: expect -->` is the
answer the last request must give (lists compared as multisets: the order of lines is not the point).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from tests.support import ADMIN_SECRET, GraphQLClient

README = Path(__file__).resolve().parents[2] / "README.md"
STEP = re.compile(r"<!-- example: (?P<args>[^>]*?) -->\s*```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)


def _pair(word: str) -> tuple[str, str]:
    name, _, value = word.partition("=")
    return name, value


def readme_steps() -> list[tuple[dict[str, str], str, str]]:
    steps = []
    for match in STEP.finditer(README.read_text()):
        args = dict(_pair(part) for part in match["args"].split())
        steps.append((args, match["lang"], match["body"]))
    return steps


def canonical(value: Any) -> Any:
    """Lists become multisets of their canonical items, so order does not matter."""
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return Counter(json.dumps(canonical(item), sort_keys=True, default=dict) for item in value)
    return value


def test_the_readme_has_the_example() -> None:
    steps = readme_steps()
    assert [lang for _, lang, _ in steps].count("graphql") >= 8
    assert steps[-1][0] == {"expect": ""} and steps[-1][1] == "json"


async def test_the_readme_example_runs_as_written(gql: GraphQLClient) -> None:
    keys = {"ADMIN": ADMIN_SECRET}
    last: dict[str, Any] = {}
    for args, lang, body in readme_steps():
        if "expect" in args:
            assert canonical(last) == canonical(json.loads(body))
            continue
        assert lang == "graphql"
        last = (await gql(body, key=keys[args["as"]])).data
        if "save" in args:
            keys[args["save"]] = last["createApiKey"]["secret"]
    assert set(keys) == {"ADMIN", "ACME_KEY", "TRACER_KEY"}
