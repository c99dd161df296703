"""The provenance explorer at `/` and GraphiQL, both served from the app's own static files.

No page loads anything from a CDN: GraphiQL's bundles (React, GraphiQL, its explorer plugin, exactly
the versions and files strawberry pins, same SHA-384 integrity) were copied from npm into
`opustrace/static/graphiql`, and the explorer is plain JavaScript modules in `opustrace/static/explorer`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

STATIC = Path(__file__).with_name("static")
CDN = "https://unpkg.com/"
# strawberry's GraphiQL page names these unpkg files; each is served from STATIC/graphiql instead.
VENDORED = {
    "react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}


class VendoredAssetMissing(RuntimeError):
    """strawberry's GraphiQL page names a file we do not serve (strawberry was upgraded)."""


@cache
def graphiql_html() -> str:
    """strawberry's GraphiQL page with every unpkg URL pointing at our copy; fails on any left over."""
    html = get_graphql_ide_html(graphql_ide="graphiql")
    for remote, local in VENDORED.items():
        html = html.replace(CDN + remote, f"/static/graphiql/{local}")
    if CDN in html:
        start = html.index(CDN)
        raise VendoredAssetMissing(
            f"GraphiQL names {html[start : html.index(chr(34), start)]}, which is not vendored; "
            "copy it from npm into opustrace/static/graphiql and add it to VENDORED"
        )
    return html


def graphiql_response() -> Response:
    return HTMLResponse(graphiql_html())


async def _index(request: Request) -> Response:
    return FileResponse(STATIC / "explorer" / "index.html", media_type="text/html")


def routes() -> list[BaseRoute]:
    return [
        Route("/", _index, methods=["GET"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
