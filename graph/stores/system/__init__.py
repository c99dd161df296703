"""API keys and the public transparency report."""
