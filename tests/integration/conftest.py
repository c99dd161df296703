from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from graph.database import Database
from graph.stores.system.api_keys import ensure_bootstrap_admin
from opustrace.app import create_app
from opustrace.settings import Settings
from tests.support import ADMIN_SECRET, GraphQLClient


@pytest.fixture
async def gql(db: Database) -> AsyncIterator[GraphQLClient]:
    """A GraphQL client over the real app in-process (no lifespan: the db fixture has migrated)."""
    await ensure_bootstrap_admin(db, ADMIN_SECRET)
    app = create_app(Settings(), db, run_migrations=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry.test") as http:
        yield GraphQLClient(http)
