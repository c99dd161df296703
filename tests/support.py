"""Helpers the integration and end-to-end tests share: a GraphQL client over any httpx transport."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

ADMIN_SECRET = "test-admin-key-0123456789abcdef"


@dataclass
class GraphQLResult:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> dict[str, Any]:
        assert not self.body.get("errors"), self.body["errors"]
        data: dict[str, Any] = self.body["data"]
        return data

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.body.get("errors") or []]

    @property
    def messages(self) -> list[str]:
        return [e["message"] for e in self.body.get("errors") or []]


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, key: str | None = None
    ) -> GraphQLResult:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return GraphQLResult(response.status_code, response.json())

    async def key_for(self, role: str, scope_id: str | None = None, *, admin: str = ADMIN_SECRET) -> str:
        """Create an API key through the API, as an admin would, and return its secret."""
        result = await self(
            "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }",
            {"i": {"role": role, "name": f"test {role.lower()}", "scopeId": scope_id}},
            key=admin,
        )
        secret: str = result.data["createApiKey"]["secret"]
        return secret
