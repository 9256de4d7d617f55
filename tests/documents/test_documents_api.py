"""Documents: upload, type sniffing, safe storage, download, limits, tenancy, and attaching
them to cases; on each document store (a local directory, an S3 bucket)."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import func, select

from casework.config import Settings
from casework.documents import service as document_service
from casework.infra.db import Database
from casework.infra.storage import Store
from casework.infra.storage.local import LocalStore
from casework.models import AuditEvent, Document
from tests.factories import Member, TenantKit

pytestmark = pytest.mark.every_storage


def _png() -> bytes:
    """A valid 1x1 RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PNG = _png()
# A minimal PDF, with the binary comment line real writers put after the header.
PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
TEXT = "Statement of funds\nÜberweisung: 12 000 EUR\n".encode()
CSV = b"date,amount,currency\n2024-01-02,12000.00,EUR\n2024-01-03,9.99,USD\n"


def _upload(
    client: TestClient,
    member: Member,
    filename: str,
    content: bytes,
    declared: str = "application/octet-stream",
    *,
    headers: dict[str, str] | None = None,
    **form: str,
) -> Response:
    return client.post(
        "/v1/documents",
        files={"file": (filename, content, declared)},
        data=form or None,
        headers={**member.headers, **(headers or {})},
    )


def _uploaded(client: TestClient, member: Member, filename: str, content: bytes, **kw: Any) -> dict:
    r = _upload(client, member, filename, content, **kw)
    assert r.status_code == 201, r.text
    return r.json()


BOUNDARY = "casework-test-boundary"


def _raw_multipart(filename_param: str, content: bytes) -> bytes:
    """A multipart body with the filename parameter exactly as given (no client escaping)."""
    return (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename_param}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )


def _multipart_headers(member: Member) -> dict[str, str]:
    return {**member.headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def stored_keys(store: Store) -> set[str]:
    """The key of every object in the store."""
    return set(store.listing())


def _document_count(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        count = session.scalar(
            select(func.count()).select_from(Document).where(Document.tenant_id == tenant_id)
        )
        return count or 0


def _audit_actions(db: Database, tenant_id: str) -> list[str]:
    with db.transaction(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.tenant_id == tenant_id)
                .order_by(AuditEvent.seq)
            )
        )


def storage_key(db: Database, document_id: str) -> str:
    with db.transaction(write=False) as session:
        document = session.get(Document, document_id)
        assert document is not None
        return document.storage_key


# --- Upload and type sniffing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "declared", "expected_type"),
    [
        ("scan.png", PNG, "image/png", "image/png"),
        ("statement.pdf", PDF, "application/pdf", "application/pdf"),
        ("notes.txt", TEXT, "text/plain", "text/plain"),
        ("transactions.csv", CSV, "text/csv", "text/csv"),
    ],
)
def test_upload_records_sniffed_type_size_and_hash(
    client: TestClient,
    kit: TenantKit,
    filename: str,
    content: bytes,
    declared: str,
    expected_type: str,
):
    doc = _uploaded(client, kit.analyst, filename, content, declared=declared)
    assert doc["filename"] == filename
    assert doc["content_type"] == expected_type
    assert doc["size"] == len(content)
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    assert doc["customer_id"] is None
    assert doc["uploaded_by"]["id"] == kit.analyst.user_id
    assert len(doc["id"]) == 24
    fetched = client.get(f"/v1/documents/{doc['id']}", headers=kit.viewer.headers)
    assert fetched.status_code == 200
    assert fetched.json() == doc


