from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.dialects.sumsub.support import Setup, Sumsub
from tests.factories import TenantKit


@pytest.fixture
def sumsub(client: TestClient, kit: TenantKit) -> Sumsub:
    return Sumsub(client, kit.analyst)


@pytest.fixture
def setup(client: TestClient, kit: TenantKit) -> Setup:
    return Setup(client, kit)
