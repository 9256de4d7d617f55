"""Writing report XML with lxml while remembering where each element's value came from,
so that a schema error on an element can name the casework field that fills it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from lxml import etree


@dataclass
class Built:
    root: etree._Element
    # Each written element whose value came from casework -> the field it came from.
    sources: dict[etree._Element, str] = field(default_factory=dict)

    @cached_property
    def fields(self) -> dict[str, str]:
        """The sources by XPath (as lxml's getpath and libxml2's error paths spell it).
        Paths are computed here, once, only when asked: a path counts the element's
        preceding siblings, so computing one per element while writing is quadratic."""
        tree = self.root.getroottree()
        return {tree.getpath(element): source for element, source in self.sources.items()}

    def field_for(self, path: str) -> str | None:
        """The field of the element at ``path``, or of its nearest written ancestor."""
        element = self._at(path)
        while element is not None:
            found = self.sources.get(element)
            if found is not None:
                return found
            element = element.getparent()
        return None

    def _at(self, path: str) -> etree._Element | None:
        prefixes = {prefix: uri for prefix, uri in self.root.nsmap.items() if prefix}
        while path:
            try:
                found = self.root.xpath(path, namespaces=prefixes)
            except etree.XPathError:
                found = None
            if isinstance(found, list) and found and isinstance(found[0], etree._Element):
                return found[0]
            path = path.rpartition("/")[0]
        return None

    def serialize(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class Writer:
    """Builds one document: ``add`` appends a child, optionally with text and its source."""

    def __init__(self, tag: str, nsmap: dict[str | None, str] | None = None) -> None:
        self.root = etree.Element(tag, nsmap=nsmap)
        self._sources: dict[etree._Element, str] = {}

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
            self._sources[element] = source
        return element

    def source(self, element: etree._Element, source: str) -> None:
        """Record where a container element's content comes from."""
        self._sources[element] = source

    def finish(self) -> Built:
        return Built(self.root, self._sources)


_PREFIX = re.compile(r"[A-Za-z_][\w.-]*:")


def readable(path: str) -> str:
    """An element path without namespace prefixes: ``/EFilingBatchXML/Activity[1]/Party``."""
    return _PREFIX.sub("", path)
