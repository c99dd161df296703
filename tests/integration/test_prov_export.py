"""W3C PROV exports on the real Neo4j: read back with `prov` and checked against the graph; scoped as the
reads they mirror; the CLI prints the same document."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import CliRunner
from prov.model import (
    ProvActivity,
    ProvAgent,
    ProvAssociation,
    ProvDerivation,
    ProvDocument,
    ProvEntity,
    ProvRecord,
    ProvUsage,
)

from graph.database import Database, Neo4jSettings
from graph.stores.attribution import vendors
from graph.stores.licensing import licences
from interchange.prov_export import qualified_id
from opustrace.cli import cli
from registry.licensing import LicenseeInput
from tests.integration.attribution_graph import ISWC_A
from tests.integration.licensing_graph import add_creator
from tests.integration.provenance_graph import content_hash
from tests.integration.traced_world import IPI, attributed_output
from tests.support import ADMIN_SECRET, GraphQLClient

pytestmark = pytest.mark.integration

EXPORT = """
query($id: ID!, $f: ProvFormat!) {
  outputProv(outputId: $id, format: $f) { format mediaType document }
}
"""
MODEL = "query($id: ID!) { modelProv(modelId: $id) { document } }"
WORK = "query($id: ID!) { workProv(workId: $id) { document } }"


def _records(document: ProvDocument, kind: type[ProvRecord]) -> list[ProvRecord]:
    return [r for r in document.get_records() if isinstance(r, kind)]


def _attrs(record: ProvRecord) -> dict[str, str]:
    return {str(k): str(v) for k, v in record.attributes}


async def test_output_prov_round_trips_and_matches_the_graph(db: Database, gql: GraphQLClient) -> None:
    output_id = await attributed_output(db, content_hash("tone"))
    result = await gql(EXPORT, {"id": output_id, "f": "PROV_JSON"}, key=ADMIN_SECRET)
    body = result.data["outputProv"]
    assert body["mediaType"] == "application/json"
    document = ProvDocument.deserialize(content=body["document"], format="json")

    entities = {_attrs(e)["ot:id"]: _attrs(e) for e in _records(document, ProvEntity)}
    assert entities[output_id]["ot:contentHash"] == content_hash("tone")
    assert entities["w-first"]["ot:iswc"] == ISWC_A and "g1" in entities and "lic-1:m:1" in entities
    agents = {_attrs(a)["ot:id"]: _attrs(a) for a in _records(document, ProvAgent)}
    assert agents["ada"]["ot:ipi"] == IPI and agents["ada"]["prov:type"] == "prov:Person"
    activities = {_attrs(a)["ot:id"]: a for a in _records(document, ProvActivity)}
    assert set(activities) == {"lic-1:run-1", output_id}  # the training run and the generation
    plans = {_attrs(a).get("prov:plan") for a in _records(document, ProvAssociation)}
    assert "otid:grant/g1" in plans
    [influence] = [d for d in _records(document, ProvDerivation) if _attrs(d).get("ot:score")]
    rows = await db.run_read(
        "MATCH (a:AttributionReport)-[i:INFLUENCE]->(:Work) RETURN a.id AS report, i.score AS score"
    )
    assert rows and _attrs(influence)["ot:score"] == str(rows[0]["score"])
    assert _attrs(influence)["ot:report"] == rows[0]["report"]
    assert _attrs(influence)["ot:vendor"] == "vendor_x"

    provn = await gql(EXPORT, {"id": output_id, "f": "PROV_N"}, key=ADMIN_SECRET)
    text = provn.data["outputProv"]["document"]
    assert text.startswith("document") and f'ot:score="{rows[0]["score"]}"' in text


async def test_prov_is_scoped_as_the_reads_it_mirrors(db: Database, gql: GraphQLClient) -> None:
    output_id = await attributed_output(db, content_hash("tone"))
    await licences.create_licensee(db, LicenseeInput(id="lic-2", name="Other"))
    await vendors.create_vendor(db, "vendor_y", "Vendor Y", "generic_json")
    other_licensee = await gql.key_for("LICENSEE", "lic-2")
    other_vendor = await gql.key_for("VENDOR", "vendor_y")
    stranger = await gql.key_for("CREATOR", await add_creator(db, "nobody"))
    for key in (other_licensee, other_vendor, stranger):
        assert (await gql(EXPORT, {"id": output_id, "f": "PROV_JSON"}, key=key)).codes == ["NOT_FOUND"]
    assert (await gql(MODEL, {"id": "lic-1:m:1"}, key=other_licensee)).codes == ["NOT_FOUND"]
    assert (await gql(WORK, {"id": "w-first"}, key=stranger)).codes == ["NOT_FOUND"]

    # The work's creator sees its work, the model trained on it and the output it influenced.
    ada = await gql.key_for("CREATOR", "ada")
    work_text = (await gql(WORK, {"id": "w-first"}, key=ada)).data["workProv"]["document"]
    work = ProvDocument.deserialize(content=work_text, format="json")
    ids = {_attrs(r)["ot:id"] for r in work.get_records() if isinstance(r, ProvEntity | ProvActivity)}
    assert {"w-first", "lic-1:m:1", "lic-1:run-1", output_id} <= ids
    # The other licensee's slice of the same work is empty of lic-1's model and output.
    slice_ = (await gql(WORK, {"id": "w-first"}, key=other_licensee)).data["workProv"]["document"]
    assert "lic-1%3Am%3A1" not in slice_ and output_id not in slice_

    model_text = (await gql(MODEL, {"id": "lic-1:m:1"}, key=ADMIN_SECRET)).data["modelProv"]["document"]
    model = ProvDocument.deserialize(content=model_text, format="json")
    used = await db.run_read("MATCH (:TrainingRun {id: 'lic-1:run-1'})-[:USED]->(t) RETURN t.id AS id")
    assert sorted(_attrs(u)["prov:entity"] for u in _records(model, ProvUsage)) == sorted(
        f"otid:work/{r['id']}" for r in used
    )


async def test_cli_prints_the_same_document(db: Database, neo4j_settings: Neo4jSettings) -> None:
    output_id = await attributed_output(db, content_hash("tone"))
    env = {"NEO4J_URI": neo4j_settings.uri, "NEO4J_USER": neo4j_settings.user}
    env["NEO4J_PASSWORD"] = neo4j_settings.password
    runner = CliRunner(env=env)
    args = ["prov", "export", "output", output_id, "--format", "prov-n"]
    result = await asyncio.to_thread(runner.invoke, cli, args)
    assert result.exit_code == 0, result.output
    assert f"entity({qualified_id('output', output_id)}" in result.output and "ot:score=" in result.output
    missing = await asyncio.to_thread(runner.invoke, cli, ["prov", "export", "model", "nope"])
    assert missing.exit_code == 1 and "No model 'nope'" in missing.output
