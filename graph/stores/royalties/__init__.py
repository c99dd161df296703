"""Royalties: usage reports, distribution and statements."""
