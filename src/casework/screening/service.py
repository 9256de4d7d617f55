"""Importing a list as a new version of its dataset, and reading datasets back.

One import is one transaction: the new version, its entities and its differences to
the previous version become visible together or not at all.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from casework.infra.errors import NotFound, ValidationFailed
from casework.infra.ids import new_id
from casework.infra.validation import dataset_name
from casework.models import WatchlistChange, WatchlistDataset, WatchlistEntity, WatchlistVersion
from casework.models.base import utcnow
from casework.screening import repository
from casework.screening.entity import Entity, Skipped
from casework.screening.formats import publication_date, reader

BATCH = 1000
MAX_SKIPS_KEPT = 200
EXAMPLES_PER_REASON = 2


@dataclass
class ImportReport:
    dataset: str
    version: int
    format: str
    files: list[dict[str, Any]]
    entities: int = 0
    names: int = 0
    by_schema: Counter[str] = field(default_factory=Counter)
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_records: list[dict[str, str]] = field(default_factory=list)
    # Every skip counted by its reason, with the first records skipped for it.
    skipped_by_reason: Counter[str] = field(default_factory=Counter)
    skip_examples: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0
    published_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "version": self.version,
            "format": self.format,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "files": self.files,
            "entities": self.entities,
            "names": self.names,
            "by_schema": dict(sorted(self.by_schema.items())),
            "added": self.added,
            "changed": self.changed,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "skipped_reasons": [
                {"reason": reason, "count": count, "examples": self.skip_examples[reason]}
                for reason, count in sorted(
                    self.skipped_by_reason.items(), key=lambda item: (-item[1], item[0])
                )
            ],
            "skipped_records": self.skipped_records,
            "seconds": round(self.seconds, 3),
        }


def file_facts(paths: Sequence[Path]) -> list[dict[str, Any]]:
    facts = []
    for path in paths:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        facts.append({"name": path.name, "size": path.stat().st_size, "sha256": digest.hexdigest()})
    return facts


def _dataset(
    session: Session, name: str, format_name: str, tenant_id: str | None = None
) -> WatchlistDataset:
    try:
        dataset_name(name)
    except ValueError as exc:
        raise ValidationFailed.on("dataset", str(exc)) from exc
    dataset = repository.lock_dataset_named(session, name)
    if dataset is None:
        dataset = WatchlistDataset(name=name, title=name, format=format_name, tenant_id=tenant_id)
        session.add(dataset)
        session.flush()
    elif dataset.tenant_id != tenant_id:
        # A list shared by every tenant must never become one tenant's, or the reverse.
        owner = "one tenant" if dataset.tenant_id else "every tenant"
        raise ValidationFailed.on("dataset", f"dataset {name!r} already belongs to {owner}")
    return dataset


def import_dataset(
    session: Session,
    *,
    name: str,
    format_name: str,
    paths: Sequence[Path],
    on_entity: Callable[[int], None] | None = None,
    tenant_id: str | None = None,
    published_at: datetime | None = None,
) -> ImportReport:
    """Read ``paths`` as ``format_name`` into a new version of dataset ``name``.

    ``tenant_id`` makes the dataset that tenant's alone (None: every tenant's). The
    version's publication date is the one the files state (UN ``dateGenerated``, OFAC
    ``DateOfIssue``, the UK list's ``DateGenerated``, ...); ``published_at`` stands in
    where they state none, e.g. the download's Last-Modified time.
    Raises ImportFormatError (from the reader) on malformed input; the caller rolls back.
    """
    started = time.perf_counter()
    read = reader(format_name)
    dataset = _dataset(session, name, format_name, tenant_id)
    published_at = publication_date(format_name, paths) or published_at
    number = (repository.last_version_number(session, dataset.id) or 0) + 1
    report = ImportReport(
        dataset=name,
        version=number,
        format=format_name,
        files=file_facts(paths),
        published_at=published_at,
    )
    current = repository.current_entity_hashes(session, dataset.id)
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    closing: list[str] = []

    def flush_batches(final: bool = False) -> None:
        if closing and (final or len(closing) >= BATCH):
            session.execute(
                update(WatchlistEntity)
                .where(WatchlistEntity.id.in_(closing))
                .values(version_to=number)
            )
            closing.clear()
        if rows and (final or len(rows) >= BATCH):
            session.execute(insert(WatchlistEntity), rows)
            rows.clear()
        if changes and (final or len(changes) >= BATCH):
            session.execute(insert(WatchlistChange), changes)
            changes.clear()

    def change(key: str, kind: str, caption: str, before: str | None, after: str | None) -> None:
        changes.append(
            {
                "id": new_id(),
                "dataset_id": dataset.id,
                "version": number,
                "key": key,
                "change": kind,
                "caption": caption[:500],
                "before_hash": before,
                "after_hash": after,
            }
        )

    for item in read(paths):
        if isinstance(item, Skipped):
            _skip(report, item.where, item.reason)
            continue
        if item.key in seen:
            _skip(report, item.key, "the same id appears twice in this import")
            continue
        seen.add(item.key)
        _count(report, item)
        content_hash = item.content_hash()
        previous = current.get(item.key)
        if previous is not None and previous[1] == content_hash:
            report.unchanged += 1
        else:
            if previous is None:
                report.added += 1
                change(item.key, "added", item.caption, None, content_hash)
            else:
                report.changed += 1
                closing.append(previous[0])
                change(item.key, "changed", item.caption, previous[1], content_hash)
            rows.append(_entity_row(dataset.id, number, item, content_hash))
        if on_entity is not None:
            on_entity(report.entities)
        flush_batches()

    for key, (row_id, content_hash) in current.items():
        if key not in seen:
            report.removed += 1
            closing.append(row_id)
            change(key, "removed", key, content_hash, None)
            flush_batches()
    flush_batches(final=True)

    session.execute(
        update(WatchlistVersion)
        .where(WatchlistVersion.dataset_id == dataset.id, WatchlistVersion.status == "current")
        .values(status="superseded")
    )
    report.seconds = time.perf_counter() - started
    session.add(
        WatchlistVersion(
            dataset_id=dataset.id,
            number=number,
            status="current",
            finished_at=utcnow(),
            published_at=published_at,
            files=report.files,
            report=report.as_dict(),
        )
    )
    dataset.format = format_name
    dataset.current_version = number
    if report.added or report.changed or report.removed:
        from casework.monitoring import service as monitoring  # screening is beneath it

        monitoring.schedule(session, dataset_id=dataset.id, version=number)
    session.flush()
    return report


def record_failure(
    session: Session,
    *,
    name: str,
    format_name: str,
    paths: Sequence[Path],
    error: str,
    tenant_id: str | None = None,
) -> int:
    """Keep a failed attempt on record (in its own transaction, after the rollback)."""
    dataset = _dataset(session, name, format_name, tenant_id)
    number = (repository.last_version_number(session, dataset.id) or 0) + 1
    session.add(
        WatchlistVersion(
            dataset_id=dataset.id,
            number=number,
            status="failed",
            finished_at=utcnow(),
            files=file_facts(paths),
            error=error[:5000],
        )
    )
    session.flush()
    return number


def _skip(report: ImportReport, where: str, reason: str) -> None:
    report.skipped += 1
    report.skipped_by_reason[reason] += 1
    examples = report.skip_examples.setdefault(reason, [])
    if len(examples) < EXAMPLES_PER_REASON:
        examples.append(where)
    if len(report.skipped_records) < MAX_SKIPS_KEPT:
        report.skipped_records.append({"where": where, "reason": reason})


def _count(report: ImportReport, entity: Entity) -> None:
    report.entities += 1
    report.names += len(entity.names)
    report.by_schema[entity.schema.value] += 1


def _entity_row(dataset_id: str, number: int, entity: Entity, content_hash: str) -> dict[str, Any]:
    return {
        "id": new_id(),
        "dataset_id": dataset_id,
        "key": entity.key,
        "version_from": number,
        "version_to": None,
        "content_hash": content_hash,
        "schema": entity.schema.value,
        "caption": entity.caption[:500],
        "document": entity.to_document(),
    }


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    format: str
    current_version: int | None
    # When the publisher issued the current version, where the files or server said so.
    published_at: datetime | None
    entities: int
    versions: list[dict[str, Any]]


def list_datasets(session: Session, *, tenant_id: str | None = None) -> list[DatasetSummary]:
    """Every dataset with its versions; given a ``tenant_id``, only those that tenant
    searches (the shared lists and its own)."""
    summaries = []
    for dataset in repository.datasets(session, tenant_id=tenant_id):
        versions: list[dict[str, Any]] = [
            {
                "number": v.number,
                "status": v.status,
                "finished_at": v.finished_at,
                "published_at": v.published_at,
                "entities": v.report.get("entities"),
                "added": v.report.get("added"),
                "changed": v.report.get("changed"),
                "removed": v.report.get("removed"),
                "error": v.error,
            }
            for v in repository.versions(session, dataset.id)
        ]
        current = next((v for v in versions if v["status"] == "current"), None)
        summaries.append(
            DatasetSummary(
                name=dataset.name,
                format=dataset.format,
                current_version=dataset.current_version,
                published_at=current["published_at"] if current else None,
                entities=int(current["entities"] or 0) if current else 0,
                versions=versions,
            )
        )
    return summaries


def get_dataset(session: Session, name: str) -> WatchlistDataset:
    dataset = repository.dataset_named(session, name)
    if dataset is None:
        raise NotFound(f"no dataset {name!r}")
    return dataset


def latest_files(session: Session, name: str) -> list[dict[str, Any]] | None:
    """The files of the dataset's current version, to tell whether a download is new."""
    return repository.current_files(session, name)
