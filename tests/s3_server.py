"""A real S3-compatible server on the loopback interface: moto's server in a process of
its own, speaking S3 over HTTP, that checks credentials like a real store.

``S3Server`` starts it on a port the system picks, makes an IAM user with an access key
allowed everything (while the server still accepts anonymous calls), then switches
authentication on: from then on only that key is accepted, so a wrong key is refused
with ``InvalidAccessKeyId`` and a wrong secret with ``SignatureDoesNotMatch``.

Its ``env`` holds the key, the secret and the region as the usual AWS variables, for a
process started with them (``casework serve``) or for this one (the ``s3_server``
fixture of ``tests/conftest.py`` puts them in ``os.environ`` for the session).
"""

from __future__ import annotations

import queue
import re
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import boto3
import httpx
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REGION = "us-east-1"
# A bound on the server's start, which takes a second or two; one that never answers
# fails the test run here instead of hanging it.
START_SECONDS = 60.0
_LISTENING = re.compile(r"Running on (http://127\.0\.0\.1:(\d+))")
_ALLOW_EVERYTHING = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'
)


class S3Server:
    """moto's S3 server as a subprocess; ``start()`` returns once it checks credentials."""

    def __init__(self) -> None:
        self.endpoint = ""
        self.region = REGION
        self.access_key_id = ""
        self.secret_access_key = ""
        self._process: subprocess.Popen[str] | None = None
        self._drain: threading.Thread | None = None
        self._log: list[str] = []

    # --- life cycle ----------------------------------------------------------------------

    def start(self) -> S3Server:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._process = process
        try:
            self.endpoint = self._announced(process)
            self._make_credentials()
            # From here on every call must be signed with a key the server knows.
            httpx.post(f"{self.endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if self._drain is not None:
            self._drain.join(timeout=30)  # the log ends with the process
        if process.stderr is not None:
            process.stderr.close()

    def __enter__(self) -> S3Server:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _announced(self, process: subprocess.Popen[str]) -> str:
        """The address the server prints once it listens. Its log is read by a thread for
        as long as it runs (a full pipe would stall it); the lines are kept for errors."""
        lines: queue.Queue[str | None] = queue.Queue()

        def drain() -> None:
            assert process.stderr is not None
            for line in process.stderr:
                self._log.append(line)
                lines.put(line)
            lines.put(None)

        self._drain = threading.Thread(target=drain, name="s3-server-log", daemon=True)
        self._drain.start()
        deadline = time.monotonic() + START_SECONDS
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise RuntimeError("the S3 server ended at start:\n" + "".join(self._log))
            if found := _LISTENING.search(line):
                return found.group(1)
        raise RuntimeError(f"the S3 server did not listen within {START_SECONDS:.0f}s")

    def _make_credentials(self) -> None:
        iam = boto3.session.Session().client(
            "iam",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="setup",
            aws_secret_access_key="setup",  # anonymous calls are still accepted
        )
        iam.create_user(UserName="casework")
        iam.put_user_policy(
            UserName="casework", PolicyName="everything", PolicyDocument=_ALLOW_EVERYTHING
        )
        key = iam.create_access_key(UserName="casework")["AccessKey"]
        self.access_key_id = key["AccessKeyId"]
        self.secret_access_key = key["SecretAccessKey"]

    # --- use -----------------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The credentials and region as the AWS SDKs read them from the environment."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_DEFAULT_REGION": self.region,
        }

    def client(self, **credentials: Any) -> S3Client:
        """An S3 client of this server, with its key unless others are given."""
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=credentials.get("aws_access_key_id", self.access_key_id),
            aws_secret_access_key=credentials.get("aws_secret_access_key", self.secret_access_key),
            config=Config(s3={"addressing_style": "path"}),
        )

    def create_bucket(self, name: str | None = None) -> str:
        """A new empty bucket (by default with a name of its own); its name."""
        name = name or f"casework-{secrets.token_hex(6)}"
        self.client().create_bucket(Bucket=name)
        return name

    def storage_url(self, bucket: str, prefix: str = "") -> str:
        """``CASEWORK_STORAGE_URL`` for ``bucket`` (under ``prefix``) on this server."""
        query = urlencode({"endpoint_url": self.endpoint, "region": self.region})
        return f"s3://{bucket}/{quote(prefix.strip('/'))}?{query}"

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        """Every object's key in ``bucket`` under ``prefix``."""
        pages = (
            self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        )
        return [item["Key"] for page in pages for item in page.get("Contents", [])]

    def incomplete_uploads(self, bucket: str) -> list[str]:
        """The keys of multipart uploads begun and neither completed nor aborted."""
        uploads = self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return [upload["Key"] for upload in uploads]

    @property
    def log(self) -> str:
        """What the server printed so far (its requests, one a line)."""
        return "".join(self._log)


@contextmanager
def running_s3_server() -> Iterator[S3Server]:
    with S3Server() as server:
        yield server
