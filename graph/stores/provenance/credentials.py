"""Content credentials in the graph: the facts a signed manifest states, and the signed files of an output.

```
(:Output)-[:SIGNED_AS]->(:SignedAsset {sha256, manifest_label, format, signed_at, signed_by})
```

The output keeps its identity (the SHA-256 of the unsigned audio); each signed file is a SignedAsset
beside it, so a file is traced back by its own bytes, by the unsigned audio's hash, or by its manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from graph.database import Database, Tx
from graph.stores._records import record_from_row
from graph.stores.attribution.reads import counting_report_for
from graph.stores.provenance.reads import outputs_by_hash
from graph.stores.provenance.records import OutputRecord
from registry.content_credentials import CredentialFacts, CredentialInfluence

CREDENTIAL_HEAD = """
MATCH (m:Model)-[:GENERATED]->(o:Output {id: $id})
OPTIONAL MATCH (l:Licensee {id: m.licensee_id})
RETURN o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output, m {.*} AS model, l.name AS licensee_name,
  COLLECT {
    MATCH (r:TrainingRun)-[:PRODUCED]->(m) WHERE r.status = 'COMPLETE' AND r.grant_id IS NOT NULL
    RETURN DISTINCT r.grant_id ORDER BY r.grant_id
  } AS grants
"""
# ISWC, ISRC and the holders' IPI numbers of each influence target (a recording: through its works).
TARGET_IDENTIFIERS = """
UNWIND $ids AS id
OPTIONAL MATCH (work:Work {id: id})
OPTIONAL MATCH (rec:Recording {id: id})
WITH id, coalesce(work, rec) AS t WHERE t IS NOT NULL
OPTIONAL MATCH (t)-[:EMBODIES]->(embodied:Work)
WITH id, t, [w IN collect(embodied) WHERE w IS NOT NULL] AS embodied
WITH id, t, CASE WHEN t:Work THEN [t] ELSE embodied END AS works, embodied
RETURN id, t:Recording AS recording, t.iswc AS iswc, t.isrc AS isrc, t.title AS title,
  [w IN embodied WHERE w.iswc IS NOT NULL | w.iswc] AS work_iswcs,
  COLLECT {
    UNWIND works AS w MATCH (c:Creator)-[:HOLDS_SHARE]->(w) WHERE c.ipi IS NOT NULL
    RETURN DISTINCT c.ipi ORDER BY c.ipi
  } AS ipis
"""
RECORD_SIGNED = """
MATCH (o:Output {id: $output_id})
MERGE (s:SignedAsset {sha256: $sha256})
ON CREATE SET s.manifest_label = $label, s.format = $format, s.signed_at = datetime(), s.signed_by = $by,
              s.output_id = o.id
MERGE (o)-[:SIGNED_AS]->(s)
RETURN s {.*} AS asset
"""
_OUTPUT = "o {.*, model_id: m.id, licensee_id: m.licensee_id} AS output"
OUTPUT_BY_SIGNED_FILE = (
    "MATCH (m:Model)-[:GENERATED]->(o:Output)-[:SIGNED_AS]->(:SignedAsset {sha256: $sha256}) RETURN "
    + _OUTPUT
)
OUTPUT_BY_MANIFEST = (
    "MATCH (m:Model)-[:GENERATED]->(o:Output)-[:SIGNED_AS]->(:SignedAsset {manifest_label: $label}) "
    "RETURN " + _OUTPUT
)


async def credential_facts(db: Database, output_id: str) -> CredentialFacts | None:
    """What the manifest of `output_id` states; None when there is no such output."""
    rows = await db.run_read(CREDENTIAL_HEAD, {"id": output_id})
    if not rows:
        return None
    head = rows[0]
    output, model = OutputRecord.from_row(head["output"]), head["model"]
    counted = await counting_report_for(db, output_id)
    influences: tuple[CredentialInfluence, ...] = ()
    if counted is not None:
        scores = {i.target_id: str(i.claim.score) for i in counted.influences}
        found = await db.run_read(TARGET_IDENTIFIERS, {"ids": list(scores)})
        influences = tuple(_influence(row, scores[row["id"]]) for row in found)
    return CredentialFacts(
        output_id=output.id,
        content_hash=output.content_hash,
        title=output.title,
        generated_at=output.created_at,
        model_id=model["id"],
        model_name=model["name"],
        model_version=model["version"],
        licensee_id=output.licensee_id,
        licensee_name=head["licensee_name"],
        grant_ids=tuple(head["grants"]),
        report_id=counted.report.id if counted else None,
        vendor_id=counted.report.vendor_id if counted else None,
        influences=tuple(sorted(influences, key=lambda i: (-float(i.score), i.target_id))),
    )


def _influence(row: dict[str, Any], score: str) -> CredentialInfluence:
    return CredentialInfluence(
        target_id=row["id"],
        kind="RECORDING" if row["recording"] else "WORK",
        score=score,
        iswc=row["iswc"],
        isrc=row["isrc"],
        title=row["title"],
        creator_ipis=tuple(row["ipis"]),
        work_iswcs=tuple(row["work_iswcs"]),
    )


@dataclass(frozen=True, slots=True)
class SignedAssetRecord:
    sha256: str
    manifest_label: str
    format: str
    output_id: str
    signed_by: str
    signed_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> SignedAssetRecord:
        return record_from_row(cls, row)


async def record_signed(
    db: Database, output_id: str, sha256: str, manifest_label: str, fmt: str, signed_by: str
) -> SignedAssetRecord:
    """The signed file's binding, beside the output (idempotent by the signed file's hash)."""
    params = {"output_id": output_id, "sha256": sha256, "label": manifest_label, "format": fmt}

    async def work(tx: Tx) -> SignedAssetRecord:
        row = await tx.single(RECORD_SIGNED, params | {"by": signed_by})
        assert row is not None, "the output was read before signing"
        tx.touch(output_id)
        return SignedAssetRecord.from_row(row["asset"])

    return await db.write(work)


async def outputs_for_file(
    db: Database, file_sha256: str, manifest_label: str | None, claimed_hash: str | None
) -> tuple[list[OutputRecord], str]:
    """The outputs a file stands for and how they were found: the file is the unsigned audio (FILE_HASH,
    one output per licensee that declared it) or a file the service signed (SIGNED_FILE_HASH), else its
    manifest names a signed file (MANIFEST_LABEL) or the unsigned audio's hash (MANIFEST_CONTENT_HASH)."""
    found = await outputs_by_hash(db, file_sha256)
    if found:
        return found, "FILE_HASH"
    rows = await db.run_read(OUTPUT_BY_SIGNED_FILE, {"sha256": file_sha256})
    if rows:
        return [OutputRecord.from_row(rows[0]["output"])], "SIGNED_FILE_HASH"
    if manifest_label:
        rows = await db.run_read(OUTPUT_BY_MANIFEST, {"label": manifest_label})
        if rows:
            return [OutputRecord.from_row(rows[0]["output"])], "MANIFEST_LABEL"
    if claimed_hash:
        found = await outputs_by_hash(db, claimed_hash.strip().lower())
        if found:
            return found, "MANIFEST_CONTENT_HASH"
    return [], "NONE"