@pytest.mark.parametrize(
    ("filename", "content", "declared", "expected_type"),
    [
        # A PNG that claims to be text is still a PNG...
        ("innocent.txt", PNG, "text/plain", "image/png"),
        # ...and text that claims to be a PNG is text.
        ("picture.png", TEXT, "image/png", "text/plain"),
        ("report.pdf", b"<html><script>alert(1)</script></html>", "application/pdf", "text/plain"),
        ("blob.bin", bytes(range(256)) * 4, "text/plain", "application/octet-stream"),
    ],
)
def test_content_type_comes_from_the_bytes_not_the_client(
    client: TestClient,
    kit: TenantKit,
    filename: str,
    content: bytes,
    declared: str,
    expected_type: str,
):
    doc = _uploaded(client, kit.analyst, filename, content, declared=declared)
    assert doc["content_type"] == expected_type
    download = client.get(f"/v1/documents/{doc['id']}/content", headers=kit.viewer.headers)
    assert download.headers["content-type"].split(";")[0] == expected_type


def test_csv_type_needs_csv_name_and_text_content(client: TestClient, kit: TenantKit):
    assert _uploaded(client, kit.analyst, "EXPORT.CSV", CSV)["content_type"] == "text/csv"
    # The same text under another name is plain text; a PNG named .csv is a PNG.
    assert _uploaded(client, kit.analyst, "export.txt", CSV)["content_type"] == "text/plain"
    assert _uploaded(client, kit.analyst, "export.csv", PNG)["content_type"] == "image/png"


CHUNK = 1024 * 1024  # how much the server reads at a time


def test_multibyte_character_split_across_read_chunks_is_still_text(
    client: TestClient, kit: TenantKit
):
    content = b"a" * (CHUNK - 1) + "é".encode() + b" tail\n"
    assert content[CHUNK - 1 : CHUNK + 1] == "é".encode()
    doc = _uploaded(client, kit.analyst, "long.txt", content)
    assert doc["content_type"] == "text/plain"
    assert doc["size"] == len(content)


@pytest.mark.parametrize(
    "content",
    [
        b"a" * (CHUNK + 10) + b"\xff\xfe broken",  # invalid UTF-8 after the first chunk
        b"a" * (CHUNK + 10) + b"\x00\x01\x02",  # NUL bytes after the first chunk
        b"plain start " + "é".encode()[:1],  # ends inside a multibyte character
    ],
    ids=["invalid-utf8-late", "nul-late", "truncated-utf8"],
)
def test_binary_found_anywhere_makes_octet_stream(
    client: TestClient, kit: TenantKit, content: bytes
):
    doc = _uploaded(client, kit.analyst, "data.txt", content, declared="text/plain")
    assert doc["content_type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("filename", "content", "expected_type"),
    [
        # Valid UTF-8 text without NUL bytes cannot be a BMP or an MP3, whose headers hold
        # binary fields; their two- and three-byte signatures also start ordinary text.
        ("measurements.csv", b"BMI,height_cm,weight_kg\n22.5,180,73\n", "text/csv"),
        ("notes.txt", b"ID3 tag review: done\n", "text/plain"),
    ],
)
def test_text_that_starts_like_a_short_binary_signature_is_text(
    client: TestClient, kit: TenantKit, filename: str, content: bytes, expected_type: str
):
    doc = _uploaded(client, kit.analyst, filename, content, declared="text/plain")
    assert doc["content_type"] == expected_type


def test_upload_writes_an_audit_event(client: TestClient, kit: TenantKit, db: Database):
    doc = _uploaded(client, kit.analyst, "scan.png", PNG)
    with db.transaction(write=False) as session:
        events = list(
            session.scalars(
                select(AuditEvent).where(
                    AuditEvent.tenant_id == kit.tenant_id,
                    AuditEvent.action == "document.uploaded",
                )
            )
        )
    assert len(events) == 1
    assert events[0].entity_id == doc["id"]
    assert events[0].actor_user_id == kit.analyst.user_id
    assert events[0].after == {
        "filename": "scan.png",
        "content_type": "image/png",
        "size": len(PNG),
        "sha256": hashlib.sha256(PNG).hexdigest(),
        "customer_id": None,
        "delete_after": None,
    }


# --- Filenames and where bytes land ---------------------------------------------------------


