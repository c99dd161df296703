"""Every GraphQL request the explorer's pages send is valid against the schema the service serves.

The browser tests find a broken request too, but only minutes into a run and as a page that does not
render; this names the request and the field at once when the API changes under the explorer.
"""

from __future__ import annotations

import re
from pathlib import Path

from graphql import parse, validate

from resolvers.schema import build_schema

EXPLORER_JS = Path(__file__).resolve().parents[2] / "opustrace" / "static" / "explorer" / "js"
# Named operations and the `{ field … }` shorthand: every template string a page sends as a request.
REQUEST = re.compile(r"`((?:query|mutation)\b[^`]*|\{\s*[a-z][^`]*)`")


def explorer_requests() -> list[tuple[str, str]]:
    found = []
    for path in sorted(EXPLORER_JS.glob("*.js")):
        text = path.read_text(encoding="utf-8")
        for match in REQUEST.finditer(text):
            line = text[: match.start()].count("\n") + 1
            found.append((f"{path.name}:{line}", match.group(1)))
    return found


def test_the_explorer_sends_requests() -> None:
    assert len(explorer_requests()) >= 10


def test_every_explorer_request_is_valid_against_the_schema() -> None:
    schema = build_schema()._schema
    problems = [
        f"{where}: {error.message}"
        for where, request in explorer_requests()
        for error in validate(schema, parse(request))
    ]
    assert problems == []
