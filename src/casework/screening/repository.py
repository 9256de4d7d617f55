"""Watchlist queries: the imported lists read back for people (datasets, their versions
and differences), for searching and rescreening, and the rows an import works from.

Importing itself stays in ``service``. Each page for people is answered in a fixed
number of queries, however many datasets, versions or changes there are.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from casework.models import WatchlistChange, WatchlistDataset, WatchlistEntity, WatchlistVersion

CHANGE_KINDS = ("added", "changed", "removed")
BATCH_READ = 2000  # rows read at a time when the whole of a list is indexed


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
    published_at: datetime | None  # where its publisher says
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
        published_at=version.published_at,
        entities=report.get("entities"),
        added=report.get("added"),
        changed=report.get("changed"),
        removed=report.get("removed"),
        files=list(version.files or []),
        error=version.error,
    )


def visible(tenant_id: str | None) -> Any:
    """The datasets ``tenant_id`` may see: the shared lists and its own (None: only the
    shared ones)."""
    shared = WatchlistDataset.tenant_id.is_(None)
    return shared if tenant_id is None else or_(shared, WatchlistDataset.tenant_id == tenant_id)


def ids_owned_by(tenant_id: str) -> Select[str]:
    """The ids of the tenant's own datasets (a subquery)."""
    return select(WatchlistDataset.id).where(WatchlistDataset.tenant_id == tenant_id)


def visible_names(session: Session, *, tenant_id: str | None) -> set[str]:
    return set(session.scalars(select(WatchlistDataset.name).where(visible(tenant_id))))


def visible_id(session: Session, name: str, *, tenant_id: str | None) -> str | None:
    return session.scalar(
        select(WatchlistDataset.id).where(WatchlistDataset.name == name, visible(tenant_id))
    )


def imported_visible(session: Session, *, tenant_id: str | None) -> list[Row[*tuple[Any, ...]]]:
    """(id, name, current version) of the visible datasets with a current version, by
    name."""
    return list(
        session.execute(
            select(WatchlistDataset.id, WatchlistDataset.name, WatchlistDataset.current_version)
            .where(visible(tenant_id), WatchlistDataset.current_version.is_not(None))
            .order_by(WatchlistDataset.name)
        ).all()
    )


def version_facts(
    session: Session, *, dataset_ids: Sequence[str], numbers: set[int]
) -> list[Row[*tuple[Any, ...]]]:
    """(dataset id, number, published at, finished at, started at) of the versions of
    these datasets with these numbers (the caller pairs them up)."""
    return list(
        session.execute(
            select(
                WatchlistVersion.dataset_id,
                WatchlistVersion.number,
                WatchlistVersion.published_at,
                WatchlistVersion.finished_at,
                WatchlistVersion.started_at,
            ).where(
                WatchlistVersion.dataset_id.in_(dataset_ids),
                WatchlistVersion.number.in_(numbers),
            )
        )
    )


def current_version_ids(session: Session) -> list[tuple[str, str, int]]:
    """(name, id, current version) of each dataset that has a current version, by name."""
    rows = session.execute(
        select(WatchlistDataset.name, WatchlistDataset.id, WatchlistDataset.current_version)
        .where(WatchlistDataset.current_version.is_not(None))
        .order_by(WatchlistDataset.name)
    )
    return [(name, dataset_id, version) for name, dataset_id, version in rows if version]


def _listed_in(dataset_id: str, version: int) -> Any:
    """The entity rows of the dataset as its version ``version`` listed them."""
    return and_(
        WatchlistEntity.dataset_id == dataset_id,
        WatchlistEntity.version_from <= version,
        or_(WatchlistEntity.version_to.is_(None), WatchlistEntity.version_to > version),
    )


def documents_at(session: Session, versions: Mapping[str, int]) -> Iterator[Row[str, Any]]:
    """(dataset name, document) of every entity the given versions (by dataset id) list,
    by dataset name and key; read in batches as they are consumed."""
    if not versions:
        return
    stmt = (
        select(WatchlistDataset.name, WatchlistEntity.document)
        .join(WatchlistDataset, WatchlistDataset.id == WatchlistEntity.dataset_id)
        .where(or_(*(_listed_in(dataset_id, v) for dataset_id, v in versions.items())))
        .order_by(WatchlistDataset.name, WatchlistEntity.key)
        .execution_options(yield_per=BATCH_READ)
    )
    yield from session.execute(stmt)


def _brought(dataset_id: str, after: int, upto: int) -> Any:
    """Rows of entities versions ``after`` (exclusive) to ``upto`` added or changed, as
    version ``upto`` lists them."""
    return and_(
        WatchlistEntity.dataset_id == dataset_id,
        WatchlistEntity.version_from > after,
        _listed_in(dataset_id, upto),
    )


def _closed(dataset_id: str, after: int, upto: int) -> Any:
    """Rows version ``after`` listed that versions after it, up to ``upto``, changed or
    removed."""
    return and_(
        WatchlistEntity.dataset_id == dataset_id,
        WatchlistEntity.version_from <= after,
        WatchlistEntity.version_to > after,
        WatchlistEntity.version_to <= upto,
    )


