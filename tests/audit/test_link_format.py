"""The links, head and seal MACs are computed exactly as docs/audit.md writes them down,
so chains stored by one version still verify under the next and anyone holding the key
can check them with a few lines of their own."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from casework.audit.chain import head_mac, keyed_link, legacy_link, seal_mac
from casework.audit.keys import Keyring

KEY = b"k" * 32
PREV = "ab" * 32
CONTENT = "cd" * 32


def _mac(message: str) -> str:
    return hmac.new(KEY, message.encode(), hashlib.sha256).hexdigest()


def test_links_head_and_seal_follow_the_documented_formats(tmp_path: Path):
    keys = Keyring(tmp_path / "keys", {"k1": KEY}, "k1")
    assert (
        legacy_link(PREV, 7, CONTENT) == hashlib.sha256(f"{PREV}:7:{CONTENT}".encode()).hexdigest()
    )
    assert keyed_link(keys, "k1", PREV, 7, CONTENT) == _mac(f"{PREV}:7:{CONTENT}")
    assert head_mac(keys, "k1", "tenant-1", 7, PREV) == _mac(f"head:tenant-1:7:{PREV}")
    erased = [{"seq": 3, "digest": CONTENT, "remains": PREV}]
    body = json.dumps(
        {"tenant": "tenant-1", "seq": 7, "link": PREV, "erased": erased},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert seal_mac(keys, "k1", "tenant-1", 7, PREV, erased) == _mac("seal:" + body)
