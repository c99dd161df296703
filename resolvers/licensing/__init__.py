"""Consent, licences, grants and rights checks."""
