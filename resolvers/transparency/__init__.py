"""The public transparency report."""
