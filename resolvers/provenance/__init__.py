"""GraphQL for provenance: licensee declarations, compliance flags and the traceability queries."""
