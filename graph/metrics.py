"""Prometheus metrics of the graph layer: Neo4j transactions and queries, import and distribution progress.

Exposed by the app's `/metrics`; with several workers `PROMETHEUS_MULTIPROC_DIR` makes them add up.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

NEO4J_QUERIES = Counter("opustrace_neo4j_queries", "Cypher queries sent to Neo4j", ["kind"])
NEO4J_TRANSACTION_SECONDS = Histogram(
    "opustrace_neo4j_transaction_seconds",
    "Time in one Neo4j transaction (including retries)",
    ["kind"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IMPORT_RECORDS = Counter(
    "opustrace_import_records", "CWR records stored by imports (progress of running imports)", ["format"]
)
DISTRIBUTION_REPORTS = Counter(
    "opustrace_distribution_usage_reports", "Usage reports a distribution run has judged (progress)"
)
