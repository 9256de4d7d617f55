"""Fetching the configured publishers' files for `casework lists update`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx

from casework.config import ListSource

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024

# Told as a download goes: the URL, bytes received so far, and the size when the
# server gave one.
OnProgress = Callable[[str, int, int | None], None]


class DownloadError(Exception):
    pass


@dataclass(frozen=True)
class Download:
    paths: list[Path]
    # The latest Last-Modified time the server gave for the files, if it gave any.
    last_modified: datetime | None


def download(
    source: ListSource,
    directory: Path,
    *,
    timeout: float = 120.0,
    on_progress: OnProgress | None = None,
) -> Download:
    """Download every URL of ``source`` into ``directory``, keeping the publisher's names
    (importers recognise some files by name, e.g. OFAC's alt.csv)."""
    paths = []
    modified: list[datetime] = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for url in source.urls:
            name = Path(urlparse(url).path).name or "download"
            target = directory / name
            try:
                with client.stream("GET", url) as response:
                    response.raise_for_status()
                    total = _size(response)
                    if on_progress is not None:
                        on_progress(url, 0, total)
                    size = 0
                    with target.open("wb") as out:
                        for chunk in response.iter_bytes():
                            size += len(chunk)
                            if size > MAX_DOWNLOAD_BYTES:
                                raise DownloadError(
                                    f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes"
                                )
                            out.write(chunk)
                            if on_progress is not None:
                                # Counted as sent, so it meets Content-Length when compressed.
                                on_progress(url, response.num_bytes_downloaded, total)
                    stamp = _last_modified(response.headers.get("last-modified"))
                    if stamp is not None:
                        modified.append(stamp)
            except httpx.HTTPError as exc:
                raise DownloadError(f"{url}: {exc}") from exc
            paths.append(target)
    return Download(paths=paths, last_modified=max(modified, default=None))


def _size(response: httpx.Response) -> int | None:
    length = response.headers.get("content-length", "")
    return int(length) if length.isdigit() else None


def _last_modified(value: str | None) -> datetime | None:
    """An HTTP date (RFC 9110) as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
