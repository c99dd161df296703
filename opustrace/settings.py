"""Configuration from the environment (and an optional `.env`); every name is documented in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from graph.local_server import STARTUP_TIMEOUT


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    neo4j_uri: str | None = Field(default=None, description="An existing server; unset: the local one")
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr | None = None
    neo4j_database: str = "neo4j"
    neo4j_local_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_local_heap: str = "512m"
    neo4j_local_pagecache: str = "256m"
    # Where the server's jars are kept; several data dirs (tests, worktrees) may share one.
    neo4j_local_lib_dir: Path | None = None
    data_dir: Path = Field(default=Path(".data"), validation_alias="OPUSTRACE_DATA_DIR")
    # How long start-up waits for Neo4j (the local server's JVM, or a database started after the service)
    # before giving up; a loaded host can take minutes.
    neo4j_startup_wait_seconds: float = Field(default=STARTUP_TIMEOUT, ge=0)

    admin_api_key: SecretStr | None = None
    log_level: str = "INFO"
    # json: one object a line with the request id (for a log shipper); text: for a terminal.
    log_format: Literal["json", "text"] = "json"
    # memory://: counted in each process; redis://host:6379 (or rediss://): shared by workers and replicas.
    rate_limit_storage: str = "memory://"
    graphiql: bool = True
    # Traces are off unless an exporter is named: otlp (OTEL_EXPORTER_OTLP_* say where) or console.
    otel_traces_exporter: Literal["none", "otlp", "console"] = "none"
    otel_service_name: str = "opustrace"

    max_query_depth: int = Field(default=12, ge=2)
    max_query_aliases: int = Field(default=30, ge=1)
    max_query_tokens: int = Field(default=5000, ge=100)
    max_query_cost: int = Field(default=10000, ge=10)
    max_query_repeats: int = Field(default=5, ge=1)
    max_query_fields: int = Field(default=2000, ge=10)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=67_108_864, ge=1024)
    rate_limit_per_minute: int = Field(default=600, ge=1)

    # The address the service is reached at: links in signed manifests point here.
    public_url: str = Field(default="http://127.0.0.1:8000", validation_alias="OPUSTRACE_PUBLIC_URL")
    # Content credentials (C2PA): PEM files kept outside the repository; unset: signing is refused.
    c2pa_certificate_chain_file: Path | None = None
    c2pa_private_key_file: Path | None = None
    c2pa_signing_algorithm: str = "es256"
    c2pa_timestamp_url: str | None = None
    c2pa_trust_anchors_file: Path | None = None
    # Ed25519 PEM key that signs the daily audit checkpoint; unset: no checkpoints are written.
    audit_checkpoint_key_file: Path | None = None
    failed_auth_per_minute: int = Field(default=30, ge=1)
    # Crashed uploads: how often each worker looks for them, and how long an upload must have written no
    # batch before it counts as dead (a live one writes a batch every few seconds).
    upload_purge_interval_seconds: int = Field(default=300, ge=1)
    upload_abandoned_after_seconds: int = Field(default=600, ge=60)
