from __future__ import annotations

from importlib import metadata

import strawberry

from graph.stores.system import api_keys
from registry.access import Role
from resolvers.access import allow, authenticated, public, require_principal
from resolvers.context import Info
from resolvers.mapping import from_record
from resolvers.pagination import After, Connection, First, key_window, keyset_connection
from resolvers.system.types import ApiKey, ServiceInfo, Viewer

API_VERSION = "1"


@strawberry.type
class SystemQuery:
    @strawberry.field(extensions=public(), description="Public: the service's name and version.")
    def service_info(self) -> ServiceInfo:
        return ServiceInfo(name="opustrace", version=metadata.version("opustrace"), api_version=API_VERSION)

    @strawberry.field(extensions=authenticated(), description="The caller's own key, role and scope.")
    def viewer(self, info: Info) -> Viewer:
        principal = require_principal(info)
        return from_record(Viewer, principal, scope_id=principal.scope_id or None)

    @strawberry.field(extensions=allow(Role.ADMIN), description="All API keys, oldest first.")
    async def api_keys(self, info: Info, first: First = None, after: After = None) -> Connection[ApiKey]:
        page = key_window(info, first, after)
        total, records = await api_keys.list_keys(info.context.db, page)
        return keyset_connection(records, total, page, ApiKey.from_record)
