"""The README's walkthrough, run as written: a fresh `casework serve` on the embedded
default (the demo bank loads on first start), its printed API key as KEY, and the
README's block in bash, which stops at the first command that fails."""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_serve import LINE_SECONDS, ROOT, SOURCE, free_port, serve

pytestmark = pytest.mark.live

BLOCK = re.compile(r"<!-- walkthrough: begin -->\n```sh\n(.*?)```\n<!-- walkthrough: end -->", re.S)


def walkthrough() -> str:
    found = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "the README has a walkthrough block"
    return found.group(1)


def _lines_until(server: subprocess.Popen[str], marker: str) -> list[str]:
    """The server's stdout lines up to the one starting with ``marker``."""
    assert server.stdout is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        while not lines or not lines[-1].startswith(marker):
            if not selector.select(timeout=LINE_SECONDS):
                pytest.fail(f"casework serve printed no {marker!r} in {LINE_SECONDS:.0f}s")
            line = server.stdout.readline()
            if not line:
                pytest.fail(f"casework serve ended: {lines} {server.communicate()[1]}")
            lines.append(line.rstrip("\n"))
    return lines


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A first `casework serve` on an empty data directory: its URL and demo API key."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")},
        "CASEWORK_DATA_DIR": str(tmp_path / "data"),
        "CASEWORK_PORT": str(port),
        "CASEWORK_WEBHOOK_ALLOWED_HOSTS": '["127.0.0.1"]',
        "CASEWORK_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(SOURCE), str(ROOT)]),
    }
    server = serve(env)
    try:
        printed = _lines_until(server, "casework listening on")
        keys = [line.split()[-1] for line in printed if line.strip().startswith("api_key:")]
        assert len(keys) == 1, printed
        yield f"http://127.0.0.1:{port}", keys[0]
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=LINE_SECONDS)


@pytest.mark.skipif(not (shutil.which("jq") and shutil.which("curl")), reason="needs curl and jq")
def test_the_readme_walkthrough_runs_as_written(demo_server: tuple[str, str], tmp_path: Path):
    base, key = demo_server
    script = "set -euo pipefail\ncd " + str(ROOT) + "\n" + walkthrough()
    env = {**os.environ, "KEY": key, "BASE": base, "PYTHONPATH": ""}
    bash = shutil.which("bash")
    assert bash is not None
    done = subprocess.run(  # noqa: S603 (bash running the README's own block)
        [bash, "-c", script.replace("webhooks.log", str(tmp_path / "webhooks.log"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    out = done.stdout.splitlines()
    assert out[:5] == [
        "amaka@demo.casework.test",
        "Three deposits of 9,500 EUR in two days.",
        "true",
        "in_progress",
        "checklist",
    ]
    assert out[5] == "resolved"
    assert any(line.startswith("case.resolved: ") for line in out)
    assert "Radomir Quellvashin" in out
    assert any(line.startswith("case.completed ") for line in out)
    assert any(line.startswith("SANCTIONS: COMPLETED") for line in out)
    assert out[-2:] == ["9500.0000", "1"]
