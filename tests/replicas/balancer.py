"""A client that spreads requests over the replicas as a load balancer does: each request
goes to the next replica in turn, and one whose connection fails (refused, reset, closed
before an answer) goes to the next replica instead.

Re-sending is safe only for reads and for creates sent with an ``Idempotency-Key``; the
tests send nothing else through it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

# A connection that failed before an answer came: the replica is gone or going.
CONNECTION_FAILURES = (
    httpx.ConnectError,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
TIMEOUT = httpx.Timeout(60.0, connect=10.0)


@dataclass
class Sent:
    """The answer to one request, where it came from, and the attempts that failed."""

    response: httpx.Response
    url: str
    failed: list[tuple[str, str]] = field(default_factory=list)  # (replica, error)


class Balancer:
    def __init__(self, urls: Callable[[], Sequence[str]], headers: dict[str, str]) -> None:
        """``urls`` gives the replicas' base URLs at the time of each request."""
        self._urls = urls
        self._headers = headers
        self._turn = itertools.count()
        self._turn_lock = threading.Lock()
        self._local = threading.local()
        self._clients: list[httpx.Client] = []
        self._clients_lock = threading.Lock()

    def _client(self) -> httpx.Client:
        """This thread's client, whose connections are kept alive between requests."""
        client: httpx.Client | None = getattr(self._local, "client", None)
        if client is None:
            client = httpx.Client(headers=self._headers, timeout=TIMEOUT)
            self._local.client = client
            with self._clients_lock:
                self._clients.append(client)
        return client

    def request(self, method: str, path: str, *, first: int | None = None, **kwargs: Any) -> Sent:
        """Send to replica ``first`` (default: the next in turn), then to each other
        replica while connections fail; raises the last failure if every one did."""
        urls = list(self._urls())
        if first is None:
            with self._turn_lock:
                first = next(self._turn)
        failed: list[tuple[str, str]] = []
        last: Exception | None = None
        for attempt in range(2 * len(urls)):
            url = urls[(first + attempt) % len(urls)]
            try:
                response = self._client().request(method, url + path, **kwargs)
            except CONNECTION_FAILURES as exc:
                failed.append((url, f"{type(exc).__name__}: {exc}"))
                last = exc
                continue
            return Sent(response, url, failed)
        assert last is not None
        raise last

    def close(self) -> None:
        with self._clients_lock:
            for client in self._clients:
                client.close()
            self._clients.clear()
