"""A Sigma integration as Sigma's examples write one, against a real server: plain httpx
with the apiKey and apiSecret headers, paths with and without a trailing slash, no
redirect ever followed; and a refused request naming every field at fault at once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.dialects.sigma.support import assert_error, body, future, sigma
from tests.factories import TenantKit

PAST = "2020-01-31T09:00:00.000Z"
UNKNOWN = "0" * 24


@pytest.fixture
def http(live_server: str, kit: TenantKit) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, headers=sigma(kit.analyst), timeout=30) as client:
        yield client


def _answered_in_place(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert not r.history and "location" not in r.headers
    return dict(r.json())


@pytest.mark.parametrize("slash", ["", "/"], ids=["no-slash", "slash"])
def test_create_read_and_list_in_either_spelling(http: httpx.Client, kit: TenantKit, slash: str):
    created = _answered_in_place(
        http.post(f"/case-management/create{slash}", json=body(kit, dueDate=future())), 201
    )
    assert created["message"] == "Case created successfully"
    case_id = created["data"]["_id"]
    for read_slash in ("", "/"):
        read = _answered_in_place(http.get(f"/case-management/{case_id}{read_slash}"), 200)
        assert read["data"] == created["data"]
    listed = _answered_in_place(http.get(f"/case-management{slash}?limit=5"), 200)
    assert [c["_id"] for c in listed["data"]["cases"]] == [case_id]


def test_every_invalid_field_is_named_in_one_answer(http: httpx.Client, kit: TenantKit):
    sent = body(
        kit,
        dueDate=PAST,
        assignedTo=kit.viewer.user_id,  # a user whose role cannot take cases
        escalateTo=UNKNOWN,
        attachments=[UNKNOWN, "1" * 24],
    )
    answer = assert_error(http.post("/case-management/create", json=sent), 400)
    assert answer["errors"] == [
        {"field": "dueDate", "message": "must be in the future"},
        {"field": "assignedTo", "message": "this user lacks the case.assign permission"},
        {"field": "escalateTo", "message": f"no active user {UNKNOWN} in this tenant"},
        {"field": "attachments[0]", "message": f"no document {UNKNOWN} in this tenant"},
        {"field": "attachments[1]", "message": f"no document {'1' * 24} in this tenant"},
    ]
    assert answer["message"] == "dueDate: must be in the future (and 4 more)"


def test_a_body_refused_for_its_shape_also_names_the_users_it_names(
    http: httpx.Client, kit: TenantKit
):
    sent = body(kit, priority="urgent", title="", assignedTo=UNKNOWN, dueDate="next week")
    answer = assert_error(http.post("/case-management/create/", json=sent), 400)
    assert [e["field"] for e in answer["errors"]] == ["title", "priority", "dueDate", "assignedTo"]
    assert answer["errors"][-1]["message"] == f"no active user {UNKNOWN} in this tenant"


def test_a_refused_request_creates_nothing(http: httpx.Client, kit: TenantKit):
    http.post("/case-management/create", json=body(kit, dueDate=PAST, assignedTo=UNKNOWN))
    listed = _answered_in_place(http.get("/case-management"), 200)
    assert listed["data"]["pagination"]["total"] == 0
