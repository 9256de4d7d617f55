# ruff: noqa: RUF001
# (look-alike letters are this module's subject)
"""Emails are kept in one form (NFKC, case-folded), and an email that looks like another
user's of the same tenant is refused, so nobody can pass for a colleague."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.console.support import PASSWORD, Browser
from tests.factories import Member, TenantKit


def _create(client: TestClient, kit: TenantKit, email: str):
    body = {
        "email": email,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "role": "analyst",
        "password": PASSWORD,
    }
    return client.post("/v1/users", json=body, headers=kit.admin.headers)


def _local() -> str:
    # Letters only in the random part: digits and letters have look-alikes of their own.
    return "mira" + "".join(secrets.choice("bcefghjkpqrtvwxyz") for _ in range(8))


def test_full_width_and_upper_case_are_stored_in_the_one_form(client: TestClient, kit: TenantKit):
    local = _local()
    wide = "".join(chr(ord(c) - 0x61 + 0xFF41) for c in local)
    r = _create(client, kit, f"{wide.upper()}@Example.TEST")
    assert r.status_code == 201, r.text
    assert r.json()["email"] == f"{local}@example.test"


@pytest.mark.parametrize(
    "disguise",
    [
        pytest.param(lambda e: e.replace("a", "а", 1), id="cyrillic-a"),
        pytest.param(
            lambda e: "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in e),
            id="full-width",
        ),
        pytest.param(lambda e: e.replace("m", "rn", 1), id="rn-for-m"),
        pytest.param(lambda e: e.upper(), id="upper-case"),
    ],
)
def test_an_email_that_looks_like_a_colleagues_is_refused(
    client: TestClient, db: Database, kit: TenantKit, other_kit: TenantKit, disguise
):
    email = f"{_local()}@example.test"
    assert _create(client, kit, email).status_code == 201
    lookalike = disguise(email)
    assert lookalike != email
    r = _create(client, kit, lookalike)
    assert r.status_code == 409, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["email"]
    listed = client.get("/v1/users", params={"q": "@example.test"}, headers=kit.admin.headers)
    assert [u["email"] for u in listed.json()["items"] if "mira" in u["email"]] == [email]
    # Another tenant's users are no one's colleagues here.
    assert _create(client, other_kit, lookalike).status_code == 201


def test_sign_in_finds_the_user_whatever_form_the_email_is_typed_in(
    client: TestClient, app, kit: TenantKit
):
    email = f"{_local()}@example.test"
    assert _create(client, kit, email).status_code == 201
    typed = "".join(chr(ord(c) + 0xFEE0) if c.isalpha() else c for c in email).upper()
    member = Member("", typed, "", "", "", "", "")
    assert Browser(app).sign_in(member).status_code == 303
