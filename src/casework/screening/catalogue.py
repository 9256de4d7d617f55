"""Reading the imported lists back for people: datasets, their versions and differences.

Everything here reads; importing stays in ``service``. Each function answers one page
in a fixed number of queries, however many datasets, versions or changes there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from casework.models import WatchlistChange, WatchlistDataset, WatchlistEntity, WatchlistVersion

CHANGE_KINDS = ("added", "changed", "removed")


@dataclass(frozen=True)
class DatasetOverview:
    id: str
    name: str
    title: str
    format: str
    current_version: int | None
    entities: int
    imported_at: datetime | None
    published_at: datetime | None  # of the current version, where its publisher says
    files: list[dict[str, Any]]
    versions: int
    latest_status: str | None
    latest_at: datetime | None
    latest_error: str | None


@dataclass(frozen=True)
class VersionRow:
    number: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    entities: int | None
    added: int | None
    changed: int | None
    removed: int | None
    files: list[dict[str, Any]]
    error: str | None


@dataclass(frozen=True)
class ChangeRow:
    version: int
    key: str
    change: str
    caption: str
    fields: list[str]  # what a "changed" entity changed, by entity field name


def dataset_overviews(
    session: Session, *, tenant_id: str, name: str | None = None
) -> list[DatasetOverview]:
    """Every dataset ``tenant_id`` may see (or the one called ``name``) with its current
    version and its latest import attempt."""
    latest = (
        select(
            WatchlistVersion.dataset_id,
            func.max(WatchlistVersion.number).label("number"),
            func.count().label("versions"),
        )
        .group_by(WatchlistVersion.dataset_id)
        .subquery()
    )
    current = aliased(WatchlistVersion)
    last = aliased(WatchlistVersion)
    stmt = (
        select(WatchlistDataset, latest.c.versions, current, last)
        .outerjoin(latest, latest.c.dataset_id == WatchlistDataset.id)
        .outerjoin(
            current,
            and_(
                current.dataset_id == WatchlistDataset.id,
                current.number == WatchlistDataset.current_version,
            ),
        )
        .outerjoin(
            last, and_(last.dataset_id == WatchlistDataset.id, last.number == latest.c.number)
        )
        .where(or_(WatchlistDataset.tenant_id.is_(None), WatchlistDataset.tenant_id == tenant_id))
        .order_by(WatchlistDataset.name)
    )
    if name is not None:
        stmt = stmt.where(WatchlistDataset.name == name)
    return [
        DatasetOverview(
            id=dataset.id,
            name=dataset.name,
            title=dataset.title,
            format=dataset.format,
            current_version=dataset.current_version,
            entities=int((now.report or {}).get("entities") or 0) if now is not None else 0,
            imported_at=now.finished_at if now is not None else None,
            published_at=now.published_at if now is not None else None,
            files=list(now.files or []) if now is not None else [],
            versions=int(versions or 0),
            latest_status=attempt.status if attempt is not None else None,
            latest_at=attempt.finished_at if attempt is not None else None,
            latest_error=attempt.error if attempt is not None else None,
        )
        for dataset, versions, now, attempt in session.execute(stmt)
    ]


def version_page(
    session: Session, dataset_id: str, *, offset: int, limit: int
) -> tuple[list[VersionRow], int]:
    """A dataset's versions, newest first, and how many there are."""
    where = WatchlistVersion.dataset_id == dataset_id
    total = session.scalar(select(func.count()).select_from(WatchlistVersion).where(where)) or 0
    versions = session.scalars(
        select(WatchlistVersion)
        .where(where)
        .order_by(WatchlistVersion.number.desc())
        .offset(offset)
        .limit(limit)
    )
    return [_version_row(v) for v in versions], total


def version_numbers(session: Session, dataset_id: str) -> list[int]:
    """The numbers of the versions that brought differences, newest first."""
    return list(
        session.scalars(
            select(WatchlistChange.version)
            .where(WatchlistChange.dataset_id == dataset_id)
            .distinct()
            .order_by(WatchlistChange.version.desc())
        )
    )


def change_page(
    session: Session,
    dataset_id: str,
    *,
    version: int | None = None,
    kind: str | None = None,
    offset: int,
    limit: int,
) -> tuple[list[ChangeRow], int]:
    """The differences each version brought, newest version first, and how many match."""
    conditions = [WatchlistChange.dataset_id == dataset_id]
    if version is not None:
        conditions.append(WatchlistChange.version == version)
    if kind is not None:
        conditions.append(WatchlistChange.change == kind)
    total = session.scalar(select(func.count()).select_from(WatchlistChange).where(*conditions))
    changes = list(
        session.scalars(
            select(WatchlistChange)
            .where(*conditions)
            .order_by(WatchlistChange.version.desc(), WatchlistChange.change, WatchlistChange.key)
            .offset(offset)
            .limit(limit)
        )
    )
    documents = _documents(session, dataset_id, {c.key for c in changes})
    return [_change_row(c, documents.get(c.key, [])) for c in changes], total or 0


def entity_history(session: Session, dataset: str, key: str) -> list[tuple[int, str]]:
    """(version, change) for every version that added, changed or removed one entity."""
    rows = session.execute(
        select(WatchlistChange.version, WatchlistChange.change)
        .join(WatchlistDataset, WatchlistDataset.id == WatchlistChange.dataset_id)
        .where(WatchlistDataset.name == dataset, WatchlistChange.key == key)
        .order_by(WatchlistChange.version.desc())
    )
    return [(number, change) for number, change in rows]


_Stored = tuple[int, int | None, dict[str, Any]]


def _documents(session: Session, dataset_id: str, keys: set[str]) -> dict[str, list[_Stored]]:
    """Every stored version of the entities in ``keys``: (from, to, document) by key."""
    if not keys:
        return {}
    found: dict[str, list[_Stored]] = {}
    rows = session.execute(
        select(
            WatchlistEntity.key,
            WatchlistEntity.version_from,
            WatchlistEntity.version_to,
            WatchlistEntity.document,
        ).where(WatchlistEntity.dataset_id == dataset_id, WatchlistEntity.key.in_(keys))
    )
    for key, version_from, version_to, document in rows:
        found.setdefault(key, []).append((version_from, version_to, document))
    return found


def _change_row(change: WatchlistChange, stored: list[_Stored]) -> ChangeRow:
    before = next((doc for _, to, doc in stored if to == change.version), None)
    after = next((doc for start, _, doc in stored if start == change.version), None)
    caption = change.caption
    if change.change == "removed" and before is not None:
        # A removal is recorded under the key alone; the last listed name reads better.
        caption = _caption(before) or caption
    fields: list[str] = []
    if change.change == "changed" and before is not None and after is not None:
        fields = sorted(
            name
            for name in {*before, *after}
            if name not in {"key", "source"} and before.get(name) != after.get(name)
        )
    return ChangeRow(change.version, change.key, change.change, caption, fields)


def _caption(document: dict[str, Any]) -> str | None:
    names = document.get("names") or []
    primary = [n for n in names if n.get("kind") == "primary"] or names
    return str(primary[0].get("value")) if primary else None


def _version_row(version: WatchlistVersion) -> VersionRow:
    report = version.report or {}
    return VersionRow(
        number=version.number,
        status=version.status,
        started_at=version.started_at,
        finished_at=version.finished_at,
        entities=report.get("entities"),
        added=report.get("added"),
        changed=report.get("changed"),
        removed=report.get("removed"),
        files=list(version.files or []),
        error=version.error,
    )
