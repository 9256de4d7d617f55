from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.support import PASSWORD, Browser
from tests.factories import Member, TenantKit, make_tenant_kit


@pytest.fixture
def staff(db: Database) -> TenantKit:
    """A tenant whose members (admin, supervisor, analyst, viewer) can sign in."""
    return make_tenant_kit(db, password=PASSWORD)


@pytest.fixture
def other_staff(db: Database) -> TenantKit:
    return make_tenant_kit(db, password=PASSWORD)


@pytest.fixture
def browser(app: FastAPI, client: TestClient) -> Callable[[Member | None], Browser]:
    """A fresh browser, signed in as ``member`` when one is given."""

    def open_browser(member: Member | None = None) -> Browser:
        opened = Browser(app)
        if member is not None:
            response = opened.sign_in(member)
            assert response.status_code == 303, response.text
        return opened

    return open_browser
