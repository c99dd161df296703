"""Neo4j: driver lifecycle, stores, migration runner and the local server tooling."""
