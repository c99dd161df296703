"""Vendors (ADMIN), engagements (ADMIN or the licensee itself) and report submission (VENDOR)."""

from __future__ import annotations

import json
from typing import Annotated

import strawberry
from starlette.datastructures import UploadFile
from strawberry.file_uploads import Upload
from strawberry.scalars import JSON

from attribution_adapters.formats import adapter_for
from attribution_adapters.generic import MAX_CSV_BYTES
from graph.stores.attribution import reads, vendors
from graph.stores.attribution.writes import StoredReport, store_reports
from registry.access import Role
from registry.errors import Forbidden, InvalidInput
from resolvers.access import allow, require_principal
from resolvers.attribution.types import (
    AttributionFormat,
    AttributionReport,
    AttributionSubmission,
    CreatedVendor,
    SubmittedReport,
    Vendor,
    VendorEngagement,
)
from resolvers.context import Info

MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 500


@strawberry.input(description="A new attribution vendor.")
class CreateVendorInput:
    id: strawberry.ID = strawberry.field(description="Our id for the vendor; a retry with it is harmless.")
    name: str = strawberry.field(description="The vendor's name.")
    format: AttributionFormat = strawberry.field(description="The format of its webhook and pull results.")


async def _payload_bytes(payload: JSON | None, file: Upload | None) -> bytes:
    if (payload is None) == (file is None):
        raise InvalidInput(
            "Send the report either as `payload` (JSON text or object) or as `file`, not both."
        )
    if file is not None:
        # Strawberry's Upload is Starlette's UploadFile under this server.
        upload = file if isinstance(file, UploadFile) else None
        if upload is None:
            raise InvalidInput("`file` must be a multipart upload.")
        body = await upload.read(MAX_CSV_BYTES + 1)
        if len(body) > MAX_CSV_BYTES:
            raise InvalidInput(f"The file is larger than {MAX_CSV_BYTES} bytes; split it by month or output.")
        return body
    if isinstance(payload, str):
        return payload.encode("utf-8")
    # GraphQL has already parsed an object payload, numbers included. Python prints a float as the
    # shortest decimal that reads back to it (8.25 -> "8.25"), so re-serialising restores what the
    # vendor wrote; the adapter then reads it as an exact Decimal. Text payloads skip this entirely.
    return json.dumps(payload).encode("utf-8")


async def _submitted(info: Info, stored: list[StoredReport]) -> AttributionSubmission:
    records = await reads.reports_by_id(info.context.db, [s.id for s in stored])
    return AttributionSubmission(
        reports=[
            SubmittedReport(
                report=AttributionReport.from_record(records[s.id]), duplicate=s.duplicate, current=s.current
            )
            for s in stored
        ]
    )


@strawberry.type
class AttributionMutation:
    @strawberry.mutation(
        extensions=allow(Role.ADMIN),
        description="Register an attribution vendor; answers its webhook secret this once.",
    )
    async def create_vendor(
        self,
        info: Info,
        input: Annotated[
            CreateVendorInput, strawberry.argument(description="The vendor's name and payload format.")
        ],
    ) -> CreatedVendor:
        name, vendor_id = input.name.strip(), str(input.id).strip()
        if not name or not vendor_id:
            raise InvalidInput("id and name must not be blank.")
        if len(vendor_id) > MAX_ID_LENGTH or len(name) > MAX_NAME_LENGTH:
            raise InvalidInput(
                f"id is at most {MAX_ID_LENGTH} characters and name at most {MAX_NAME_LENGTH}."
            )
        record, secret = await vendors.create_vendor(info.context.db, vendor_id, name, input.format.value)
        return CreatedVendor(vendor=Vendor.from_record(record), webhook_secret=secret)

    @strawberry.mutation(
        extensions=allow(Role.ADMIN, Role.LICENSEE),
        description="A licensee engages a vendor (ADMIN, or that LICENSEE). Designating one vendor "
        "undesignates the others: the designated vendor's current report counts by default.",
    )
    async def engage_vendor(
        self,
        info: Info,
        licensee_id: Annotated[
            strawberry.ID, strawberry.argument(description="The engaging licensee (a LICENSEE key: itself).")
        ],
        vendor_id: Annotated[strawberry.ID, strawberry.argument(description="The vendor engaged.")],
        designated: Annotated[
            bool,
            strawberry.argument(
                description=(
                    "True makes this the licensee's designated vendor, whose report counts by default."
                )
            ),
        ] = False,
    ) -> VendorEngagement:
        require_principal(info).acting_for(Role.LICENSEE, str(licensee_id), "licensee")
        record = await vendors.engage(info.context.db, str(licensee_id), str(vendor_id), designated)
        return VendorEngagement.from_record(record)

    @strawberry.mutation(
        extensions=allow(Role.VENDOR),
        description="Submit an attribution report in one of the vendor formats: `payload` as JSON text "
        "(exact numbers) or a JSON object, or `file` (multipart upload) for generic_csv. Accepted only "
        "for outputs of licensees that engaged the calling vendor. The same report twice is stored once.",
    )
    async def submit_attribution_report(
        self,
        info: Info,
        format: Annotated[AttributionFormat, strawberry.argument(description="The payload's vendor format.")],
        payload: Annotated[
            JSON | None,
            strawberry.argument(
                description=(
                    "The report as JSON text (keeps exact decimals) or a JSON object; give this or `file`."
                )
            ),
        ] = None,
        file: Annotated[
            Upload | None,
            strawberry.argument(
                description=("The report as a multipart file upload (generic_csv); give this or `payload`.")
            ),
        ] = None,
    ) -> AttributionSubmission:
        principal = require_principal(info)
        vendor_id = principal.party(Role.VENDOR)
        if not vendor_id:
            raise Forbidden("This vendor key is not bound to a vendor; ask an admin for a scoped key.")
        body = await _payload_bytes(payload, file)
        reports = adapter_for(format.value)(body, vendor_id=vendor_id)
        stored = await store_reports(info.context.db, reports, "GRAPHQL")
        return await _submitted(info, stored)
