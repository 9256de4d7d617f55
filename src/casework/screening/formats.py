"""The list formats casework reads, by the names the CLI and settings use.

Each format is an importer module with ``read(paths)``; a module whose files state when
they were issued also has ``published(paths) -> datetime | None``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from importlib import import_module
from pathlib import Path
from types import ModuleType

from casework.screening.entity import Entity, Skipped

Reader = Callable[[Sequence[Path]], Iterator[Entity | Skipped]]
Published = Callable[[Sequence[Path]], datetime | None]

FORMATS: dict[str, str] = {
    "ofac-csv": "ofac_csv",
    "ofac-xml": "ofac_xml",
    "un-xml": "un_xml",
    "eu-xml": "eu_xml",
    "uk-xml": "uk_xml",
    "uk-csv": "uk_csv",
    "ftm": "ftm",
}


def _importer(format_name: str) -> ModuleType:
    try:
        module = FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown format {format_name!r}; one of {', '.join(FORMATS)}") from None
    return import_module(f"casework.screening.importers.{module}")


def reader(format_name: str) -> Reader:
    read: Reader = _importer(format_name).read
    return read


def publication_date(format_name: str, paths: Sequence[Path]) -> datetime | None:
    """When the publisher issued ``paths``, where the files themselves say so.

    Reads only the head of each file. None for formats that state no date (OFAC's CSV
    files, FtM exports) and for files that leave it out.
    """
    published: Published | None = getattr(_importer(format_name), "published", None)
    return published(paths) if published is not None else None
