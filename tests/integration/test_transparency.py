from __future__ import annotations

import pytest

from graph.database import Database
from tests.support import GraphQLClient

pytestmark = pytest.mark.integration
REPORT = """{ transparencyReport { creators works worksWithOptIn worksDeclined licensees activeGrants models
  trainingRuns flaggedTrainingRuns outputs flaggedOutputs attributionReports
  distributed { stream currency paid suspended statements } } }"""
WORLD = """
CREATE (a:Creator {id: 'c1', name: 'Ann'}), (b:Creator {id: 'c2', name: 'Bo'})
CREATE (w1:Work {id: 'w1', title: 'One'}), (w2:Work {id: 'w2', title: 'Two'})
CREATE (w3:Work {id: 'w3', title: 'Three'})
CREATE (a)-[:HOLDS_SHARE]->(w1), (a)-[:HOLDS_SHARE]->(w2), (b)-[:HOLDS_SHARE]->(w3)
CREATE (a)-[:GAVE]->(:Consent {id: 'k1', decision: 'OPT_IN', catalogue: true})
CREATE (b)-[:GAVE]->(:Consent {id: 'k2', decision: 'DECLINE', catalogue: false})-[:COVERS]->(w3)
CREATE (:Licensee {id: 'l1'})-[:OPERATES]->(m:Model {id: 'm1'})
CREATE (m)-[:GENERATED]->(:Output {id: 'o1', compliant: true})
CREATE (m)-[:GENERATED]->(:Output {id: 'o2', compliant: false})
CREATE (:TrainingRun {id: 'r1', status: 'COMPLETE', compliant: false})-[:PRODUCED]->(m)
CREATE (:TrainingRun {id: 'r2', status: 'UPLOADING'})
CREATE (:Statement {id: 's1', status: 'FINAL', stream: 'OUTPUT_USE', currency: 'EUR',
                    paid: 12345, suspended: 55})
CREATE (:Statement {id: 's2', status: 'DRAFT', stream: 'OUTPUT_USE', currency: 'EUR',
                    paid: 999, suspended: 0})
"""


async def test_anonymous_reads_aggregates_only(gql: GraphQLClient, db: Database) -> None:
    await db.run_write(WORLD)
    report = (await gql(REPORT)).data["transparencyReport"]
    assert report == {
        "creators": 2,
        "works": 3,
        "worksWithOptIn": 2,
        "worksDeclined": 1,
        "licensees": 1,
        "activeGrants": 0,
        "models": 1,
        "trainingRuns": 1,
        "flaggedTrainingRuns": 1,
        "outputs": 2,
        "flaggedOutputs": 1,
        "attributionReports": 0,
        "distributed": [
            {
                "stream": "OUTPUT_USE",
                "currency": "EUR",
                "paid": "123.45",
                "suspended": "0.55",
                "statements": 1,
            }
        ],
    }
