"""Service information and API keys."""