def test_path_traversal_name_is_reduced_to_a_basename_and_never_used_on_disk(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, store: Store
):
    before = stored_keys(store)
    content = b"root:x:0:0:root:/root:/bin/bash\n"
    doc = _uploaded(client, kit.analyst, "../../etc/passwd", content)

    assert doc["filename"] == "passwd"
    assert "/" not in doc["filename"] and "\\" not in doc["filename"]

    # Exactly one new object, named by the generated id.
    key = storage_key(db, doc["id"])
    assert stored_keys(store) - before == {key}
    assert key == f"{doc['id'][-2:]}/{doc['id']}"
    assert store.read(key) == content
    if isinstance(store, LocalStore):
        path = store.path_for(key)
        assert path.resolve().is_relative_to(settings.documents_dir.resolve())
        # Nothing was written where the client's name pointed.
        assert not (settings.documents_dir / "../../etc/passwd").exists()
    assert not list(settings.data_dir.rglob("passwd"))
    assert not any("passwd" in k for k in store.listing())


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/absolute/path/report.pdf", "report.pdf"),
        ("..", "document"),
        ("dir/", "document"),
        ("  spaced name.txt  ", "spaced name.txt"),
    ],
)
def test_filenames_are_sanitized(
    client: TestClient, kit: TenantKit, db: Database, sent: str, stored: str
):
    doc = _uploaded(client, kit.analyst, sent, TEXT)
    assert doc["filename"] == stored
    assert storage_key(db, doc["id"]).rpartition("/")[2] == doc["id"]


def test_overlong_filename_is_truncated_keeping_its_extension(client: TestClient, kit: TenantKit):
    doc = _uploaded(client, kit.analyst, "a" * 400 + ".pdf", PDF)
    assert len(doc["filename"]) == 255
    assert doc["filename"].endswith("a.pdf")


def test_same_client_name_twice_gives_two_files(
    client: TestClient, kit: TenantKit, db: Database, store: Store
):
    first = _uploaded(client, kit.analyst, "same.txt", b"first version\n")
    second = _uploaded(client, kit.analyst, "same.txt", b"second version\n")
    assert first["id"] != second["id"]
    assert store.read(storage_key(db, first["id"])) == b"first version\n"
    assert store.read(storage_key(db, second["id"])) == b"second version\n"


# --- Download ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content"),
    [("scan.png", PNG), ("statement.pdf", PDF), ("transactions.csv", CSV)],
)
def test_download_returns_identical_bytes_as_an_attachment(
    client: TestClient, kit: TenantKit, filename: str, content: bytes
):
    doc = _uploaded(client, kit.analyst, filename, content)
    r = client.get(f"/v1/documents/{doc['id']}/content", headers=kit.viewer.headers)
    assert r.status_code == 200
    assert r.content == content
    assert r.headers["content-length"] == str(len(content))
    assert hashlib.sha256(r.content).hexdigest() == doc["sha256"]
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{filename}"' in disposition
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in r.headers["cache-control"]
    assert r.headers["content-type"].split(";")[0] == doc["content_type"]


def test_download_of_non_ascii_name_has_ascii_fallback_and_utf8_name(
    client: TestClient, kit: TenantKit
):
    doc = _uploaded(client, kit.analyst, "Звіт.pdf", PDF)
    assert doc["filename"] == "Звіт.pdf"
    r = client.get(f"/v1/documents/{doc['id']}/content", headers=kit.viewer.headers)
    disposition = r.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Zvit.pdf"' in disposition
    assert "filename*=UTF-8''%D0%97%D0%B2%D1%96%D1%82.pdf" in disposition
    assert r.content == PDF


