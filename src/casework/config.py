"""Settings, read once from the environment (prefix ``CASEWORK_``)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CASEWORK_", env_file=None, extra="ignore")

    data_dir: Path = Path("./casework-data")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; defaults to a SQLite file in the data directory.",
    )
    database_echo: bool = False

    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    max_upload_bytes: int = Field(default=25 * 1_048_576, ge=1024)

    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=3600)
    page_size_default: int = Field(default=50, ge=1, le=200)
    page_size_max: int = Field(default=200, ge=1, le=1000)

    log_level: str = "INFO"
    log_json: bool = True

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
