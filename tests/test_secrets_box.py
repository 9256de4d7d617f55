"""Signing secrets are encrypted at rest with a key from the settings or the data dir."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from casework.config import Settings
from casework.infra.db import Database
from casework.infra.secrets_box import KEY_FILE, SecretBox, SecretBoxError, box_for
from tests.factories import TenantKit
from tests.webhooks.factories import make_endpoint


def test_embedded_key_is_made_once_and_private(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    sealed = box_for(settings).seal("whsec_abc")
    key_file = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    # A fresh process (no cache) finds the same key and opens what the first sealed.
    assert SecretBox(key.strip()).open(sealed) == "whsec_abc"
    assert box_for(Settings(data_dir=tmp_path / "data")).open(sealed) == "whsec_abc"
    assert key_file.read_bytes() == key
    assert [p.name for p in key_file.parent.iterdir()] == [KEY_FILE]


def test_configured_key_is_used_and_no_file_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    key = Fernet.generate_key()
    monkeypatch.setenv("CASEWORK_SECRET_KEY", key.decode())
    settings = Settings(data_dir=tmp_path)
    sealed = box_for(settings).seal("whsec_xyz")
    assert Fernet(key).decrypt(sealed.encode()) == b"whsec_xyz"
    assert not (tmp_path / KEY_FILE).exists()
    assert "whsec" not in repr(box_for(settings))
    assert key.decode() not in repr(settings)


def test_bad_key_and_foreign_ciphertext_are_clear_errors():
    with pytest.raises(SecretBoxError, match="not a Fernet key"):
        SecretBox(b"too short")
    other = SecretBox(Fernet.generate_key()).seal("whsec_abc")
    with pytest.raises(SecretBoxError, match="does not decrypt"):
        SecretBox(Fernet.generate_key()).open(other)


def test_stored_secrets_are_ciphertext(db: Database, kit: TenantKit):
    endpoint_id, secret = make_endpoint(db, tenant_id=kit.tenant_id, url="https://1.2.3.4/x")
    with db.transaction(write=False) as session:
        row = session.execute(
            text("SELECT * FROM webhook_endpoints WHERE id = :id"), {"id": endpoint_id}
        ).one()
    assert secret.removeprefix("whsec_") not in repr(row)
    assert box_for(db.settings).open(row.secret_encrypted) == secret
