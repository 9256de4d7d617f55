"""The migrations build the schema the models describe, and walk down and up again."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from casework.migrations import alembic_config, upgrade
from casework.models import Base
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def scratch_engine(tmp_path, backend: str) -> Iterator[Engine]:
    """An empty database of the backend under test."""
    if backend == "sqlite":
        engine = create_engine(f"sqlite:///{tmp_path / 'scratch.db'}")
        yield engine
        engine.dispose()
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"casework_mig_{os.getpid()}_{secrets.token_hex(4)}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(admin.url.set(database=name))
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _run(engine: Engine, verb: str, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, verb)(config, revision)


def test_schema_matches_models(scratch_engine: Engine):
    upgrade(scratch_engine)
    with scratch_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_up_again(scratch_engine: Engine):
    upgrade(scratch_engine)
    _run(scratch_engine, "downgrade", "base")
    upgrade(scratch_engine)


def test_existing_builtin_roles_gain_screening_permission(scratch_engine: Engine):
    _run(scratch_engine, "upgrade", "0001")
    with scratch_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, slug, name, default_currency, settings, "
                "created_at) VALUES ('t1', 't1', 'T', 'EUR', '{}', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO roles (id, tenant_id, slug, name, permissions, is_builtin, "
                "created_at, updated_at) VALUES ('r1', 't1', 'viewer', 'Viewer', "
                "'[\"case.read\"]', true, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP), "
                "('r2', 't1', 'custom', 'Custom', '[\"case.read\"]', false, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
    upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT slug, permissions FROM roles")).all())
    as_lists = {
        k: v if isinstance(v, list) else __import__("json").loads(v) for k, v in rows.items()
    }
    assert as_lists == {"viewer": ["case.read", "screening.run"], "custom": ["case.read"]}


def test_existing_customers_are_numbered_and_the_counters_continue(scratch_engine: Engine):
    _run(scratch_engine, "upgrade", "0011")
    with scratch_engine.begin() as conn:
        for tenant in ("t1", "t2"):
            conn.execute(
                text(
                    "INSERT INTO tenants (id, slug, name, default_currency, settings, created_at) "
                    "VALUES (:t, :t, 'T', 'EUR', '{}', CURRENT_TIMESTAMP)"
                ),
                {"t": tenant},
            )
        for n, (customer, tenant, created) in enumerate(
            [("c2", "t1", "2026-01-02"), ("c1", "t1", "2026-01-01"), ("c3", "t2", "2026-01-03")]
        ):
            conn.execute(
                text(
                    "INSERT INTO customers (id, tenant_id, customer_type, full_name, full_name_en, "
                    "input_details, created_at, updated_at) VALUES "
                    "(:c, :t, 'INDIVIDUAL', :n, :n, '{}', :at, :at)"
                ),
                {"c": customer, "t": tenant, "n": f"N{n}", "at": f"{created} 00:00:00"},
            )
    upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        numbers = dict(conn.execute(text("SELECT id, number FROM customers")).all())
        counters = set(
            conn.execute(
                text(
                    "SELECT tenant_id, name, value FROM tenant_counters WHERE name <> 'case_number'"
                )
            ).all()
        )
    assert numbers == {"c1": 1, "c2": 2, "c3": 1}
    assert counters == {
        ("t1", "customer_number", 2),
        ("t2", "customer_number", 1),
        ("t1", "document_number", 0),
        ("t2", "document_number", 0),
        ("t1", "check_number", 0),
        ("t2", "check_number", 0),
        # Reports (0020) are numbered from 1 in every tenant that exists by then.
        ("t1", "report_number", 0),
        ("t2", "report_number", 0),
    }


def test_stored_emails_are_normalised_unless_two_users_would_share_one(scratch_engine: Engine):
    _run(scratch_engine, "upgrade", "0016")
    with scratch_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, slug, name, default_currency, settings, created_at) "
                "VALUES ('t1', 't1', 'T', 'EUR', '{}', CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO roles (id, tenant_id, slug, name, permissions, is_builtin, "
                "created_at, updated_at) VALUES ('r1', 't1', 'viewer', 'Viewer', '[]', true, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        for user_id, email in [
            ("u1", "\uff41nna@example.test"),  # full-width a: becomes anna@
            ("u2", "Stra\u00dfe@example.test"),  # sharp s: becomes strasse@
            ("u3", "bob@example.test"),  # already normal
            ("u4", "\uff42ob@example.test"),  # would become u3's email: left alone
        ]:
            conn.execute(
                text(
                    "INSERT INTO users (id, tenant_id, email, first_name, last_name, role_id, "
                    "is_active, failed_logins, created_at, updated_at) VALUES (:id, 't1', :e, "
                    "'A', 'B', 'r1', true, 0, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": user_id, "e": email},
            )
    upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        emails = dict(conn.execute(text("SELECT id, email FROM users")).all())
    assert emails == {
        "u1": "anna@example.test",
        "u2": "strasse@example.test",
        "u3": "bob@example.test",
        "u4": "\uff42ob@example.test",
    }


def test_existing_builtin_writers_gain_report_writing(scratch_engine: Engine):
    _run(scratch_engine, "upgrade", "0019")
    with scratch_engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO tenants (id, slug, name, default_currency, settings, "
                "created_at) VALUES ('t1', 't1', 'T', 'EUR', '{}', CURRENT_TIMESTAMP)"
            )
        )
        for role_id, slug, builtin in (
            ("r1", "analyst", True),
            ("r2", "viewer", True),
            ("r3", "custom", False),
        ):
            conn.execute(
                text(
                    "INSERT INTO roles (id, tenant_id, slug, name, permissions, is_builtin, "
                    "created_at, updated_at) VALUES (:id, 't1', :slug, :slug, "
                    "'[\"case.read\"]', :builtin, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"id": role_id, "slug": slug, "builtin": builtin},
            )
    upgrade(scratch_engine)
    with scratch_engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT slug, permissions FROM roles")).all())
        counters = conn.execute(
            text("SELECT value FROM tenant_counters WHERE name = 'report_number'")
        ).all()
    as_lists = {k: v if isinstance(v, list) else json.loads(v) for k, v in rows.items()}
    assert as_lists == {
        "analyst": ["case.read", "report.write"],
        "viewer": ["case.read"],
        "custom": ["case.read"],
    }
    assert counters == [(0,)]
