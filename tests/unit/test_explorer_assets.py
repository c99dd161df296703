"""The explorer and GraphiQL load nothing from outside the app: every asset they name is served by it."""

from __future__ import annotations

import re

from opustrace import explorer

STATIC_REF = re.compile(r"""(?:src|href)="(/static/[^"]+)\"""")
IMPORT = re.compile(r"""from "\./([^"]+)\"""")


def test_graphiql_names_only_our_copies_and_they_exist() -> None:
    html = explorer.graphiql_html()
    assert "https://" not in html.split("<body>")[0].replace("https://ecma", "")
    referenced = STATIC_REF.findall(html)
    assert len(referenced) == len(explorer.VENDORED)
    for path in referenced:
        assert (explorer.STATIC / path.removeprefix("/static/")).is_file(), path


def test_the_explorer_page_and_its_modules_are_all_local() -> None:
    index = (explorer.STATIC / "explorer" / "index.html").read_text(encoding="utf-8")
    assert "http" not in index
    for path in STATIC_REF.findall(index):
        assert (explorer.STATIC / path.removeprefix("/static/")).is_file(), path
    for module in (explorer.STATIC / "explorer" / "js").glob("*.js"):
        text = module.read_text(encoding="utf-8").replace(
            "http://www.w3.org/2000/svg", ""
        )  # a name, not a URL
        assert "http://" not in text and "https://" not in text, module.name
        for name in IMPORT.findall(text):
            assert (module.parent / name).is_file(), f"{module.name} imports {name}"
