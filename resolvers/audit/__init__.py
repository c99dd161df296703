"""The audit trail: every mutation recorded, readable by auditors."""
