"""The S3 store against a real S3-compatible server: uploads stream in parts (memory
bounded by a part, not the file), a refused or failed upload leaves neither an object
nor an unfinished multipart upload, downloads stream the same bytes back, and the start
check says what is wrong with a bucket, the credentials or the endpoint."""

from __future__ import annotations

import hashlib
import io
import socket
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from casework.app import create_app
from casework.config import Settings
from casework.documents import service
from casework.infra.db import Database
from casework.infra.errors import PayloadTooLarge, ValidationFailed
from casework.infra.ids import new_id
from casework.infra.storage import CHUNK_BYTES, MissingObject, StoreUnavailable, open_store
from casework.infra.storage.location import S3Location, parse
from casework.infra.storage.s3 import PART_BYTES, S3Store
from tests.factories import TenantKit
from tests.s3_server import S3Server

MiB = 1024 * 1024
PREFIX = "docs"


# Bytes of a period (251, a prime) that no part size is a multiple of, so a part stored
# out of place would show.
_PATTERN = bytes(range(251)) * (MiB // 251 + 2)


def _content(size: int, start: int = 0) -> bytes:
    """``size`` bytes of the pattern from ``start`` on."""
    whole = bytearray()
    while len(whole) < size:
        offset = (start + len(whole)) % 251
        whole += _PATTERN[offset : offset + min(MiB, size - len(whole))]
    return bytes(whole)


class Source(io.RawIOBase):
    """A file of ``size`` bytes made as it is read, a chunk at a time (never whole in
    memory), starting with ``head``; ``on_read(position)`` is called before each read."""

    def __init__(
        self, size: int, head: bytes = b"", on_read: Callable[[int], None] | None = None
    ) -> None:
        self.size = size
        self.position = 0
        self.head = head
        self.on_read = on_read

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.on_read is not None:
            self.on_read(self.position)
        n = min(MiB if n < 0 else n, MiB, self.size - self.position)
        data = _content(n, self.position)
        if self.position < len(self.head):
            head = self.head[self.position : self.position + n]
            data = head + data[len(head) :]
        self.position += n
        return data


@pytest.fixture
def bucket(s3_server: S3Server) -> str:
    return s3_server.create_bucket()


@pytest.fixture
def store(s3_server: S3Server, bucket: str) -> S3Store:
    return S3Store(S3Location(bucket, PREFIX, s3_server.endpoint, s3_server.region))


def _chunks(data: bytes, size: int = MiB) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_a_large_upload_is_sent_in_parts_while_it_is_still_being_read(
    s3_server: S3Server, bucket: str, store: S3Store
):
    content = _content(20 * MiB)
    seen_during_stream: list[list[str]] = []

    def stream() -> Iterator[bytes]:
        for index, chunk in enumerate(_chunks(content)):
            if index == 12:  # 12 MiB read: the first 8 MiB part is already at the server
                client = s3_server.client()
                uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
                seen_during_stream.append([u["Key"] for u in uploads])
                (upload,) = uploads
                parts = client.list_parts(
                    Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )["Parts"]
                assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, PART_BYTES)]
            yield chunk

    key = "ab/large"
    store.write(key, stream())

    assert seen_during_stream == [[f"{PREFIX}/{key}"]]
    assert s3_server.incomplete_uploads(bucket) == []
    assert s3_server.keys(bucket) == [f"{PREFIX}/{key}"]
    head = s3_server.client().head_object(Bucket=bucket, Key=f"{PREFIX}/{key}")
    assert head["ContentLength"] == len(content)
    assert head["ETag"].strip('"').endswith("-3")  # three parts: 8 + 8 + 4 MiB


def test_a_small_upload_is_one_object_without_a_multipart_upload(
    s3_server: S3Server, bucket: str, store: S3Store
):
    store.write("cd/small", iter([b"one ", b"two"]))
    head = s3_server.client().head_object(Bucket=bucket, Key=f"{PREFIX}/cd/small")
    assert "-" not in head["ETag"]
    assert store.read("cd/small") == b"one two"


def test_memory_stays_within_a_part_or_two_whatever_the_file_size(store: S3Store):
    size = 48 * MiB
    tracemalloc.start()
    try:
        with service.receive(store, Source(size), filename="big.bin", max_bytes=size) as upload:
            assert upload.size == size
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * PART_BYTES < size / 2, f"peak {peak / MiB:.1f} MiB"


def test_receive_hashes_sniffs_and_stores_what_streams_back_the_same(store: S3Store):
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    size = 20 * MiB
    content = head + _content(size)[len(head) :]
    source = Source(size, head=head)
    with service.receive(store, source, filename="statement.pdf", max_bytes=size) as upload:
        assert upload.size == size
        assert upload.sha256 == hashlib.sha256(content).hexdigest()
        assert upload.content_type == "application/pdf"
        stored = store.open(upload.key)
        try:
            assert stored.size == size
            chunks = list(stored)
        finally:
            stored.close()
        assert len(chunks) > 1 and max(len(c) for c in chunks) <= CHUNK_BYTES
        assert b"".join(chunks) == content
    # No document claimed it: the object went when the upload was left.
    with pytest.raises(MissingObject):
        store.open(upload.key)


