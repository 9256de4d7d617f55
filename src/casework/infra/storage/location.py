"""Where document bytes are kept, read from ``CASEWORK_STORAGE_URL``:

- ``file:///absolute/path``: a directory (unset: ``<data_dir>/documents``);
- ``s3://BUCKET/PREFIX?endpoint_url=http://HOST:PORT&region=REGION``: objects under
  ``PREFIX/`` in an existing S3 bucket, on AWS or on an S3-compatible server named by
  ``endpoint_url``. Credentials never appear here: the AWS SDK finds them as it always
  does (``AWS_ACCESS_KEY_ID`` and ``AWS_SECRET_ACCESS_KEY``, a profile, an instance role).

Anything else is refused with the reason, so a mistyped URL stops the start instead of
sending documents somewhere unexpected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, parse_qsl, unquote, urlsplit

# Amazon's rules for bucket names that work in every addressing style.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP_ADDRESS = re.compile(r"\d+\.\d+\.\d+\.\d+")
_REGION = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PREFIX_SEGMENT = re.compile(r"[A-Za-z0-9!_.*'()-]+")
_S3_PARAMETERS = ("endpoint_url", "region")
FORMS = "file:///absolute/path or s3://bucket/prefix?endpoint_url=...&region=..."


@dataclass(frozen=True)
class LocalLocation:
    root: Path

    def __str__(self) -> str:
        return str(self.root)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # without slashes at either end; "" for the whole bucket
    endpoint_url: str | None = None
    region: str | None = None

    def __str__(self) -> str:
        where = f"s3://{self.bucket}/{self.prefix}"
        return f"{where} at {self.endpoint_url}" if self.endpoint_url else where


Location = LocalLocation | S3Location


def parse(url: str) -> Location:
    """The location ``url`` names; ValueError saying what is wrong with it."""
    parts = urlsplit(url.strip())
    if parts.fragment or url.strip().endswith("#"):
        raise ValueError("must not have a #fragment")
    if parts.scheme == "file":
        return _directory(parts)
    if parts.scheme == "s3":
        return _bucket(parts)
    found = f"the scheme {parts.scheme}: is neither" if parts.scheme else "a bare path is not"
    raise ValueError(f"must be {FORMS}; {found}")


def _directory(parts: SplitResult) -> LocalLocation:
    if parts.netloc not in ("", "localhost"):
        raise ValueError(
            f"a file: URL names a directory of this machine, not one on {parts.netloc!r} "
            "(file:///absolute/path)"
        )
    if parts.query:
        raise ValueError("a file: URL takes no ?parameters")
    path = unquote(parts.path)
    if not path.startswith("/"):
        raise ValueError("a file: URL needs an absolute path (file:///absolute/path)")
    if "\x00" in path:
        raise ValueError("the path must not contain NUL")
    return LocalLocation(Path(path))


def _bucket(parts: SplitResult) -> S3Location:
    if "@" in parts.netloc:
        raise ValueError(
            "credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY (or use a profile or an instance role)"
        )
    bucket = parts.netloc
    if not bucket:
        raise ValueError("names no bucket (s3://bucket/prefix)")
    if ":" in bucket:
        raise ValueError(
            "the bucket is not a host: name the server with ?endpoint_url=http://host:port"
        )
    if not _BUCKET.fullmatch(bucket) or ".." in bucket or _IP_ADDRESS.fullmatch(bucket):
        raise ValueError(
            f"{bucket!r} is not a bucket name (3 to 63 lowercase letters, digits, dots and "
            "hyphens, beginning and ending with a letter or digit)"
        )
    prefix = _prefix(parts.path)
    settings = _parameters(parts.query)
    endpoint_url = settings.get("endpoint_url")
    if endpoint_url is not None:
        _check_endpoint(endpoint_url)
    region = settings.get("region")
    if region is not None and not _REGION.fullmatch(region):
        raise ValueError(f"region {region!r} is not a region name (such as eu-central-1)")
    return S3Location(bucket=bucket, prefix=prefix, endpoint_url=endpoint_url, region=region)


def _prefix(path: str) -> str:
    segments = [unquote(s) for s in path.strip("/").split("/")] if path.strip("/") else []
    for segment in segments:
        if segment in ("", ".", ".."):
            raise ValueError("the prefix must not have empty, '.' or '..' segments")
        if not _PREFIX_SEGMENT.fullmatch(segment):
            raise ValueError(
                f"the prefix segment {segment!r} may hold only letters, digits and "
                "!_.*'()- (characters safe in every S3 key)"
            )
    prefix = "/".join(segments)
    if len(prefix) > 512:
        raise ValueError("the prefix must be at most 512 characters")
    return prefix


def _parameters(query: str) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise ValueError(f"cannot read the parameters {query!r} (name=value&...)") from None
    for name, value in pairs:
        if name not in _S3_PARAMETERS:
            raise ValueError(
                f"unknown parameter {name!r}: an s3: URL takes {' and '.join(_S3_PARAMETERS)}"
            )
        if name in found:
            raise ValueError(f"the parameter {name!r} is given twice")
        if not value:
            raise ValueError(f"the parameter {name!r} is empty")
        found[name] = value
    return found


def _check_endpoint(url: str) -> None:
    parts = urlsplit(url)
    if "@" in parts.netloc:  # said without repeating the URL, which holds a secret
        raise ValueError(
            "endpoint_url must not hold credentials: set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        )
    problem = None
    if parts.scheme not in ("http", "https"):
        problem = "must be an http:// or https:// URL"
    elif not parts.hostname:
        problem = "names no host"
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        problem = "must be the server's address only (scheme, host and port)"
    else:
        try:
            port = parts.port
        except ValueError:
            port = 0
        if port == 0:
            problem = "has a port that is not a number from 1 to 65535"
    if problem:
        raise ValueError(f"endpoint_url {url!r} {problem}")
