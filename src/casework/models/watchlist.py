"""Watchlists: datasets, their imported versions, entities and the changes between versions.

Lists are reference data shared by every tenant, except a dataset that names its tenant:
only that tenant's screenings and checks search it (the demo tenant's fictional list).
An entity row is valid from the
version that brought it (``version_from``) until the version that changed or removed it
(``version_to``, exclusive; null while current), so every past version stays readable
and the differences between versions are exact.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.models.base import Base, id_column, utcnow


class WatchlistDataset(Base):
    __tablename__ = "watchlist_datasets"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(63), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    # None: every tenant's list; otherwise only this tenant searches it.
    tenant_id: Mapped[str | None] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), default=None, index=True
    )
    format: Mapped[str] = mapped_column(String(20))
    current_version: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WatchlistVersion(Base):
    __tablename__ = "watchlist_versions"
    __table_args__ = (UniqueConstraint("dataset_id", "number"),)

    id: Mapped[str] = id_column()
    dataset_id: Mapped[str] = mapped_column(ForeignKey("watchlist_datasets.id"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(12))  # current, superseded, failed
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # When the publisher issued this list, where its files or server say so.
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    files: Mapped[list[Any]] = mapped_column(default=list)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class WatchlistEntity(Base):
    __tablename__ = "watchlist_entities"
    __table_args__ = (
        Index(None, "dataset_id", "version_to", "key"),
        Index(None, "dataset_id", "key", "version_from"),
    )

    id: Mapped[str] = id_column()
    dataset_id: Mapped[str] = mapped_column(ForeignKey("watchlist_datasets.id"))
    key: Mapped[str] = mapped_column(String(200))
    version_from: Mapped[int]
    version_to: Mapped[int | None] = mapped_column(default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    schema: Mapped[str] = mapped_column(String(20))
    caption: Mapped[str] = mapped_column(String(500))
    document: Mapped[dict[str, Any]]


class WatchlistChange(Base):
    __tablename__ = "watchlist_changes"
    __table_args__ = (Index(None, "dataset_id", "version", "change"),)

    id: Mapped[str] = id_column()
    dataset_id: Mapped[str] = mapped_column(ForeignKey("watchlist_datasets.id"))
    version: Mapped[int]
    key: Mapped[str] = mapped_column(String(200))
    change: Mapped[str] = mapped_column(String(10))  # added, changed, removed
    caption: Mapped[str] = mapped_column(String(500))
    before_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    after_hash: Mapped[str | None] = mapped_column(String(64), default=None)
