"""requirements.lock matches pyproject.toml: every requirement (and requested extra) pinned, with hashes.

Offline on purpose: `make test` must not fail because PyPI published something new. When this fails,
run `make lock` (see "Adding a dependency" in the README).
"""

from __future__ import annotations

import re
import tomllib
from importlib import metadata

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import REPO

PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)==(?P<version>\S+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$")
FIX = "requirements.lock is out of date with pyproject.toml: run `make lock`"


def _locked() -> dict[str, tuple[str, int]]:
    """Locked name -> (version, number of hashes)."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match["name"])
            pins[current] = (match["version"], 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


def _declared() -> list[Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    return [Requirement(spec) for spec in wanted]


def _applies(requirement: Requirement, extra: str = "") -> bool:
    environment = {key: str(value) for key, value in default_environment().items()} | {"extra": extra}
    return requirement.marker is None or requirement.marker.evaluate(environment)


def test_every_requirement_is_pinned_within_its_range() -> None:
    pins = _locked()
    for requirement in filter(_applies, _declared()):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock; {FIX}"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"the lock pins {name}=={version}, outside {requirement}; {FIX}"
        )


def test_requested_extras_are_pinned_too() -> None:
    pins = _locked()
    for requirement in _declared():
        for extra in requirement.extras:
            needed = [Requirement(r) for r in metadata.requires(requirement.name) or []]
            for dependency in needed:
                if _applies(dependency, extra) and dependency.marker is not None:
                    assert canonicalize_name(dependency.name) in pins, (
                        f"{requirement.name}[{extra}] needs {dependency.name}, missing from the lock; {FIX}"
                    )


def test_every_pin_has_hashes() -> None:
    pins = _locked()
    assert pins, "requirements.lock pins nothing"
    unhashed = sorted(name for name, (_, hashes) in pins.items() if hashes == 0)
    assert not unhashed, f"pins without hashes: {unhashed}; {FIX}"
