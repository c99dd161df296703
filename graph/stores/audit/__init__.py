"""The audit trail's events."""
