"""Versioned Cypher migrations, applied in order by graph.migrations."""
