from __future__ import annotations

from typing import Annotated

import strawberry

from graph.stores.system import api_keys
from registry.access import Role
from resolvers.access import allow, require_principal
from resolvers.context import Info
from resolvers.system.types import ApiKey, CreateApiKeyInput, CreatedApiKey


@strawberry.type
class SystemMutation:
    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="Create an API key bound to a role and scope."
    )
    async def create_api_key(
        self,
        info: Info,
        input: Annotated[
            CreateApiKeyInput, strawberry.argument(description="The key's role, party and name.")
        ],
    ) -> CreatedApiKey:
        principal = require_principal(info)
        scope = str(input.scope_id) if input.scope_id else None
        record, secret = await api_keys.create_key(
            info.context.db, Role(input.role), scope, input.name.strip(), created_by=principal.key_id
        )
        return CreatedApiKey(api_key=ApiKey.from_record(record), secret=secret)

    @strawberry.mutation(
        extensions=allow(Role.ADMIN), description="Revoke a key; revoking twice is harmless."
    )
    async def revoke_api_key(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID, strawberry.argument(description="The key's id (keyId), not its secret.")
        ],
    ) -> ApiKey:
        return ApiKey.from_record(await api_keys.revoke_key(info.context.db, str(id)))
