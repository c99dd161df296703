"""The content-credentials configuration (C2PA signing key, chain, trust anchors) read from the settings."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from interchange.c2pa_credentials import ALGORITHMS, CredentialConfig, SigningCredentials
from opustrace.settings import Settings


class CredentialSettingsError(ValueError):
    """A C2PA setting that names a missing file or an unknown algorithm: the service does not start."""


def _read(path: Path | None, name: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialSettingsError(f"{name} names {path}, which cannot be read: {exc.strerror}") from exc


def credential_config(settings: Settings) -> CredentialConfig:
    chain = _read(settings.c2pa_certificate_chain_file, "C2PA_CERTIFICATE_CHAIN_FILE")
    key = _read(settings.c2pa_private_key_file, "C2PA_PRIVATE_KEY_FILE")
    if (chain is None) != (key is None):
        raise CredentialSettingsError(
            "Set both C2PA_CERTIFICATE_CHAIN_FILE and C2PA_PRIVATE_KEY_FILE, or neither."
        )
    if settings.c2pa_signing_algorithm.lower() not in ALGORITHMS:
        raise CredentialSettingsError(
            f"C2PA_SIGNING_ALGORITHM {settings.c2pa_signing_algorithm!r} is not one of {sorted(ALGORITHMS)}."
        )
    signing = None
    if chain is not None and key is not None:
        signing = SigningCredentials(chain, key, settings.c2pa_signing_algorithm, settings.c2pa_timestamp_url)
    try:
        service_version = version("opustrace")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
        service_version = "0.0.0"
    return CredentialConfig(
        signing=signing,
        trust_anchors_pem=_read(settings.c2pa_trust_anchors_file, "C2PA_TRUST_ANCHORS_FILE"),
        public_url=settings.public_url,
        version=service_version,
    )
