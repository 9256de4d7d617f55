"""The list formats casework reads, by the names the CLI and settings use."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from importlib import import_module
from pathlib import Path

from casework.screening.entity import Entity, Skipped

Reader = Callable[[Sequence[Path]], Iterator[Entity | Skipped]]

FORMATS: dict[str, str] = {
    "ofac-csv": "ofac_csv",
    "ofac-xml": "ofac_xml",
    "un-xml": "un_xml",
    "eu-xml": "eu_xml",
    "uk-csv": "uk_csv",
    "ftm": "ftm",
}


def reader(format_name: str) -> Reader:
    try:
        module = FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown format {format_name!r}; one of {', '.join(FORMATS)}") from None
    read: Reader = import_module(f"casework.screening.importers.{module}").read
    return read
