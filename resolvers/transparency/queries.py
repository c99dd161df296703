from __future__ import annotations

from typing import Any

import strawberry

from graph.stores.transparency import transparency_report
from registry.money import format_amount
from resolvers.access import public
from resolvers.context import Info


@strawberry.type(description="Finalised distributions of one stream in one currency, in total.")
class DistributedTotal:
    stream: str
    currency: str
    paid: str = strawberry.field(description="Paid to rights holders, a decimal string in the currency.")
    suspended: str = strawberry.field(
        description="Held in suspense (unpaid, with reasons), a decimal string."
    )
    statements: int


@strawberry.type(
    description="What the collective licence covers and has paid, in aggregate: no person named."
)
class TransparencyReport:
    creators: int
    works: int
    works_with_opt_in: int
    works_declined: int
    licensees: int
    active_grants: int
    vendors: int
    models: int
    training_runs: int
    flagged_training_runs: int
    outputs: int
    flagged_outputs: int
    attribution_reports: int
    distributed: list[DistributedTotal]


def _total(row: dict[str, Any]) -> DistributedTotal:
    currency = row["currency"]
    return DistributedTotal(
        stream=row["stream"],
        currency=currency,
        paid=format_amount(int(row["paid"] or 0), currency),
        suspended=format_amount(int(row["suspended"] or 0), currency),
        statements=row["statements"],
    )


@strawberry.type
class TransparencyQuery:
    @strawberry.field(extensions=public(), description="Public: aggregate counts and finalised totals.")
    async def transparency_report(self, info: Info) -> TransparencyReport:
        row = await transparency_report(info.context.db)
        return TransparencyReport(
            creators=row["creators"],
            works=row["works"],
            works_with_opt_in=row["works_with_opt_in"],
            works_declined=row["works_declined"],
            licensees=row["licensees"],
            active_grants=row["active_grants"],
            vendors=row["vendors"],
            models=row["models"],
            training_runs=row["training_runs"],
            flagged_training_runs=row["flagged_runs"],
            outputs=row["outputs"],
            flagged_outputs=row["flagged_outputs"],
            attribution_reports=row["attribution_reports"],
            distributed=[_total(r) for r in row["distributed"]],
        )
