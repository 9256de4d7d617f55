"""The MAC keys: read once, found again after another process rotated the file, and
never one that the file does not hold."""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path

import pytest

from casework.audit.keys import AuditKeyError, Keyring, load
from casework.config import Settings

FIRST, SECOND = b"1" * 32, b"2" * 32


def _line(key_id: str, key: bytes) -> str:
    return f"{key_id} {base64.urlsafe_b64encode(key).rstrip(b'=').decode()}\n"


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "audit-chain.keys"
    path.write_text("# keys\n" + _line("k1", FIRST))
    return path


def _ring(key_file: Path, tmp_path: Path) -> Keyring:
    return load(Settings(data_dir=tmp_path, audit_key_file=key_file))


def test_a_link_is_the_hmac_sha256_of_the_named_key(key_file: Path, tmp_path: Path):
    ring = _ring(key_file, tmp_path)
    assert ring.current_id == "k1"
    assert ring.mac("k1", "0:1:abc") == _mac(FIRST, "0:1:abc")


def test_a_key_read_once_is_used_without_reading_the_file_again(key_file: Path, tmp_path: Path):
    ring = _ring(key_file, tmp_path)
    key_file.unlink()
    assert ring.knows("k1")
    assert ring.mac("k1", "m") == _mac(FIRST, "m")


def test_a_key_another_process_appended_is_found(key_file: Path, tmp_path: Path):
    ring = _ring(key_file, tmp_path)
    with key_file.open("a") as handle:
        handle.write(_line("k2", SECOND))
    assert ring.mac("k2", "m") == _mac(SECOND, "m")
    again = _ring(key_file, tmp_path)
    with key_file.open("a") as handle:
        handle.write(_line("k3", FIRST[:16] + SECOND[:16]))
    assert again.knows("k3")
    assert again.mac("k3", "m") == _mac(FIRST[:16] + SECOND[:16], "m")
    assert again.mac("k1", "m") == _mac(FIRST, "m")


def test_a_key_the_file_lacks_is_unknown_and_makes_no_mac(key_file: Path, tmp_path: Path):
    ring = _ring(key_file, tmp_path)
    assert not ring.knows("k9")
    with pytest.raises(AuditKeyError, match="'k9' is not in"):
        ring.mac("k9", "m")
    assert ring.knows("k1")
