"""The regulator's XML schema: compiled safely, adjusted knowingly, and its errors told in
casework's terms.

goAML schemas are written for the FIU portal, which reads ``xs:pattern`` with .NET and
JavaScript regular expressions. Two of their habits mean something else to a strict XSD 1.0
validator such as libxml2, and are adjusted in memory (the file is kept as published):

- ``^[a-zA-Z0-9 .'-]*$``: XSD patterns are anchored already, and there ``^`` and ``$`` are
  literal characters, so every real name would fail. The anchors are dropped.
- ``[_a-zA-Z0-9-+]``: in XSD a hyphen after a range is not a literal hyphen, so
  ``jean-paul@example.org`` would fail. The hyphen is escaped.

Every adjustment made is listed with the validation result.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass

from lxml import etree

from casework.reports.content import Problem
from casework.reports.xml import Built, readable

_ANCHORED = re.compile(r"^\^(?P<body>.*[^\\])\$$", re.DOTALL)
# A hyphen right after a range inside a character class, not closing the class.
_LOOSE_HYPHEN = re.compile(r"(?<=[0-9A-Za-z]-[0-9A-Za-z])-(?=[^\]\[])")
XS = "{http://www.w3.org/2001/XMLSchema}"
MAX_SCHEMA_BYTES = 5 * 1024 * 1024


class SchemaUnusable(ValueError):
    """The schema file cannot be used: not XML, not an XSD, or it refers to other files."""


class _NoExternal(etree.Resolver):
    """A schema may not pull in other files or URLs: a tenant's upload must not read the
    server's disk or network."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> None:
        raise SchemaUnusable(f"the schema refers to another file ({system_url}); upload one file")


@dataclass(frozen=True)
class Schema:
    sha256: str
    adjustments: tuple[str, ...]
    _schema: etree.XMLSchema

    def problems(self, built: Built) -> list[Problem]:
        """Every schema error of ``built``, each naming the field that fills the element."""
        document = built.root.getroottree()
        # A schema holds no state between validations, but lxml keeps the error log on the
        # object; one validation at a time keeps each log its own.
        with _VALIDATING:
            self._schema.validate(document)
            entries = list(self._schema.error_log)
        found = []
        for entry in entries:
            path = entry.path or ""
            found.append(
                Problem(
                    element=readable(path) or "/",
                    message=_message(entry.message),
                    field=built.field_for(path),
                    rule=_rule(entry.message),
                    source="schema",
                )
            )
        return found


_VALIDATING = threading.Lock()
_CACHE: dict[str, Schema] = {}
_CACHE_LOCK = threading.Lock()


def load(xsd: bytes) -> Schema:
    """The compiled schema of ``xsd`` (cached by content). Raises SchemaUnusable."""
    digest = hashlib.sha256(xsd).hexdigest()
    with _CACHE_LOCK:
        cached = _CACHE.get(digest)
    if cached is not None:
        return cached
    schema = _compile(xsd, digest)
    with _CACHE_LOCK:
        if len(_CACHE) > 32:
            _CACHE.clear()
        _CACHE[digest] = schema
    return schema


def _compile(xsd: bytes, digest: str) -> Schema:
    if len(xsd) > MAX_SCHEMA_BYTES:
        raise SchemaUnusable(f"the schema is larger than {MAX_SCHEMA_BYTES // 1024 // 1024} MiB")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    parser.resolvers.add(_NoExternal())
    try:
        document = etree.fromstring(xsd, parser)
    except etree.XMLSyntaxError as exc:
        raise SchemaUnusable(f"the schema is not well-formed XML: {exc}") from None
    if document.tag != f"{XS}schema":
        raise SchemaUnusable("the file is not an XML Schema (its root is not xs:schema)")
    for ref in document.iter(f"{XS}include", f"{XS}import", f"{XS}redefine"):
        if ref.get("schemaLocation"):
            raise SchemaUnusable(
                f"the schema refers to another file ({ref.get('schemaLocation')}); upload one file"
            )
    adjustments = _adjust_patterns(document)
    try:
        compiled = etree.XMLSchema(document)
    except (etree.XMLSchemaParseError, SchemaUnusable) as exc:
        raise SchemaUnusable(f"the schema does not compile: {exc}") from None
    return Schema(digest, tuple(adjustments), compiled)


def _adjust_patterns(document: etree._Element) -> list[str]:
    made: dict[str, str] = {}
    for facet in document.iter(f"{XS}pattern"):
        value = facet.get("value") or ""
        adjusted = value
        anchored = _ANCHORED.match(adjusted)
        if anchored:
            adjusted = anchored.group("body")
        adjusted = _LOOSE_HYPHEN.sub(r"\\-", adjusted)
        if adjusted != value:
            facet.set("value", adjusted)
            made[value] = adjusted
    return [f"pattern {old} read as {new}" for old, new in made.items()]


_SET = re.compile(r" is not an element of the set \{.*\}\.?$", re.DOTALL)


def _message(text: str) -> str:
    # An enumeration error lists every allowed value (hundreds for goAML's indicators).
    return _SET.sub(" is not one of the values the schema allows.", text.strip())


_FACET = re.compile(r"\[facet '([^']+)'\]")


def _rule(text: str) -> str:
    facet = _FACET.search(text)
    if facet:
        return f"facet {facet.group(1)}"
    if "Missing child element" in text:
        return "required element"
    if "This element is not expected" in text:
        return "element order or unknown element"
    if "is not a valid value of the atomic type" in text:
        return "datatype"
    if "is not an element of the set" in text:
        return "enumeration"
    return "schema"
