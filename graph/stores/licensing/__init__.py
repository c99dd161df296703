"""Licensing: consents, licences, grants and the licensability of works."""
