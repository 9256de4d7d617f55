"""What a screening searches: the lists a tenant may see, at the versions the matcher
holds, how old each one is, and which of them a request reaches.

Every surface that screens (the API, the CLI, the console, checks, ongoing monitoring)
decides here, so none of them can search a list its tenant may not see, or answer
"no match" after searching nothing. A list that names its tenant is that tenant's
alone; every other tenant is told it does not exist.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from casework.infra.errors import Conflict, FieldError, ValidationFailed
from casework.models.base import utcnow
from casework.screening import repository

LOAD_HINT = "import one with `casework lists update` or `casework lists import`"


class NothingToSearch(Conflict):
    """A screening that would have searched no list: an error, never a clean result."""

    title = "Nothing to search"
    type_slug = "nothing-to-search"

    @classmethod
    def on(cls, field: str, detail: str) -> NothingToSearch:
        return cls(detail, errors=[FieldError(field, detail)])


@dataclass(frozen=True)
class SearchedList:
    """One list version a screening searches, and whether it is too old to trust."""

    name: str
    version: int
    published_at: datetime | None  # when its publisher issued it, where known
    imported_at: datetime
    age_days: int  # since publication, else since import
    stale: bool
    max_age_days: int

    @classmethod
    def of(
        cls,
        name: str,
        version: int,
        *,
        published_at: datetime | None,
        imported_at: datetime,
        now: datetime,
        max_age_days: int,
    ) -> SearchedList:
        """A list version as of ``now``: stale once its publication (else its import)
        is more than ``max_age_days`` old."""
        age = now - (published_at or imported_at)
        return cls(
            name=name,
            version=version,
            published_at=published_at,
            imported_at=imported_at,
            age_days=max(0, age // timedelta(days=1)),
            stale=age > timedelta(days=max_age_days),
            max_age_days=max_age_days,
        )

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def warning(self) -> str | None:
        if not self.stale:
            return None
        if self.published_at is not None:
            since = f"was published on {self.published_at:%Y-%m-%d}"
        else:
            since = f"was imported on {self.imported_at:%Y-%m-%d} (its publication date is unknown)"
        return (
            f"{self.label} {since}, {self.age_days} days ago: older than the "
            f"{self.max_age_days} days a list is trusted for; update it"
        )

    def describe(self) -> str:
        published = (
            f"published {self.published_at:%Y-%m-%d}"
            if self.published_at is not None
            else "publication date unknown"
        )
        return f"{self.label} ({published}, imported {self.imported_at:%Y-%m-%d})"

    def as_dict(self) -> dict[str, Any]:
        """As stored on a check: JSON, times in ISO 8601."""
        return {
            "name": self.name,
            "version": self.version,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "imported_at": self.imported_at.isoformat(),
            "stale": self.stale,
        }


def warnings(lists: Sequence[SearchedList]) -> list[str]:
    return [w for item in lists if (w := item.warning) is not None]


def versions(lists: Sequence[SearchedList]) -> dict[str, int]:
    return {item.name: item.version for item in lists}


def visible_names(session: Session, *, tenant_id: str | None) -> set[str]:
    """Every dataset ``tenant_id`` may see, whatever the state of its imports (None:
    only the lists shared by every tenant)."""
    return repository.visible_names(session, tenant_id=tenant_id)


def is_visible(session: Session, name: str, *, tenant_id: str | None) -> bool:
    return repository.visible_id(session, name, tenant_id=tenant_id) is not None


def searchable(
    session: Session,
    *,
    tenant_id: str | None,
    max_age_days: int,
    held: Mapping[str, int] | None = None,
    now: datetime | None = None,
) -> list[SearchedList]:
    """The lists ``tenant_id`` may search, by name, each at the version ``held`` (what
    the matcher indexed; None: the current version in the database)."""
    now = now or utcnow()
    rows = repository.imported_visible(session, tenant_id=tenant_id)
    wanted: dict[str, tuple[str, int]] = {}
    for dataset_id, name, current in rows:
        number = current if held is None else held.get(name)
        if number is not None:
            wanted[dataset_id] = (name, number)
    if not wanted:
        return []
    found = repository.version_facts(
        session, dataset_ids=list(wanted), numbers={number for _, number in wanted.values()}
    )
    lists = []
    for dataset_id, number, published_at, finished_at, started_at in found:
        name, wanted_number = wanted[dataset_id]
        if number == wanted_number:
            lists.append(
                SearchedList.of(
                    name,
                    number,
                    published_at=published_at,
                    imported_at=finished_at or started_at,
                    now=now,
                    max_age_days=max_age_days,
                )
            )
    return sorted(lists, key=lambda item: item.name)


def chosen(
    lists: Sequence[SearchedList], requested: Collection[str] | None
) -> tuple[list[SearchedList], list[str]]:
    """The lists a request names (all when it names none), and the names it asks for
    that have no searchable version."""
    if not requested:
        return list(lists), []
    names = {item.name for item in lists}
    return [item for item in lists if item.name in requested], sorted(set(requested) - names)


def holding(
    lists: Sequence[SearchedList],
    topics: Collection[str],
    dataset_topics: Mapping[str, Collection[str]],
) -> list[SearchedList]:
    """The lists with at least one entity on one of ``topics``: the others cannot match."""
    wanted = set(topics)
    return [item for item in lists if wanted.intersection(dataset_topics.get(item.name, ()))]


def known(requested: Collection[str] | None, *, visible: Collection[str], field: str) -> None:
    """Raises ValidationFailed unless the tenant may see every dataset asked for; one it
    may not see reads as one that does not exist."""
    unknown = sorted(set(requested or ()) - set(visible))
    if unknown:
        raise ValidationFailed.on(field, f"no imported dataset {', '.join(unknown)}")


def pick(
    lists: Sequence[SearchedList],
    *,
    visible: Collection[str],
    requested: Collection[str] | None,
    topics: Collection[str] | None,
    dataset_topics: Mapping[str, Collection[str]],
    field: str = "datasets",
) -> list[SearchedList]:
    """The lists a screening request searches.

    Raises ValidationFailed (422) for a dataset the tenant cannot see or that does not
    exist, and NothingToSearch (409) when a dataset asked for has no current version,
    when there is no list at all, or when no list holds any of the topics asked for.
    """
    known(requested, visible=visible, field=field)
    found, missing = chosen(lists, requested)
    if missing:
        raise NothingToSearch.on(
            field,
            f"nothing was searched: no current version of {', '.join(missing)} "
            f"(no import of it has finished); {LOAD_HINT}",
        )
    if not found:
        raise NothingToSearch.on(
            field, f"nothing was searched: no watchlist is loaded; {LOAD_HINT}"
        )
    if topics:
        narrowed = holding(found, topics, dataset_topics)
        if not narrowed:
            raise NothingToSearch.on(
                field,
                f"nothing was searched: none of the lists {', '.join(i.label for i in found)} "
                f"holds the topics {', '.join(sorted(topics))}",
            )
        found = narrowed
    return found
