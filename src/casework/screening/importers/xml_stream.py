"""Streaming a list's XML safely: element by element, cleared as read.

ElementTree never fetches external entities or DTDs (a reference to one is a parse
error), which is what this relies on in place of defusedxml; the expat it runs on also
caps entity expansion. On top of that a file whose prolog declares a DOCTYPE is refused:
no list format has one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Generator
from pathlib import Path

from casework.screening.entity import ImportFormatError

_SPACE = re.compile(r"\s+")
_PROLOG_BYTES = 65536
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


def clean(text: str | None) -> str:
    """Text with runs of whitespace (the lists wrap long values) made single spaces."""
    return _SPACE.sub(" ", text).strip() if text else ""


def local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


def _refuse_doctype(path: Path, head: bytes) -> None:
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    at = prolog.find(b"<!DOCTYPE")
    if at >= 0:
        line = prolog.count(b"\n", 0, at) + 1
        raise ImportFormatError(
            str(path), f"line {line}", "a DOCTYPE is not accepted: the format has none"
        )


def stream(path: Path, root: str) -> Generator[tuple[str, ET.Element, list[str]], None, None]:
    """("start" | "end", element, open element names) for each element of an XML file.

    The list of names (namespaces dropped) is live: it ends with the element itself and
    is only valid until the next step. Raises ``ImportFormatError`` when the file is not
    well-formed (naming the line), declares a DOCTYPE, or its root element is not ``root``.
    """
    names: list[str] = []
    with path.open("rb") as handle:
        _refuse_doctype(path, handle.read(_PROLOG_BYTES))
        handle.seek(0)
        try:
            for event, element in ET.iterparse(handle, events=("start", "end")):  # noqa: S314
                if event == "start":
                    names.append(local_name(element.tag))
                    if len(names) == 1 and names[0] != root:
                        raise ImportFormatError(
                            str(path), f"/{names[0]}", f"expected root element <{root}>"
                        )
                    yield event, element, names
                else:
                    yield event, element, names
                    names.pop()
        except ET.ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else 0
            raise ImportFormatError(str(path), f"line {line}", str(exc)) from None
