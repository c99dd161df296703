from __future__ import annotations

from typing import Any

import strawberry

from graph.stores.system.transparency import transparency_report
from registry.money import format_amount
from resolvers.access import public
from resolvers.context import Info


@strawberry.type(description="Finalised distributions of one stream in one currency, in total.")
class DistributedTotal:
    stream: str = strawberry.field(description="The royalty stream.")
    currency: str = strawberry.field(description="ISO 4217 code, e.g. EUR.")
    paid: str = strawberry.field(description="Paid to rights holders, a decimal string in the currency.")
    suspended: str = strawberry.field(
        description="Held in suspense (unpaid, with reasons), a decimal string."
    )
    statements: int = strawberry.field(description="How many statements it sums.")


@strawberry.type(
    description="What the collective licence covers and has paid, in aggregate: no person named."
)
class TransparencyReport:
    creators: int = strawberry.field(description="Registered creators.")
    works: int = strawberry.field(description="Registered works.")
    works_with_opt_in: int = strawberry.field(description="Works with an opt-in consent.")
    works_declined: int = strawberry.field(description="Works declined by a holder.")
    licensees: int = strawberry.field(description="Registered licensees.")
    active_grants: int = strawberry.field(description="Grants in force now.")
    vendors: int = strawberry.field(description="Registered attribution vendors.")
    models: int = strawberry.field(description="Declared model versions.")
    training_runs: int = strawberry.field(description="Complete training runs.")
    flagged_training_runs: int = strawberry.field(description="Training runs with a compliance flag.")
    outputs: int = strawberry.field(description="Declared outputs.")
    flagged_outputs: int = strawberry.field(description="Outputs with a compliance flag.")
    attribution_reports: int = strawberry.field(description="Stored attribution reports.")
    distributed: list[DistributedTotal] = strawberry.field(
        description="Distributed money by stream and currency."
    )


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
