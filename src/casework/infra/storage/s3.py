"""Objects in an S3 bucket (AWS or an S3-compatible server), under ``prefix/<key>``.

A write streams: bytes gather into parts of ``PART_BYTES``, so memory holds one part
whatever the file's size. A file that fits in one part is one PutObject; a larger one
is a multipart upload, which S3 shows as an object only once completed, and which is
aborted when anything fails (the stream itself included), leaving nothing behind. An
upload a killed process began is listed by ``unfinished`` and aborted by ``abandon``.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    NoCredentialsError,
)

from casework.infra.storage.location import S3Location
from casework.infra.storage.store import CHUNK_BYTES, MissingObject, StoredObject, StoreUnavailable

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, MultipartUploadTypeDef

log = logging.getLogger(__name__)

PART_BYTES = 8 * 1024 * 1024  # S3 takes parts of 5 MiB and more (but the last)
CONNECT_SECONDS = 10
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")]+)")
_REFUSED = frozenset({"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken"})
_MISSING = frozenset({"NoSuchKey", "404"})


class S3Store:
    def __init__(self, location: S3Location) -> None:
        self.location = location
        self.bucket = location.bucket
        self._prefix = f"{location.prefix}/" if location.prefix else ""
        # A session of its own: clients are safe to share between threads, the default
        # session is not.
        self._client: S3Client = boto3.session.Session().client(
            "s3",
            endpoint_url=location.endpoint_url,
            region_name=location.region,
            config=Config(
                # Most S3-compatible servers are addressed by path, not by host name.
                s3={"addressing_style": "path"} if location.endpoint_url else {},
                retries={"mode": "standard", "max_attempts": 3},
                connect_timeout=CONNECT_SECONDS,
                read_timeout=60,
                # Checksums only where an operation needs them: servers that do not know
                # the SDK's newer default checksums refuse uploads carrying them. Uploads
                # are checked by their SHA-256 in the database instead.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def __repr__(self) -> str:
        return f"S3Store({str(self.location)!r})"

    def _key(self, key: str) -> str:
        if not key or key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"invalid storage key {key!r}")
        return self._prefix + key

    def check(self) -> None:
        """One listing of at most one key: it needs the bucket, the credentials and the
        right to list, and its answer names which is missing."""
        where = self.location.endpoint_url or "S3"
        try:
            self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._prefix, MaxKeys=1)
        except NoCredentialsError:
            raise StoreUnavailable(
                "no credentials for the bucket: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from None
        except ClientError as exc:
            code = _code(exc)
            if code == "NoSuchBucket":
                message = (
                    f"the bucket {self.bucket!r} does not exist at {where}; "
                    "create it first (casework does not create buckets)"
                )
            elif code in _REFUSED:
                message = (
                    f"{where} refused the credentials ({code}): check AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY"
                )
            elif code == "AccessDenied":
                message = (
                    f"the credentials may not list the bucket {self.bucket!r} at {where} "
                    "(AccessDenied): allow s3:ListBucket, s3:GetObject, s3:PutObject, "
                    "s3:DeleteObject and s3:AbortMultipartUpload"
                )
            else:
                message = f"{where} answered {code}: {_message(exc)}"
            raise StoreUnavailable(message) from None
        except ConnectTimeoutError:
            raise StoreUnavailable(
                f"cannot reach {where}: no answer within {CONNECT_SECONDS} seconds"
            ) from None
        except BotoCoreError as exc:
            raise StoreUnavailable(f"cannot reach {where}: {_reason(exc)}") from None

    def write(self, key: str, chunks: Iterable[bytes]) -> None:
        target = self._key(key)
        part = io.BytesIO()
        upload_id: str | None = None
        parts: list[CompletedPartTypeDef] = []
        try:
            for chunk in chunks:
                part.write(chunk)
                if part.tell() >= PART_BYTES:
                    if upload_id is None:
                        upload_id = self._client.create_multipart_upload(
                            Bucket=self.bucket, Key=target
                        )["UploadId"]
                    parts.append(self._part(target, upload_id, len(parts) + 1, part))
                    part = io.BytesIO()
            if upload_id is None:
                part.seek(0)
                self._client.put_object(Bucket=self.bucket, Key=target, Body=part)
                return
            if part.tell():
                parts.append(self._part(target, upload_id, len(parts) + 1, part))
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException as exc:
            if upload_id is not None:
                self._abort(target, upload_id)
            if isinstance(exc, BotoCoreError | ClientError):
                raise self._unavailable("write", exc) from exc
            raise  # the stream's own failure goes on as it is

    def _unavailable(self, doing: str, exc: BotoCoreError | ClientError) -> StoreUnavailable:
        where = self.location.endpoint_url or "S3"
        reason = f"{_code(exc)}: {_message(exc)}" if isinstance(exc, ClientError) else _reason(exc)
        return StoreUnavailable(
            f"could not {doing} in the bucket {self.bucket!r} at {where}: {reason}"
        )

    def _part(self, target: str, upload_id: str, number: int, body: io.BytesIO) -> Any:
        body.seek(0)
        answer = self._client.upload_part(
            Bucket=self.bucket, Key=target, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def _abort(self, target: str, upload_id: str) -> None:
        try:
            self._client.abort_multipart_upload(Bucket=self.bucket, Key=target, UploadId=upload_id)
        except (BotoCoreError, ClientError):  # listed by unfinished, to abandon later
            log.warning("could not abort the upload of %s", target, exc_info=True)

    def open(self, key: str) -> StoredObject:
        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise MissingObject(key) from None
            raise self._unavailable("read", exc) from exc
        except BotoCoreError as exc:
            raise self._unavailable("read", exc) from exc
        body = answer["Body"]
        return StoredObject(answer["ContentLength"], body.iter_chunks(CHUNK_BYTES), body.close)

    def read(self, key: str) -> bytes:
        stored = self.open(key)
        try:
            return b"".join(stored)
        finally:
            stored.close()

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def listing(self) -> Iterator[str]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self._prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self._prefix) :]

    def unfinished(self) -> Iterator[str]:
        for upload in self._uploads(self._prefix):
            yield upload["Key"][len(self._prefix) :]

    def abandon(self, key: str) -> None:
        target = self._key(key)
        for upload in self._uploads(target):
            if upload["Key"] == target:
                self._abort(target, upload["UploadId"])

    def _uploads(self, prefix: str) -> Iterator[MultipartUploadTypeDef]:
        pages = self._client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            yield from page.get("Uploads", [])


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "unknown"))


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", "")).strip() or "no message"


def _reason(exc: BotoCoreError) -> str:
    """What the system said when a connection failed ("Connection refused"), else the
    SDK's message."""
    found = _ERRNO.search(str(getattr(exc, "kwargs", {}).get("error", "")))
    return found.group(1).strip() if found else str(exc)