def changes_since(session: Session, spans: Mapping[str, tuple[int, int]]) -> int:
    """How many entity rows the versions of each dataset id between ``(after, upto]``
    brought or closed (a changed entity counts twice)."""
    if not spans:
        return 0
    brought = or_(*(_brought(d, after, upto) for d, (after, upto) in spans.items()))
    closed = or_(*(_closed(d, after, upto) for d, (after, upto) in spans.items()))
    count = select(func.count()).select_from(WatchlistEntity)
    return int(session.scalar(count.where(brought)) or 0) + int(
        session.scalar(count.where(closed)) or 0
    )


def documents_since(
    session: Session, spans: Mapping[str, tuple[int, int]]
) -> list[tuple[str, Any]]:
    """(dataset name, document) of the entities versions ``(after, upto]`` of each
    dataset id added or changed, as ``upto`` lists them."""
    if not spans:
        return []
    rows = session.execute(
        select(WatchlistDataset.name, WatchlistEntity.document)
        .join(WatchlistDataset, WatchlistDataset.id == WatchlistEntity.dataset_id)
        .where(or_(*(_brought(d, after, upto) for d, (after, upto) in spans.items())))
        .order_by(WatchlistDataset.name, WatchlistEntity.key)
    )
    return [(name, document) for name, document in rows]


def keys_closed_since(
    session: Session, spans: Mapping[str, tuple[int, int]]
) -> list[tuple[str, str]]:
    """(dataset name, key) of the entities version ``after`` of each dataset id listed and
    versions up to ``upto`` changed or removed."""
    if not spans:
        return []
    rows = session.execute(
        select(WatchlistDataset.name, WatchlistEntity.key)
        .join(WatchlistDataset, WatchlistDataset.id == WatchlistEntity.dataset_id)
        .where(or_(*(_closed(d, after, upto) for d, (after, upto) in spans.items())))
        .order_by(WatchlistDataset.name, WatchlistEntity.key)
    )
    return [(name, key) for name, key in rows]


def dataset_named(session: Session, name: str) -> WatchlistDataset | None:
    return session.scalar(select(WatchlistDataset).where(WatchlistDataset.name == name))


def lock_dataset_named(session: Session, name: str) -> WatchlistDataset | None:
    """The dataset, locked for an import (imports of one list take turns)."""
    return session.scalar(
        select(WatchlistDataset).where(WatchlistDataset.name == name).with_for_update()
    )


def datasets(session: Session, *, tenant_id: str | None = None) -> list[WatchlistDataset]:
    """Every dataset by name; given a ``tenant_id``, only those that tenant searches."""
    stmt = select(WatchlistDataset).order_by(WatchlistDataset.name)
    if tenant_id is not None:
        stmt = stmt.where(
            WatchlistDataset.tenant_id.is_(None) | (WatchlistDataset.tenant_id == tenant_id)
        )
    return list(session.scalars(stmt))


def versions(session: Session, dataset_id: str) -> list[WatchlistVersion]:
    """The dataset's versions, oldest first."""
    return list(
        session.scalars(
            select(WatchlistVersion)
            .where(WatchlistVersion.dataset_id == dataset_id)
            .order_by(WatchlistVersion.number)
        )
    )


def last_version_number(session: Session, dataset_id: str) -> int | None:
    return session.scalar(
        select(WatchlistVersion.number)
        .where(WatchlistVersion.dataset_id == dataset_id)
        .order_by(WatchlistVersion.number.desc())
        .limit(1)
    )


def current_entity_hashes(session: Session, dataset_id: str) -> dict[str, tuple[str, str]]:
    """(row id, content hash) of each entity the dataset lists now, by key."""
    return {
        key: (row_id, content_hash)
        for row_id, key, content_hash in session.execute(
            select(WatchlistEntity.id, WatchlistEntity.key, WatchlistEntity.content_hash).where(
                WatchlistEntity.dataset_id == dataset_id, WatchlistEntity.version_to.is_(None)
            )
        )
    }


def current_files(session: Session, name: str) -> list[dict[str, Any]] | None:
    """The files of the dataset's current version."""
    files = session.scalar(
        select(WatchlistVersion.files)
        .join(WatchlistDataset, WatchlistDataset.id == WatchlistVersion.dataset_id)
        .where(WatchlistDataset.name == name, WatchlistVersion.status == "current")
    )
    return list(files) if files is not None else None


def name_and_owner(session: Session, dataset_id: str) -> Row[*tuple[Any, ...]]:
    """(name, tenant id) of the dataset."""
    return session.execute(
        select(WatchlistDataset.name, WatchlistDataset.tenant_id).where(
            WatchlistDataset.id == dataset_id
        )
    ).one()


def documents_brought(session: Session, dataset_id: str, version: int) -> list[dict[str, Any]]:
    """The documents of the entities this version added or changed."""
    return list(
        session.scalars(
            select(WatchlistEntity.document).where(
                WatchlistEntity.dataset_id == dataset_id,
                WatchlistEntity.version_from == version,
            )
        )
    )


def keys_removed(session: Session, dataset_id: str, version: int) -> list[str]:
    """The keys of the entities this version removed."""
    return list(
        session.scalars(
            select(WatchlistChange.key).where(
                WatchlistChange.dataset_id == dataset_id,
                WatchlistChange.version == version,
                WatchlistChange.change == "removed",
            )
        ).all()
    )
