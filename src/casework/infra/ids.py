"""Public identifiers: 24 lowercase hex characters, ordered by creation time.

The first 12 hex digits are milliseconds since the epoch, the last 12 are random,
so ids sort by creation time and cannot be guessed from one another. Within one
process, ids made in the same millisecond still increase.
"""

from __future__ import annotations

import secrets
import threading
import time

_lock = threading.Lock()
_last = 0


def new_id() -> str:
    global _last
    with _lock:
        value = (int(time.time() * 1000) << 48) | secrets.randbits(48)
        if value <= _last:
            value = _last + 1
        _last = value
    return f"{value:024x}"


def is_public_id(value: str) -> bool:
    return len(value) == 24 and all(c in "0123456789abcdef" for c in value)
