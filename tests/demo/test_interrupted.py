"""A demo load that was interrupted is loaded again from the start on the next start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.config import Settings
from casework.demo import DEMO_SLUG, _build, ensure_demo, needs_demo, watchlist
from casework.infra.db import Database
from casework.infra.secrets_box import box_for
from casework.migrations import upgrade
from casework.models import Case, Tenant, User, WatchlistDataset, WatchlistVersion
from casework.models.base import utcnow
from tests.conftest import _postgres_database
from tests.factories import make_tenant_kit


@pytest.fixture
def fresh(tmp_path: Path, backend: str) -> Iterator[Database]:
    urls = _postgres_database() if backend == "postgresql" else iter([f"sqlite:///{tmp_path}/c.db"])
    for url in urls:
        database = Database(
            Settings(database_url=url, data_dir=tmp_path / "data", job_runner="embedded")
        )
        upgrade(database.engine)
        yield database
        database.dispose()


def _counts(database: Database) -> tuple[int, int, int, int]:
    with database.transaction(write=False) as session:
        return (
            session.scalar(select(func.count()).select_from(Tenant).where(Tenant.slug == DEMO_SLUG))
            or 0,
            session.scalar(select(func.count()).select_from(User)) or 0,
            session.scalar(select(func.count()).select_from(Case)) or 0,
            session.scalar(
                select(func.count())
                .select_from(WatchlistVersion)
                .join(WatchlistDataset, WatchlistDataset.id == WatchlistVersion.dataset_id)
                .where(WatchlistDataset.name == watchlist.DATASET)
            )
            or 0,
        )


def test_an_interrupted_load_is_removed_and_loaded_again(fresh: Database):
    assert needs_demo(fresh)
    # What a process killed during the load leaves: the tenant, its team and client and
    # the list's first version, but none of the cases, and no logins were ever shown.
    with fresh.transaction() as session:
        _build(session, box_for(fresh.settings), founded=utcnow())
    assert needs_demo(fresh)

    report = ensure_demo(fresh)
    assert report.created and report.logins and report.api_client
    tenants, users, cases, versions = _counts(fresh)
    assert tenants == 1 and users == len(report.logins) and cases == report.cases > 0
    assert versions >= 2  # the list's weekly issues, from a fresh dataset
    assert not needs_demo(fresh)
    again = ensure_demo(fresh)
    assert not again.created
    assert _counts(fresh) == (tenants, users, cases, versions)


def test_a_finished_demo_or_another_tenant_is_left_alone(fresh: Database):
    make_tenant_kit(fresh)
    assert not needs_demo(fresh)
