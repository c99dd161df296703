"""The README's configuration table names every setting the service reads, and nothing it does not."""

from __future__ import annotations

import re

from opustrace.settings import Settings
from tests.conftest import REPO

# Read outside `Settings`: by click (`serve`'s options) and by prometheus-client (the workers' metrics).
READ_ELSEWHERE = {"HOST", "PORT", "WEB_CONCURRENCY", "PROMETHEUS_MULTIPROC_DIR"}


def table_names() -> set[str]:
    """The backticked names in the first column of the table headed `| variable | default | meaning |`."""
    lines = (REPO / "README.md").read_text().splitlines()
    start = lines.index("| variable | default | meaning |") + 2
    names: set[str] = set()
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        names |= set(re.findall(r"`([A-Z0-9_]+)`", line.split("|")[1]))
    return names


def settings_names() -> set[str]:
    return {str(field.validation_alias or name.upper()) for name, field in Settings.model_fields.items()}


def test_every_setting_is_in_the_readme_table() -> None:
    missing = settings_names() - table_names()
    assert not missing, f"add a row to the README's configuration table for: {sorted(missing)}"


def test_every_row_of_the_table_is_read_by_the_service() -> None:
    unknown = table_names() - settings_names() - READ_ELSEWHERE
    assert not unknown, f"the README's configuration table names settings nothing reads: {sorted(unknown)}"
