"""CASEWORK_STORAGE_URL is read strictly: the two forms it takes are understood, and
anything else is refused with a reason naming what is wrong (and never echoing
credentials), before casework starts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from casework.config import Settings
from casework.infra.storage.location import FORMS, LocalLocation, S3Location, parse


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("file:///srv/casework/documents", LocalLocation(Path("/srv/casework/documents"))),
        ("file://localhost/srv/docs", LocalLocation(Path("/srv/docs"))),
        ("file:///srv/with%20space", LocalLocation(Path("/srv/with space"))),
        ("s3://casework-documents", S3Location("casework-documents", "")),
        ("s3://casework-documents/", S3Location("casework-documents", "")),
        ("s3://casework-documents/prod/eu/", S3Location("casework-documents", "prod/eu")),
        (
            "s3://docs.example.org/casework?region=eu-central-1",
            S3Location("docs.example.org", "casework", region="eu-central-1"),
        ),
        (
            "s3://casework/docs?endpoint_url=http://127.0.0.1:9000&region=us-east-1",
            S3Location("casework", "docs", "http://127.0.0.1:9000", "us-east-1"),
        ),
        (
            "s3://casework/docs?endpoint_url=https%3A%2F%2Fminio.internal%3A9000",
            S3Location("casework", "docs", "https://minio.internal:9000"),
        ),
        (
            "s3://casework?endpoint_url=http://[::1]:9000/",
            S3Location("casework", "", "http://[::1]:9000/"),
        ),
    ],
)
def test_the_two_forms_are_understood(url: str, location: object):
    assert parse(url) == location


def test_unset_or_empty_is_the_data_directory():
    settings = Settings(data_dir=Path("/srv/casework"))
    assert settings.storage_location == LocalLocation(Path("/srv/casework/documents"))
    blank = Settings(data_dir=Path("/srv/casework"), storage_url="  ")
    assert blank.storage_url is None
    assert blank.storage_location == settings.storage_location


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("/srv/documents", f"must be {FORMS}; a bare path is not"),
        ("https://s3.amazonaws.com/bucket", f"must be {FORMS}; the scheme https: is neither"),
        ("gs://bucket", f"must be {FORMS}; the scheme gs: is neither"),
        (
            "file://server/share",
            "a file: URL names a directory of this machine, not one on "
            "'server' (file:///absolute/path)",
        ),
        ("file:relative/dir", "a file: URL needs an absolute path (file:///absolute/path)"),
        ("file:///srv/docs?x=1", "a file: URL takes no ?parameters"),
        ("file:///srv/docs#top", "must not have a #fragment"),
        ("s3://", "names no bucket (s3://bucket/prefix)"),
        ("s3:///prefix", "names no bucket (s3://bucket/prefix)"),
        (
            "s3://localhost:9000/bucket",
            "the bucket is not a host: name the server with ?endpoint_url=http://host:port",
        ),
        (
            "s3://Casework",
            "'Casework' is not a bucket name (3 to 63 lowercase letters, digits, "
            "dots and hyphens, beginning and ending with a letter or digit)",
        ),
        (
            "s3://ab",
            "'ab' is not a bucket name (3 to 63 lowercase letters, digits, dots and "
            "hyphens, beginning and ending with a letter or digit)",
        ),
        (
            "s3://a..b",
            "'a..b' is not a bucket name (3 to 63 lowercase letters, digits, dots "
            "and hyphens, beginning and ending with a letter or digit)",
        ),
        (
            "s3://192.168.1.10",
            "'192.168.1.10' is not a bucket name (3 to 63 lowercase letters, "
            "digits, dots and hyphens, beginning and ending with a letter or digit)",
        ),
        ("s3://bucket/a//b", "the prefix must not have empty, '.' or '..' segments"),
        ("s3://bucket/a/../b", "the prefix must not have empty, '.' or '..' segments"),
        (
            "s3://bucket/a%0Ab",
            "the prefix segment 'a\\nb' may hold only letters, digits and "
            "!_.*'()- (characters safe in every S3 key)",
        ),
        (
            "s3://bucket?endpoint=http://x",
            "unknown parameter 'endpoint': an s3: URL takes endpoint_url and region",
        ),
        ("s3://bucket?region=eu-west-1&region=us-east-1", "the parameter 'region' is given twice"),
        ("s3://bucket?region=", "the parameter 'region' is empty"),
        ("s3://bucket?region", "cannot read the parameters 'region' (name=value&...)"),
        (
            "s3://bucket?region=EU%20West",
            "region 'EU West' is not a region name (such as eu-central-1)",
        ),
        (
            "s3://bucket?endpoint_url=127.0.0.1:9000",
            "endpoint_url '127.0.0.1:9000' must be an http:// or https:// URL",
        ),
        (
            "s3://bucket?endpoint_url=ftp://host",
            "endpoint_url 'ftp://host' must be an http:// or https:// URL",
        ),
        ("s3://bucket?endpoint_url=http://", "endpoint_url 'http://' names no host"),
        (
            "s3://bucket?endpoint_url=http://host:99999",
            "endpoint_url 'http://host:99999' has a port that is not a number from 1 to 65535",
        ),
        (
            "s3://bucket?endpoint_url=http://host:0",
            "endpoint_url 'http://host:0' has a port that is not a number from 1 to 65535",
        ),
        (
            "s3://bucket?endpoint_url=http://host/path",
            "endpoint_url 'http://host/path' must be "
            "the server's address only (scheme, host and port)",
        ),
    ],
)
def test_anything_else_is_refused_with_the_reason(url: str, reason: str):
    with pytest.raises(ValueError, match=re.escape(reason)) as refused:
        parse(url)
    assert str(refused.value) == reason
    with pytest.raises(ValidationError) as invalid:
        Settings(storage_url=url)
    (error,) = invalid.value.errors()
    assert (error["loc"], error["msg"]) == (("storage_url",), reason)


@pytest.mark.parametrize(
    "url",
    [
        "s3://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@casework/docs",
        "s3://casework?endpoint_url=http://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI@minio:9000",
    ],
)
def test_credentials_in_the_url_are_refused_without_being_repeated(url: str):
    with pytest.raises(ValueError, match="AWS_ACCESS_KEY_ID") as refused:
        parse(url)
    assert "wJalrXUtnFEMI" not in str(refused.value)


def test_the_readme_examples_are_understood():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"CASEWORK_STORAGE_URL='([^']+)'", readme)
    assert parse(example) == S3Location(
        "casework-documents", "prod", "http://127.0.0.1:9000", "us-east-1"
    )
    assert parse("file:///srv/casework/documents") == LocalLocation(Path("/srv/casework/documents"))
    assert "file:///srv/casework/documents" in readme