def test_too_large_aborts_the_multipart_upload_and_leaves_nothing(
    s3_server: S3Server, bucket: str, store: S3Store
):
    limit = 12 * MiB
    begun: list[int] = []

    def watch(position: int) -> None:
        if position == 10 * MiB:  # past the first part: a multipart upload is under way
            begun.append(len(s3_server.incomplete_uploads(bucket)))

    source = Source(20 * MiB, on_read=watch)
    with (
        pytest.raises(PayloadTooLarge) as refused,
        service.receive(store, source, filename="big.txt", max_bytes=limit),
    ):
        pytest.fail("a file over the limit is not received")
    assert refused.value.errors[0].field == "file"
    assert begun == [1]
    assert source.position < 20 * MiB  # refused as soon as the limit was passed
    assert s3_server.keys(bucket) == []
    assert s3_server.incomplete_uploads(bucket) == []


def test_a_stream_that_fails_midway_leaves_nothing(
    s3_server: S3Server, bucket: str, store: S3Store
):
    def failing() -> Iterator[bytes]:
        yield from _chunks(_content(10 * MiB))
        raise ConnectionResetError("the client went away")

    with pytest.raises(ConnectionResetError):
        store.write("ef/broken", failing())
    assert s3_server.keys(bucket) == []
    assert s3_server.incomplete_uploads(bucket) == []


def test_an_empty_file_is_refused_before_anything_is_stored(
    s3_server: S3Server, bucket: str, store: S3Store
):
    with (
        pytest.raises(ValidationFailed) as refused,
        service.receive(store, io.BytesIO(b""), filename="e.txt", max_bytes=MiB),
    ):
        pytest.fail("an empty file is not received")
    assert [(e.field, e.message) for e in refused.value.errors] == [("file", "is empty")]
    assert s3_server.keys(bucket) == []


def test_delete_removes_the_object_and_is_quiet_when_none_is_there(
    s3_server: S3Server, bucket: str, store: S3Store
):
    key = service.storage_key(new_id())
    store.write(key, iter([b"bytes"]))
    assert list(store.listing()) == [key]
    store.delete(key)
    store.delete(key)
    assert s3_server.keys(bucket) == []
    with pytest.raises(MissingObject):
        store.read(key)


# --- The start check ----------------------------------------------------------------------


def test_check_passes_for_an_existing_bucket(store: S3Store):
    store.check()


def test_check_names_a_missing_bucket(s3_server: S3Server):
    store = S3Store(S3Location("no-such-bucket", "", s3_server.endpoint, s3_server.region))
    with pytest.raises(StoreUnavailable) as failed:
        store.check()
    assert str(failed.value) == (
        f"the bucket 'no-such-bucket' does not exist at {s3_server.endpoint}; "
        "create it first (casework does not create buckets)"
    )


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE", "InvalidAccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "not-the-secret", "SignatureDoesNotMatch"),
    ],
)
def test_check_names_refused_credentials(
    s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch, variable, value, code
):
    monkeypatch.setenv(variable, value)
    store = S3Store(S3Location(bucket, PREFIX, s3_server.endpoint, s3_server.region))
    with pytest.raises(StoreUnavailable) as failed:
        store.check()
    assert str(failed.value) == (
        f"{s3_server.endpoint} refused the credentials ({code}): check AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY"
    )


def test_check_names_missing_credentials(
    s3_server: S3Server, bucket: str, monkeypatch: pytest.MonkeyPatch, tmp_path
):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    store = S3Store(S3Location(bucket, PREFIX, s3_server.endpoint, s3_server.region))
    with pytest.raises(StoreUnavailable) as failed:
        store.check()
    assert str(failed.value) == (
        "no credentials for the bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    )


def test_check_names_an_endpoint_out_of_reach(s3_server: S3Server):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{probe.getsockname()[1]}"
    store = S3Store(S3Location("casework", PREFIX, endpoint, s3_server.region))
    with pytest.raises(StoreUnavailable) as failed:
        store.check()
    assert str(failed.value) == f"cannot reach {endpoint}: Connection refused"


def _emptied_and_deleted(s3_server: S3Server, bucket: str) -> None:
    client = s3_server.client()
    for key in s3_server.keys(bucket):
        client.delete_object(Bucket=bucket, Key=key)
    client.delete_bucket(Bucket=bucket)


def test_a_store_that_fails_under_a_request_is_a_503_and_nothing_is_kept(
    settings: Settings, db: Database, s3_server: S3Server, kit: TenantKit
) -> None:
    bucket = s3_server.create_bucket()
    store = open_store(parse(s3_server.storage_url(bucket, PREFIX)))
    client = TestClient(create_app(settings, db, storage=store))
    headers = kit.analyst.headers
    kept = client.post(
        "/v1/documents", files={"file": ("kept.txt", b"kept", "text/plain")}, headers=headers
    )
    assert kept.status_code == 201, kept.text
    listed = client.get("/v1/documents", headers=headers).json()
    _emptied_and_deleted(s3_server, bucket)

    upload = client.post(
        "/v1/documents", files={"file": ("lost.txt", b"lost", "text/plain")}, headers=headers
    )
    download = client.get(f"/v1/documents/{kept.json()['id']}/content", headers=headers)
    for answer in (upload, download):
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["title"] == "Document store unavailable"
        assert bucket not in answer.text  # the reason is for the log, not the caller
    assert client.get("/v1/documents", headers=headers).json() == listed
