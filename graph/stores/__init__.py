"""One store per domain: the Cypher it runs, as named constants, and the functions that run it."""
