"""What the Sigma dialect tests share: credentials, a valid body, and the checks of
Sigma's answer and error shapes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response

from tests.factories import Member, TenantKit

DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def sigma(member: Member) -> dict[str, str]:
    return {"apiKey": member.client_id, "apiSecret": member.client_secret}


def future(days: int = 30) -> str:
    """A due date Sigma would write, ``days`` from now."""
    moment = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def body(kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    """A minimal valid create body, assigned to the tenant's supervisor."""
    value: dict[str, Any] = {
        "title": "Structuring pattern",
        "description": "Several deposits just under the reporting threshold.",
        "priority": "medium",
        "assignedTo": kit.supervisor.user_id,
        "module": "aml",
    }
    value.update(overrides)
    return {k: v for k, v in value.items() if v is not ...}


def create(client: TestClient, kit: TenantKit, **overrides: Any) -> dict[str, Any]:
    r = client.post(
        "/case-management/create", json=body(kit, **overrides), headers=sigma(kit.analyst)
    )
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def assert_error(
    response: Response, status: int, field: str | None = None, message: str | None = None
) -> dict[str, Any]:
    """Sigma's error shape; ``field`` must be among the errors named."""
    assert response.status_code == status, response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == {"message", "data", "errors"}
    assert answer["data"] is None
    assert isinstance(answer["message"], str) and answer["message"]
    assert all(set(e) == {"field", "message"} for e in answer["errors"])
    if field is not None:
        assert field in [e["field"] for e in answer["errors"]], answer
    if message is not None:
        assert answer["message"] == message
    return answer


def assert_same_shape(
    actual: Any, documented: Any, path: str = "$", nullable: frozenset[str] = frozenset()
) -> None:
    """Same keys, nesting and JSON types as the documented example; lists by their
    first element; ``nullable`` paths may also be null."""
    if actual is None and path in nullable:
        return
    if isinstance(documented, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(documented), (
            f"{path}: keys differ: extra {set(actual) - set(documented)}, "
            f"missing {set(documented) - set(actual)}"
        )
        for key, value in documented.items():
            assert_same_shape(actual[key], value, f"{path}.{key}", nullable)
    elif isinstance(documented, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not a list"
        if documented and actual:
            assert_same_shape(actual[0], documented[0], f"{path}[]", nullable)
    else:
        # bool is an int in Python, so types are compared exactly.
        assert type(actual) is type(documented), f"{path}: {actual!r} is not {type(documented)}"