def test_quotes_in_a_filename_cannot_break_out_of_content_disposition(
    client: TestClient, kit: TenantKit
):
    name = 'evil"; filename="x.html'
    body = _raw_multipart(name.replace('"', '\\"'), TEXT)
    r = client.post("/v1/documents", content=body, headers=_multipart_headers(kit.analyst))
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["filename"] == name
    download = client.get(f"/v1/documents/{doc['id']}/content", headers=kit.viewer.headers)
    # Exactly two parameters: a quoted ASCII fallback without quotes or backslashes, and
    # the RFC 5987 form, which round-trips the exact name.
    match = re.fullmatch(
        r"attachment; filename=\"([^\"\\]*)\"; filename\*=UTF-8''([A-Za-z0-9_.~%-]+)",
        download.headers["content-disposition"],
    )
    assert match is not None, download.headers["content-disposition"]
    assert match.group(1) == "evil_; filename=_x.html"
    assert unquote(match.group(2)) == name


# --- Size limits and empty files ------------------------------------------------------------


def test_file_of_exactly_the_upload_limit_is_accepted(
    client: TestClient, kit: TenantKit, settings: Settings, db: Database, store: Store
):
    content = b"x" * settings.max_upload_bytes
    doc = _uploaded(client, kit.analyst, "big.txt", content)
    assert doc["size"] == settings.max_upload_bytes
    assert doc["sha256"] == hashlib.sha256(content).hexdigest()
    stored = store.open(storage_key(db, doc["id"]))
    stored.close()
    assert stored.size == settings.max_upload_bytes


def test_one_byte_over_the_limit_is_413_and_leaves_nothing_behind(
    client: TestClient, kit: TenantKit, settings: Settings, db: Database, store: Store
):
    files_before = stored_keys(store)
    audit_before = _audit_actions(db, kit.tenant_id)

    r = _upload(client, kit.analyst, "big.txt", b"x" * (settings.max_upload_bytes + 1))

    assert r.status_code == 413, r.text
    problem = r.json()
    assert problem["type"].endswith("payload-too-large")
    assert {e["field"] for e in problem["errors"]} & {"file", "body"}
    assert _document_count(db, kit.tenant_id) == 0
    assert _audit_actions(db, kit.tenant_id) == audit_before
    assert stored_keys(store) == files_before


def test_body_declared_over_the_multipart_allowance_is_refused_before_reading(
    client: TestClient, kit: TenantKit, settings: Settings, db: Database, store: Store
):
    files_before = stored_keys(store)
    # The middleware allows the upload limit plus 64 KiB of multipart framing.
    content = b"x" * (settings.max_upload_bytes + 64 * 1024)
    r = _upload(client, kit.analyst, "huge.txt", content)
    assert r.status_code == 413, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["body"]
    assert _document_count(db, kit.tenant_id) == 0
    assert stored_keys(store) == files_before


def test_streamed_body_without_length_is_cut_off_by_the_body_limit(
    client: TestClient, kit: TenantKit, settings: Settings, db: Database, store: Store
):
    """No Content-Length (chunked): the middleware counts bytes as they arrive and refuses
    with 413 on `body` once past the upload limit plus the multipart allowance."""
    files_before = stored_keys(store)
    audit_before = _audit_actions(db, kit.tenant_id)
    head, _, tail = _raw_multipart("stream.txt", b"\0").partition(b"\0")
    block = b"x" * (64 * 1024)
    blocks = (settings.max_upload_bytes + 1024 * 1024) // len(block)

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(blocks):
            yield block
        yield tail

    r = client.post("/v1/documents", content=chunks(), headers=_multipart_headers(kit.analyst))
    assert r.status_code == 413, r.text
    assert r.json()["type"].endswith("payload-too-large")
    assert [e["field"] for e in r.json()["errors"]] == ["body"]
    assert _document_count(db, kit.tenant_id) == 0
    assert _audit_actions(db, kit.tenant_id) == audit_before
    assert stored_keys(store) == files_before


def test_small_streamed_upload_without_length_is_accepted(client: TestClient, kit: TenantKit):
    head, _, tail = _raw_multipart("stream.csv", b"\0").partition(b"\0")

    def chunks() -> Iterator[bytes]:
        yield head
        yield CSV[:10]
        yield CSV[10:]
        yield tail

    r = client.post("/v1/documents", content=chunks(), headers=_multipart_headers(kit.analyst))
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(CSV)
    assert r.json()["content_type"] == "text/csv"


