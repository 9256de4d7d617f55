"""A checkpoint line is taken only whole and well formed, and only with a signature by a
key the reader was given; each refusal says what is wrong and, in a file, where."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from casework.audit.checkpoints import (
    FORMAT,
    Checkpoint,
    CheckpointError,
    Signer,
    check_signature,
    fingerprint,
    parse,
    read_file,
)

LINK = "ab" * 32
SIGNER = Signer(Ed25519PrivateKey.generate())
KEYS = {SIGNER.key: SIGNER.public_key}


def _signed(**changes: object) -> dict[str, object]:
    checkpoint = SIGNER.sign(
        tenant="t-1", seq=7, link=LINK, at=datetime(2026, 3, 1, 12, tzinfo=UTC)
    )
    return {**json.loads(checkpoint.line()), **changes}


def _line(**changes: object) -> str:
    return json.dumps(_signed(**changes))


def test_a_signed_line_reads_back_whole():
    checkpoint = parse(_line())
    assert checkpoint == Checkpoint(
        tenant="t-1",
        seq=7,
        link=LINK,
        time="2026-03-01T12:00:00Z",
        key=SIGNER.key,
        signature=_signed()["signature"],  # type: ignore[arg-type]
    )
    check_signature(checkpoint, KEYS)
    assert parse(_line(seq=0)).seq == 0  # the empty chain's position is a position


def test_the_signer_writes_the_time_in_utc_and_names_its_key():
    at = datetime(2026, 3, 1, 14, 30, 5, 999, tzinfo=timezone(timedelta(hours=2)))
    checkpoint = SIGNER.sign(tenant="t-1", seq=3, link=LINK, at=at)
    assert checkpoint.time == "2026-03-01T12:30:05Z"
    assert checkpoint.key == fingerprint(SIGNER.public_key) == SIGNER.key
    assert len(SIGNER.key) == 16
    signature = base64.b64decode(checkpoint.signature, validate=True)
    SIGNER.public_key.verify(signature, checkpoint.message())
    assert "private" not in repr(SIGNER).replace("<private key hidden>", "")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{", "not JSON"),
        ("", "not JSON"),
        ("[1, 2]", f"not a {FORMAT} record"),
        ('"text"', f"not a {FORMAT} record"),
        (json.dumps({"tenant": "t-1"}), f"not a {FORMAT} record"),
        (_line(format="casework-audit-checkpoint/2"), f"not a {FORMAT} record"),
    ],
)
def test_what_is_no_checkpoint_record_is_named(text: str, reason: str):
    with pytest.raises(CheckpointError) as refused:
        parse(text)
    assert str(refused.value) == reason


@pytest.mark.parametrize(
    "changes",
    [
        {"tenant": None},
        {"tenant": 12},
        {"tenant": "tenant-é"},
        {"tenant": "t-1\nseq"},
        {"seq": None},
        {"seq": "7"},
        {"seq": 7.0},
        {"seq": True},
        {"seq": -1},
        {"link": None},
        {"link": LINK.upper()},
        {"link": LINK[:-1]},
        {"link": LINK + "0"},
        {"link": 5},
        {"time": None},
        {"time": "2026-03-01T12:00:00"},
        {"time": "2026-03-01 12:00:00Z"},
        {"time": "2026-03-01T12:00:00Z "},
        {"time": 1772366400},
        {"key": None},
        {"key": 1},
        {"signature": None},
        {"signature": ["AAAA"]},
    ],
    # Plain ids: a node id with a backslash or a non-ASCII letter is not found again
    # when a test is selected by its id (as the mutation runner does).
    ids=lambda changes: "-".join(
        f"{k}={re.sub(r'[^A-Za-z0-9.:-]+', '_', repr(v))}" for k, v in changes.items()
    ),
)
def test_each_malformed_field_refuses_the_line(changes: dict[str, object]):
    with pytest.raises(CheckpointError) as refused:
        parse(_line(**changes))
    assert str(refused.value) == "a field is missing or malformed"


@pytest.mark.parametrize("field", ["tenant", "seq", "link", "time", "key", "signature"])
def test_a_missing_field_refuses_the_line(field: str):
    data = _signed()
    del data[field]
    with pytest.raises(CheckpointError, match=r"^a field is missing or malformed$"):
        parse(json.dumps(data))


def test_only_a_given_key_checks_a_signature():
    checkpoint = parse(_line())
    with pytest.raises(CheckpointError) as refused:
        check_signature(checkpoint, {})
    assert str(refused.value) == f"signed by key {SIGNER.key}, which was not given"
    other = Signer(Ed25519PrivateKey.generate())
    with pytest.raises(CheckpointError, match=r"^the signature does not verify$"):
        check_signature(checkpoint, {SIGNER.key: other.public_key})


@pytest.mark.parametrize(
    "changes",
    [
        {"seq": 8},
        {"tenant": "t-2"},
        {"link": "cd" * 32},
        {"time": "2026-03-01T12:00:01Z"},
        {"signature": "not base64!"},
        {"signature": base64.b64encode(b"\0" * 64).decode()},
        {"signature": base64.b64encode(b"\0" * 10).decode()},
        {"signature": ""},
    ],
    ids=lambda changes: next(iter(changes)),
)
def test_a_changed_line_no_longer_verifies(changes: dict[str, object]):
    checkpoint = parse(_line(**changes))
    with pytest.raises(CheckpointError) as refused:
        check_signature(checkpoint, KEYS)
    assert str(refused.value) == "the signature does not verify"


def test_a_signature_is_strict_base64():
    """Characters outside base64 are not skipped over: the signature as written is the
    one checked, so a line cannot carry anything beside it."""
    signature = json.loads(_line())["signature"]
    for padded in (f"{signature[:8]}*{signature[8:]}", f" {signature}", f"{signature}\n"):
        with pytest.raises(CheckpointError, match=r"^the signature does not verify$"):
            check_signature(parse(_line(signature=padded)), KEYS)
    check_signature(parse(_line(signature=signature)), KEYS)


def test_a_file_is_read_in_order_past_blank_lines(tmp_path: Path):
    path = tmp_path / "checkpoints.jsonl"
    lines = [_line(), "", "   ", _line(seq=9, **_resigned(seq=9))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert [c.seq for c in read_file(path, KEYS)] == [7, 9]


def _resigned(**fields: object) -> dict[str, object]:
    base = {"tenant": "t-1", "seq": 7, "link": LINK, "at": datetime(2026, 3, 1, 12, tzinfo=UTC)}
    checkpoint = SIGNER.sign(**{**base, **fields})  # type: ignore[arg-type]
    return {"signature": checkpoint.signature}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("{", "not JSON"),
        (_line(seq=-1), "a field is missing or malformed"),
        (_line(seq=8), "the signature does not verify"),
    ],
)
def test_the_first_bad_line_of_a_file_is_named_by_its_number(tmp_path: Path, bad: str, reason: str):
    path = tmp_path / "checkpoints.jsonl"
    path.write_text("\n".join([_line(), "", bad, _line()]) + "\n", encoding="utf-8")
    with pytest.raises(CheckpointError) as refused:
        read_file(path, KEYS)
    assert str(refused.value) == f"{path} line 3: {reason}"
    assert refused.value.__cause__ is None


def test_an_empty_file_holds_no_checkpoints(tmp_path: Path):
    path = tmp_path / "checkpoints.jsonl"
    path.write_text("\n\n", encoding="utf-8")
    assert read_file(path, KEYS) == []


def test_a_checkpoint_is_timed_in_utc_whatever_the_local_zone(monkeypatch: pytest.MonkeyPatch):
    at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        signed = SIGNER.sign(tenant="t-1", seq=7, link=LINK, at=at)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert signed.time == "2026-03-01T12:00:00Z"
    check_signature(parse(signed.line()), KEYS)
