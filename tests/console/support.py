"""Driving the console as a browser would: a cookie jar per user, forms with CSRF."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from casework.infra.db import Database
from tests.factories import Member

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@contextmanager
def page_statements(db: Database) -> Iterator[list[str]]:
    """The statements a page runs itself. The in-process job runner's threads
    (named ``casework-*``) share the engine and run jobs on their own schedule."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not threading.current_thread().name.startswith("casework-"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def csrf_in(page: str) -> str:
    found = CSRF.search(page)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


class Browser:
    """One user's browser: its own cookies, and the CSRF token of its session."""

    def __init__(self, app: FastAPI) -> None:
        # Not entered as a context manager: the session-wide client already runs the
        # application's lifespan (its job runner), which this one shares.
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = ""

    def sign_in(
        self, member: Member, *, password: str = PASSWORD, next: str = ""
    ) -> httpx.Response:
        form = self.client.get("/console/login")
        response = self.client.post(
            "/console/login",
            data={
                "email": member.email,
                "password": password,
                "csrf_token": csrf_in(form.text),
                "next": next,
            },
        )
        if response.status_code == 303:
            self.csrf = self.client.cookies.get("csrftoken") or ""
        return response

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """A form post carrying this session's CSRF token, as the console's forms do."""
        return self.client.post(url, data={"csrf_token": self.csrf, **(data or {})}, **kwargs)
