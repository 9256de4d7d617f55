"""A small fictional watchlist, written as FollowTheMoney JSON lines for `casework lists
import --format ftm`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATASET = "replicas-watch"


def person(key: str, name: str, *, topics: tuple[str, ...] = ("sanction",)) -> dict[str, Any]:
    """A fictional listed person."""
    return {
        "id": key,
        "schema": "Person",
        "properties": {"name": [name], "topics": list(topics), "country": ["ge"]},
    }


def write_list(path: Path, *records: dict[str, Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path
