"""Writing report XML with lxml while remembering where each element's value came from,
so that a schema error on an element can name the casework field that fills it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree


@dataclass
class Built:
    root: etree._Element
    # XPath of a written element (as lxml's getpath and libxml2's error paths spell it)
    # -> the casework field its value came from.
    fields: dict[str, str] = field(default_factory=dict)

    def field_for(self, path: str) -> str | None:
        """The field of the element at ``path``, or of its nearest written ancestor."""
        while path:
            found = self.fields.get(path)
            if found is not None:
                return found
            path = path.rpartition("/")[0]
        return None

    def serialize(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class Writer:
    """Builds one document: ``add`` appends a child, optionally with text and its source."""

    def __init__(self, tag: str, nsmap: dict[str | None, str] | None = None) -> None:
        self.root = etree.Element(tag, nsmap=nsmap)
        self._tree = self.root.getroottree()
        self._fields: list[tuple[etree._Element, str]] = []

    def add(
        self,
        parent: etree._Element,
        tag: str,
        text: str | None = None,
        *,
        source: str | None = None,
        attrib: dict[str, str] | None = None,
    ) -> etree._Element:
        element = etree.SubElement(parent, tag, attrib=attrib)
        if text is not None:
            element.text = text
        if source is not None:
            self._fields.append((element, source))
        return element

    def source(self, element: etree._Element, source: str) -> None:
        """Record where a container element's content comes from."""
        self._fields.append((element, source))

    def finish(self) -> Built:
        fields = {self._tree.getpath(el): src for el, src in self._fields}
        return Built(self.root, fields)


_PREFIX = re.compile(r"[A-Za-z_][\w.-]*:")


def readable(path: str) -> str:
    """An element path without namespace prefixes: ``/EFilingBatchXML/Activity[1]/Party``."""
    return _PREFIX.sub("", path)
