"""Settings, read once from the environment (prefix ``CASEWORK_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, SettingsConfigDict

from casework.infra.storage import location as storage_locations
from casework.infra.validation import DatasetName


class ListSource(BaseModel):
    """Where `casework lists update` downloads one dataset: its files and their format."""

    format: str
    urls: list[str] = Field(min_length=1)

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        from casework.screening.formats import FORMATS  # settings load before screening

        if value not in FORMATS:
            raise ValueError(f"must be one of {', '.join(FORMATS)}")
        return value


# The official lists anyone may download without an account. The UK Sanctions List
# (FCDO) has been the single UK list since OFSI's Consolidated List closed in January 2026.
DEFAULT_LIST_SOURCES = {
    "ofac-sdn": ListSource(
        format="ofac-csv",
        urls=[
            f"https://www.treasury.gov/ofac/downloads/{name}"
            for name in ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
        ],
    ),
    "ofac-consolidated": ListSource(
        format="ofac-csv",
        urls=[
            f"https://www.treasury.gov/ofac/downloads/consolidated/{name}"
            for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
        ],
    ),
    "un-sc": ListSource(
        format="un-xml",
        urls=["https://scsanctions.un.org/resources/xml/en/consolidated.xml"],
    ),
    "uk-sanctions": ListSource(
        format="uk-xml",
        urls=["https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"],
    ),
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEWORK_", env_file=None, extra="ignore")

    data_dir: Path = Path("./casework-data")
    host: str = Field(
        default="127.0.0.1",
        min_length=1,
        description="The interface `casework serve` listens on; its --host option wins.",
    )
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="The port `casework serve` listens on; its --port option wins.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file in the data directory.",
    )
    database_echo: bool = False
    storage_url: str | None = Field(
        default=None,
        description="Where document bytes are kept: file:///absolute/path (a directory) or "
        "s3://BUCKET/PREFIX?endpoint_url=http://HOST:PORT&region=REGION (an existing S3 "
        "bucket, credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or the AWS "
        "SDK's other sources). Unset or empty: <data_dir>/documents.",
    )

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=25 * 1_048_576, ge=1024)
    max_batch_bytes: int = Field(
        default=16 * 1_048_576,
        ge=1024,
        description="Body limit of the bulk ingestion routes (10,000 transactions in one).",
    )

    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=3600)
    page_size_default: int = Field(default=50, ge=1, le=200)
    page_size_max: int = Field(default=200, ge=1, le=1000)

    list_sources: dict[DatasetName, ListSource] = Field(
        default_factory=lambda: dict(DEFAULT_LIST_SOURCES),
        description="Publisher downloads for `casework lists update`, by dataset name (JSON); "
        "replaces the defaults, so list them too to keep them.",
    )
    screening_threshold: float = Field(default=0.7, ge=0.0, le=1.0)
    screening_processes: int = Field(
        default=0,
        ge=0,
        le=64,
        description="Processes that screen a large batch of screenings (POST "
        "/v1/screenings/batch) at once, forked with the matcher, which they share: 0 for "
        "one per CPU core, 1 for none (the request screens it alone).",
    )
    list_max_age_days: int = Field(
        default=30,
        ge=1,
        le=3650,
        description="A watchlist published (or, when its publication date is unknown, "
        "imported) longer ago than this many days is stale: screenings, checks, the "
        "console and /healthz warn about it.",
    )

    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key that encrypts stored secrets (webhook signing secrets); "
        "when unset, one is generated once into <data_dir>/secret.key.",
    )
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hostnames and IP networks (CIDR) webhooks may reach even though they "
        'are private or loopback addresses (JSON list, e.g. ["hooks.internal", "10.1.0.0/16"]).',
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    outbound_network: bool = Field(
        default=True,
        description="False: no webhook is sent and no receiver's host name is looked up "
        "(a URL naming a host is refused as unresolvable; each delivery attempt fails), "
        "for installs that must not reach beyond their own machine, such as a fuzzing run.",
    )

    audit_key_file: Path | None = Field(
        default=None,
        description="File of the keys that MAC the audit chain, one `id key` per line; the "
        "last line keys new events, earlier ones stay for verification. When unset, "
        "<data_dir>/audit-chain.keys, made on first use. A file named here must exist.",
    )
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 private key (PEM) that signs audit checkpoints. When unset, "
        "<data_dir>/audit-checkpoint.key, made on first use. A file named here must exist.",
    )
    audit_checkpoint_file: Path | None = Field(
        default=None,
        description="Append-only file of signed audit checkpoints (JSON lines); default "
        "<data_dir>/audit-checkpoints.jsonl.",
    )
    audit_checkpoint_url: str | None = Field(
        default=None,
        description="Where each signed checkpoint is also POSTed (under the outbound "
        "webhook policy); unset: the file only.",
    )
    audit_checkpoint_minutes: int = Field(
        default=60,
        ge=1,
        le=7 * 24 * 60,
        description="How often a tenant whose audit chain grew gets a new checkpoint.",
    )

    job_runner: Literal["embedded", "procrastinate"] | None = Field(
        default=None,
        description="Who runs background jobs: threads of `casework serve` (embedded) or "
        "`casework worker` processes on PostgreSQL (procrastinate). Default: embedded on "
        "SQLite, procrastinate on PostgreSQL.",
    )
    job_threads: int = Field(default=2, ge=1, le=32)
    job_sweep_seconds: float = Field(
        default=15.0, gt=0, description="How often unfinished work is looked for again."
    )
    check_lease_seconds: float = Field(
        default=300.0, gt=0, description="After this long a started check counts as stalled."
    )
    news_provider: str | None = Field(
        default=None,
        description="An external news source for ADVERSE_MEDIA, as 'package.module:attr' "
        "(a class or factory implementing casework.checks.runners.news.NewsProvider).",
    )
    monitoring_processes: int | None = Field(
        default=None,
        ge=1,
        le=64,
        description="Processes a large ongoing-monitoring rescreen uses (default: one per "
        "CPU); 1 screens in the job's own thread.",
    )
    monitoring_pool_from: int = Field(
        default=5000, ge=0, description="Monitored customers from which a rescreen uses them."
    )

    session_idle_minutes: int = Field(
        default=30, ge=1, le=24 * 60, description="A console session ends after this idle time."
    )
    session_absolute_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="A console session ends this long after login."
    )

    login_max_failures: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Failed console sign-ins in a row that lock a user out.",
    )
    login_lockout_minutes: int = Field(
        default=15, ge=1, le=24 * 60, description="How long a locked-out user cannot sign in."
    )

    auth_failures_per_address: int = Field(
        default=100,
        ge=1,
        le=1_000_000,
        description="Failed authentications (API keys, client secrets, signed requests, "
        "console passwords) one client address may make within the window; then it is "
        "answered 429 with Retry-After until the window has passed. An IPv6 client "
        "counts by its /64.",
    )
    auth_failures_per_credential: int = Field(
        default=10,
        ge=1,
        le=1_000_000,
        description="Failed authentications with one client id or console email within "
        "the window, from anywhere, before it is answered 429 the same way.",
    )
    auth_failure_window_seconds: int = Field(
        default=900,
        ge=1,
        le=24 * 3600,
        description="The window failed authentications are counted in, and how long an "
        "address or credential that reached its limit is refused.",
    )

    smtp_host: str | None = Field(
        default=None, description="Mail server for requests for information; unset: no email."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS.")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = Field(default="casework@localhost", description="Sender of outgoing mail.")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("storage_url")
    @classmethod
    def _storage_location(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            storage_locations.parse(value)
        except ValueError as exc:
            # Said as it is, without pydantic's "Value error, " before it.
            raise PydanticCustomError("storage_url", str(exc)) from None
        return value.strip()

    @property
    def jobs(self) -> Literal["embedded", "procrastinate"]:
        if self.job_runner is not None:
            return self.job_runner
        return "embedded" if self.is_sqlite else "procrastinate"

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'casework.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def screening_index_dir(self) -> Path:
        """Where the screening index's snapshots are written once and mapped by every
        process (``casework.screening.index_store``)."""
        return self.data_dir / "screening-index"

    @property
    def storage_location(self) -> storage_locations.Location:
        if self.storage_url is None:
            return storage_locations.LocalLocation(self.documents_dir)
        return storage_locations.parse(self.storage_url)

    @property
    def audit_key_path(self) -> Path:
        return self.audit_key_file or self.data_dir / "audit-chain.keys"

    @property
    def audit_signing_key_path(self) -> Path:
        return self.audit_signing_key_file or self.data_dir / "audit-checkpoint.key"

    @property
    def audit_checkpoint_path(self) -> Path:
        return self.audit_checkpoint_file or self.data_dir / "audit-checkpoints.jsonl"
