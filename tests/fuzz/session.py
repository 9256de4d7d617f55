"""One fuzzing session: a real `casework serve`, and `st run` against it, then the server
stopped. Run as a process of its own, so that a network namespace can hold both (see
``test_schemathesis``): ``python -m tests.fuzz.session LOG -- ST_ARGS...``, where the
argument ``{openapi}`` stands for the server's OpenAPI URL.

The database, the settings and the fuzzer's credentials come in the environment. The
exit status is schemathesis's, or 3 when the server did not come up.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

BIN = Path(sys.executable).parent
READY_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(server: subprocess.Popen[bytes], url: str) -> bool:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        try:
            if httpx.get(f"{url}/healthz", timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)  # polling for the server to listen, not a guess at how long work takes
    return False


def main(log: Path, st_args: list[str]) -> int:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        server = subprocess.Popen(  # noqa: S603 (our own console script, fixed arguments)
            [str(BIN / "casework"), "serve", "--port", str(port)], stdout=out, stderr=out
        )
    try:
        if not wait_ready(server, url):
            print(f"casework serve did not answer on {url}; see {log}", file=sys.stderr)
            return 3
        schema = f"{url}/openapi.json"
        st = [str(BIN / "st"), *(schema if a == "{openapi}" else a for a in st_args)]
        return subprocess.run(st, check=False).returncode  # noqa: S603
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


if __name__ == "__main__":
    separator = sys.argv.index("--")
    sys.exit(main(Path(sys.argv[1]), sys.argv[separator + 1 :]))
