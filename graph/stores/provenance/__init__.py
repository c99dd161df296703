"""Provenance: models, training runs, outputs, their PROV documents and content credentials."""
