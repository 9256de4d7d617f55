"""A news source that holds each search until the test lets it go, so that a test knows
which worker is in the middle of a check and can kill it there.

A worker names it with ``CASEWORK_NEWS_PROVIDER=tests.replicas.held_news:HeldNews``;
``REPLICAS_NEWS_GATE`` is a directory. A search writes ``held-<pid>`` there and waits
until the file ``open`` appears, then finds no articles.
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from casework.checks.runners.news import Article, NewsUnavailable

GATE = "REPLICAS_NEWS_GATE"
HOLD_SECONDS = 120.0


class HeldNews:
    name = "held"

    def __init__(self) -> None:
        self.gate = Path(os.environ[GATE])

    def search(self, subject: Any, *, since: date | None) -> list[Article]:
        (self.gate / f"held-{os.getpid()}").touch()
        deadline = time.monotonic() + HOLD_SECONDS
        while not (self.gate / "open").exists():
            if time.monotonic() > deadline:
                raise NewsUnavailable("the test never let the search go")
            time.sleep(0.05)  # polling the test's signal, as a slow source would keep us
        return []
