"""The composition root: settings, the Starlette app factory and the CLI."""
