"""Limits on failed authentications, per client address and per credential.

Every refused credential (an API key, a client secret, a signed request, a console
password) counts against the address it came from and, where the credential has a
public half (a client id, an email), against that too. Once either has failed its
limit of times within a window (fixed, from its first failure), further attempts are
answered 429 with ``Retry-After`` for a window's length from the failure that
reached the limit, without the credential being checked at all. A client that does
not fail is never counted, and its lookup reads the limits in the same query.

The counters are rows of one table, bumped by an atomic upsert: every process of a
deployment on PostgreSQL shares them, and the processes of one machine on SQLite too.
An IPv6 client counts by its /64 network, which one subscriber is usually given whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import case, delete, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from casework.auth import repository
from casework.config import Settings
from casework.infra.dependencies import get_database, get_settings
from casework.infra.errors import DomainError
from casework.models import FailedAuthentications
from casework.models.base import utcnow

Row = FailedAuthentications


class TooManyAttempts(DomainError):
    status = 429
    title = "Too many failed attempts"
    type_slug = "too-many-attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many failed authentications from this address or with this credential; "
            f"try again in {retry_after} seconds"
        )
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def extra(self) -> dict[str, Any]:
        return {"retry_after": self.retry_after}


@dataclass(frozen=True)
class Limits:
    per_address: int
    per_credential: int
    window: timedelta

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        return cls(
            per_address=settings.auth_failures_per_address,
            per_credential=settings.auth_failures_per_credential,
            window=timedelta(seconds=settings.auth_failure_window_seconds),
        )


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def counted_address(host: str | None) -> str:
    """A client's address as counted: an IPv6 one by its /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class Attempt:
    """One try at authenticating: the counters it is held to."""

    address_key: str
    credential_key: str | None = None

    @classmethod
    def of(cls, request: Request, *, credential: tuple[str, str] | None = None) -> Attempt:
        """An attempt by the request's client: its address as the server sees it (the
        proxy's client when uvicorn trusts the proxy's forwarded headers)."""
        return cls.at(request.client.host if request.client else None, credential=credential)

    @classmethod
    def at(cls, host: str | None, *, credential: tuple[str, str] | None = None) -> Attempt:
        """``credential`` is (kind, public part): ("client", a client id), ("email", ...)."""
        return cls(
            address_key=_key("address", counted_address(host)),
            credential_key=_key(*credential) if credential else None,
        )

    @property
    def keys(self) -> list[str]:
        return [self.address_key] + ([self.credential_key] if self.credential_key else [])

    def params(self) -> dict[str, Any]:
        """The parameters of :data:`casework.auth.repository.BLOCKED_UNTIL`."""
        return {
            "limit_address": self.address_key,
            "limit_credential": self.credential_key or self.address_key,
            "limit_now": utcnow(),
        }


# No client in particular (a lookup outside any request): held to no limit.
NOBODY = Attempt(address_key="")


def no_later_than(blocked_until: datetime | None) -> None:
    """Raise :class:`TooManyAttempts` if a looked-up ``blocked_until`` is set."""
    if blocked_until is not None:
        raise TooManyAttempts(_seconds_until(blocked_until, utcnow()))


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))


def retry_after(session: Session, attempt: Attempt) -> int | None:
    """Seconds until ``attempt`` may be made, or None if it may be made now."""
    now = utcnow()
    until = repository.blocked_until(session, keys=attempt.keys, now=now)
    return None if until is None else _seconds_until(until, now)


def check(session: Session, attempt: Attempt) -> None:
    """Raise :class:`TooManyAttempts` if ``attempt`` is over a limit."""
    wait = retry_after(session, attempt)
    if wait is not None:
        raise TooManyAttempts(wait)


def record_failure(session: Session, attempt: Attempt, limits: Limits) -> None:
    """Count a refused attempt against its address and credential (the caller commits)."""
    dialect = session.get_bind().dialect.name
    now = utcnow()
    for key, limit in (
        (attempt.address_key, limits.per_address),
        (attempt.credential_key, limits.per_credential),
    ):
        if key is not None:
            session.execute(_bump(dialect, key, limit, now, limits.window))


def _bump(dialect: str, key: str, limit: int, now: datetime, window: timedelta) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    block_end = now + window
    restart = Row.window_start <= now - window
    failures = case((restart, 1), else_=Row.failures + 1)
    stmt = insert(Row).values(
        key=key,
        window_start=now,
        failures=1,
        blocked_until=block_end if limit <= 1 else None,
    )
    return stmt.on_conflict_do_update(
        index_elements=[Row.key],
        set_={
            "failures": failures,
            "window_start": case((restart, now), else_=Row.window_start),
            "blocked_until": case(
                (failures >= limit, block_end), (restart, None), else_=Row.blocked_until
            ),
        },
    )


def refused(request: Request, attempt: Attempt) -> None:
    """Count a refused attempt, in a short transaction of its own: the request's own
    work (if any) is not done, and the count must stick whatever the request does.
    An attempt already over a limit is not counted again but answered 429."""
    with get_database(request).transaction() as session:
        check(session, attempt)
        record_failure(session, attempt, Limits.of(get_settings(request)))


def forget_expired(session: Session, *, window: timedelta) -> int:
    """Delete the counters that no longer count anything; how many."""
    now = utcnow()
    result = session.execute(
        delete(Row).where(
            Row.window_start <= now - window,
            or_(Row.blocked_until.is_(None), Row.blocked_until <= now),
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def expired_exist(session: Session, *, window: timedelta) -> bool:
    now = utcnow()
    return repository.spent_failures_exist(session, window_start_before=now - window, now=now)
