"""Fetching the configured publishers' files for `casework lists update`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import httpx

from casework.config import ListSource

MAX_DOWNLOAD_BYTES = 512 * 1024 * 1024


class DownloadError(Exception):
    pass


def download(source: ListSource, directory: Path, *, timeout: float = 120.0) -> list[Path]:
    """Download every URL of ``source`` into ``directory``, keeping the publisher's names
    (importers recognise some files by name, e.g. OFAC's alt.csv)."""
    paths = []
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        for url in source.urls:
            name = Path(urlparse(url).path).name or "download"
            target = directory / name
            try:
                with client.stream("GET", url) as response:
                    response.raise_for_status()
                    size = 0
                    with target.open("wb") as out:
                        for chunk in response.iter_bytes():
                            size += len(chunk)
                            if size > MAX_DOWNLOAD_BYTES:
                                raise DownloadError(
                                    f"{url}: larger than {MAX_DOWNLOAD_BYTES} bytes"
                                )
                            out.write(chunk)
            except httpx.HTTPError as exc:
                raise DownloadError(f"{url}: {exc}") from exc
            paths.append(target)
    return paths