def test_failure_after_the_file_is_placed_removes_it(
    client: TestClient,
    kit: TenantKit,
    settings: Settings,
    db: Database,
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
):
    def audit_down(*args: object, **kwargs: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(document_service.audit, "record", audit_down)
    files_before = stored_keys(store)
    r = _upload(client, kit.analyst, "scan.png", PNG)
    assert r.status_code == 500
    assert _document_count(db, kit.tenant_id) == 0
    assert stored_keys(store) == files_before


@pytest.mark.parametrize(
    "media_type", ["Multipart/Form-Data", "MULTIPART/FORM-DATA", "multipart/form-data"]
)
def test_upload_limit_applies_whatever_the_case_of_the_media_type(
    client: TestClient, kit: TenantKit, settings: Settings, media_type: str
):
    """Media types are case-insensitive (RFC 9110 8.3.1), and the app parses these bodies
    as multipart: a file above the JSON body limit but within the upload limit is fine."""
    assert settings.max_body_bytes < settings.max_upload_bytes
    content = b"y" * (settings.max_body_bytes + 1024)
    r = client.post(
        "/v1/documents",
        content=_raw_multipart("between-limits.txt", content),
        headers={**kit.analyst.headers, "Content-Type": f"{media_type}; boundary={BOUNDARY}"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(content)


def test_empty_file_is_422_and_leaves_nothing_behind(
    client: TestClient, kit: TenantKit, settings: Settings, db: Database, store: Store
):
    files_before = stored_keys(store)
    r = _upload(client, kit.analyst, "empty.txt", b"", "text/plain")
    assert r.status_code == 422, r.text
    assert [e["field"] for e in r.json()["errors"]] == ["file"]
    assert _document_count(db, kit.tenant_id) == 0
    assert stored_keys(store) == files_before


def test_missing_file_part_is_422(client: TestClient, kit: TenantKit):
    r = client.post("/v1/documents", data={"customer_id": "x"}, headers=kit.analyst.headers)
    assert r.status_code == 422
    assert "file" in {e["field"] for e in r.json()["errors"]}


# --- Customers and tenancy ------------------------------------------------------------------


def _customer(client: TestClient, kit: TenantKit) -> str:
    r = client.post(
        "/v1/customers",
        json={"first_name": "Jan", "last_name": "Novak"},
        headers=kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_upload_for_a_customer_and_filter_by_it(client: TestClient, kit: TenantKit):
    customer_id = _customer(client, kit)
    linked = _uploaded(client, kit.analyst, "id-card.png", PNG, customer_id=customer_id)
    _uploaded(client, kit.analyst, "unrelated.txt", TEXT)
    assert linked["customer_id"] == customer_id
    r = client.get("/v1/documents", params={"customer_id": customer_id}, headers=kit.viewer.headers)
    assert [d["id"] for d in r.json()["items"]] == [linked["id"]]


def test_customer_of_another_tenant_is_422_and_stores_nothing(
    client: TestClient,
    kit: TenantKit,
    other_kit: TenantKit,
    db: Database,
    settings: Settings,
    store: Store,
):
    foreign_customer = _customer(client, other_kit)
    files_before = stored_keys(store)
    for customer_id in (foreign_customer, "0" * 24):
        r = _upload(client, kit.analyst, "scan.png", PNG, customer_id=customer_id)
        assert r.status_code == 422, r.text
        assert [e["field"] for e in r.json()["errors"]] == ["customer_id"]
    assert _document_count(db, kit.tenant_id) == 0
    assert "document.uploaded" not in _audit_actions(db, kit.tenant_id)
    assert stored_keys(store) == files_before


def test_other_tenants_document_is_not_found(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    doc = _uploaded(client, other_kit.analyst, "secret.pdf", PDF)
    for path in (f"/v1/documents/{doc['id']}", f"/v1/documents/{doc['id']}/content"):
        r = client.get(path, headers=kit.admin.headers)
        assert r.status_code == 404, path
        assert "%PDF" not in r.text
        assert client.get(path, headers=other_kit.viewer.headers).status_code == 200
    listed = client.get("/v1/documents", headers=kit.admin.headers).json()
    assert listed == {"items": [], "next_cursor": None}


def test_unknown_document_is_404(client: TestClient, kit: TenantKit):
    missing = "f" * 24
    assert client.get(f"/v1/documents/{missing}", headers=kit.viewer.headers).status_code == 404
    r = client.get(f"/v1/documents/{missing}/content", headers=kit.viewer.headers)
    assert r.status_code == 404


# --- Permissions ----------------------------------------------------------------------------


def test_viewer_cannot_upload_but_can_read(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, store: Store
):
    files_before = stored_keys(store)
    r = _upload(client, kit.viewer, "scan.png", PNG)
    assert r.status_code == 403
    assert r.json()["type"].endswith("permission-denied")
    assert _document_count(db, kit.tenant_id) == 0
    assert stored_keys(store) == files_before

    doc = _uploaded(client, kit.analyst, "scan.png", PNG)
    assert client.get(f"/v1/documents/{doc['id']}", headers=kit.viewer.headers).status_code == 200


def test_anonymous_upload_and_download_are_401(client: TestClient, kit: TenantKit):
    r = client.post("/v1/documents", files={"file": ("a.txt", b"hello", "text/plain")})
    assert r.status_code == 401
    doc = _uploaded(client, kit.analyst, "a.txt", b"hello")
    assert client.get(f"/v1/documents/{doc['id']}/content").status_code == 401


# --- Idempotency ----------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_upload(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, store: Store
):
    headers = {"Idempotency-Key": "upload-1"}
    files_before = stored_keys(store)
    first = _upload(client, kit.analyst, "scan.png", PNG, headers=headers)
    second = _upload(client, kit.analyst, "scan.png", PNG, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert _document_count(db, kit.tenant_id) == 1
    assert _audit_actions(db, kit.tenant_id).count("document.uploaded") == 1
    assert len(stored_keys(store) - files_before) == 1

    other = _upload(client, kit.analyst, "scan.png", PDF, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-mismatch")
    renamed = _upload(client, kit.analyst, "renamed.png", PNG, headers=headers)
    assert renamed.status_code == 422
    assert _document_count(db, kit.tenant_id) == 1
    assert len(stored_keys(store) - files_before) == 1


def test_rejected_upload_does_not_burn_the_idempotency_key(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    headers = {"Idempotency-Key": "upload-retry"}
    bad = _upload(client, kit.analyst, "scan.png", PNG, headers=headers, customer_id="0" * 24)
    assert bad.status_code == 422
    good = _upload(client, kit.analyst, "scan.png", PNG, headers=headers)
    assert good.status_code == 201
    assert "idempotent-replayed" not in good.headers


# --- Listing --------------------------------------------------------------------------------


def test_list_pages_through_every_document_newest_first(
    client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    made = [_uploaded(client, kit.analyst, f"doc-{i}.txt", f"doc {i}\n".encode()) for i in range(5)]
    _uploaded(client, other_kit.analyst, "foreign.txt", b"not yours\n")

    seen: list[dict] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        r = client.get("/v1/documents", params=params, headers=kit.viewer.headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += page["items"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert [d["id"] for d in seen] == [d["id"] for d in reversed(made)]
    assert seen == list(reversed(made))


def test_list_rejects_bad_cursor_and_limit(client: TestClient, kit: TenantKit):
    h = kit.viewer.headers
    r = client.get("/v1/documents", params={"cursor": "not-a-cursor"}, headers=h)
    assert r.status_code == 422
    assert client.get("/v1/documents", params={"limit": 0}, headers=h).status_code == 422
    assert client.get("/v1/documents", params={"limit": 201}, headers=h).status_code == 422
