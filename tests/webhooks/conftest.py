"""A real webhook receiver on the loopback interface, and a database handle whose
settings allow-list it (loopback is refused by default)."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox, box_for
from casework.webhooks.outbound import OutboundClient

# path -> (status, extra headers) the receiver answers with
ROUTES: dict[str, tuple[int, dict[str, str]]] = {
    "/ok": (200, {}),
    "/fail": (500, {}),
    "/gone": (410, {}),
    "/redirect": (302, {"Location": "/ok"}),
    "/big": (500, {}),
}


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self) -> None:
        self.requests: queue.Queue[Received] = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.put(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                if self.path == "/trickle":
                    self._trickle()
                    return
                status, headers = ROUTES.get(self.path, (404, {}))
                reply = f"answer {status} from the test receiver".encode()
                if self.path == "/big":
                    reply = "é".encode() * 5000
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def _trickle(self) -> None:
                """A receiver that answers one byte at a time, slowly (the behaviour
                under test, not a wait), until the client hangs up."""
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                stop = threading.Event()
                try:
                    while not stop.wait(0.2):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                except OSError:
                    return

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the test output is for the tests."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def next(self) -> Received:
        """The next request the receiver got (waits a little, never forever)."""
        return self.requests.get(timeout=10)

    def assert_idle(self) -> None:
        assert self.requests.empty(), "the receiver got a request it should not have"


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()
    server.thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _drain(receiver: Receiver) -> None:
    """Each test starts with an empty request queue."""
    while not receiver.requests.empty():
        receiver.requests.get_nowait()


@pytest.fixture(scope="session")
def hooks_db(settings: Settings) -> Iterator[Database]:
    """The test database, with settings that let webhooks reach the loopback receiver."""
    database = Database(
        settings.model_copy(
            update={"webhook_allowed_hosts": ["127.0.0.1"], "webhook_timeout_seconds": 5.0}
        )
    )
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def box(settings: Settings) -> SecretBox:
    return box_for(settings)


@pytest.fixture(scope="session")
def sender() -> OutboundClient:
    return OutboundClient(allowed_hosts=["127.0.0.1"], timeout=5.0)


class OnPremReceiver:
    """A receiver on 127.0.0.2, the address the test app's settings allow-list, so
    webhooks sent by the app's own job runner reach it."""

    def __init__(self) -> None:
        self.requests: queue.Queue[tuple[dict[str, str], bytes]] = queue.Queue()
        got = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                got.put(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def onprem() -> Iterator[OnPremReceiver]:
    receiver = OnPremReceiver()
    receiver.thread.start()
    yield receiver
    receiver.server.shutdown()
    receiver.server.server_close()
    receiver.thread.join(10)
