"""UN Security Council Consolidated List, XML (``CONSOLIDATED_LIST``).

Each ``INDIVIDUALS/INDIVIDUAL`` becomes a Person and each ``ENTITIES/ENTITY`` an
Organization, or a Company when its name carries a legal form (Ltd, LLC, Co., S.A., ...).
The key is ``un-`` plus the permanent reference number (``un-QDi.001``), else the DATAID.

How the publisher's fields are read:

* Names: FIRST_NAME .. FOURTH_NAME in order make the primary name (first part, middle
  parts, last part); NAME_ORIGINAL_SCRIPT is a further primary name whose script is told
  from its letters; aliases of quality "Good" or "a.k.a." are ``aka``, "f.k.a." ``fka``
  and "Low" ``weak``.
* Dates of birth: EXACT and APPROXIMATELY give a DATE or a YEAR (a month written in the
  NOTE narrows a year to "YYYY-MM"); BETWEEN gives every year from FROM_YEAR to TO_YEAR.
  Dates and places of birth given under an alias count too. Notes that are not dates
  ("30-35 years old", Hijri dates) are kept in ``notes``.
* Documents become identifiers (passport, national_id, tax_id or other) when they have a
  NUMBER; those without one are kept in ``notes``.
* The root's ``dateGenerated`` is the list's publication date (``published``).
* ``programs`` is the UN_LIST_TYPE ("Al-Qaida", "DPRK", ...), or, when missing, the regime
  the reference number's prefix stands for. COMMENTS1, TITLE and DESIGNATION go to notes.

Parsing streams with ``xml.etree.ElementTree.iterparse`` and clears each record once read,
so memory stays flat however long the list. Safety: ElementTree never fetches external
entities or DTDs (a reference to one is a parse error), which is what this relies on in
place of defusedxml; the expat it runs on (2.4.1 and later) also caps entity expansion. On
top of that a file whose prolog declares a DOCTYPE is refused: neither format has one.

"""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import datetime
from pathlib import Path
from typing import Any

from casework.screening.countries import to_alpha3
from casework.screening.entity import (
    Entity,
    Identifier,
    Name,
    NameKind,
    Schema,
    Skipped,
)
from casework.screening.importers.common import (
    add_identifier,
    add_unique,
    latest,
    publication_time,
)
from casework.screening.importers.xml_stream import clean, stream
from casework.screening.legal_forms import has_legal_form

ROOT = "CONSOLIDATED_LIST"
_RECORDS = {("INDIVIDUALS", "INDIVIDUAL"), ("ENTITIES", "ENTITY")}

# ---------------------------------------------------------------------------- shared helpers

# ------------------------------------------------------------------------------- UN records

_QUALITY = {
    "good": NameKind.aka,
    "a.k.a.": NameKind.aka,
    "f.k.a.": NameKind.fka,
    "low": NameKind.weak,
}
# What each reference-number prefix stands for, as UN_LIST_TYPE spells it.
_REGIMES = {
    "QD": "Al-Qaida",
    "TA": "Taliban",
    "KP": "DPRK",
    "IQ": "Iraq",
    "CD": "DRC",
    "IR": "Iran",
    "LY": "Libya",
    "SO": "Somalia",
    "CF": "CAR",
    "GB": "GB",
    "YE": "Yemen",
    "HT": "Haiti",
    "SD": "Sudan",
    "SS": "SouthSudan",
}
# Country names the UN writes that countries.to_alpha3 does not resolve.
_UN_COUNTRIES = {
    "china, hong kong special administrative region": "HKG",
    "china, macao special administrative region": "MAC",
    "former soviet union": "SUN",
}
_NOT_STATED = frozenset({"na", "n/a", "none", "unknown", "-"})
_PARENTHESES = re.compile(r"\s*\([^)]*\)")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_MONTH_YEAR = re.compile(r"^([A-Za-z]{3})[a-z]*\.?(?:\s+(\d{4}))?$")
_POB_LABEL = re.compile(r"^place of birth:\s*", re.IGNORECASE)
_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")
_MAX_YEAR_SPAN = 30
# Values that are wrapped in a container of <VALUE> elements, and fields that repeat.
_VALUE_LISTS = frozenset({"NATIONALITY", "DESIGNATION", "TITLE", "LIST_TYPE", "LAST_DAY_UPDATED"})
_REPEATED = frozenset(
    {
        "INDIVIDUAL_ALIAS",
        "ENTITY_ALIAS",
        "INDIVIDUAL_ADDRESS",
        "ENTITY_ADDRESS",
        "INDIVIDUAL_DATE_OF_BIRTH",
        "INDIVIDUAL_PLACE_OF_BIRTH",
        "INDIVIDUAL_DOCUMENT",
    }
)
_SCRIPTS = {"CJK": "Han", "HIRAGANA": "Japanese", "KATAKANA": "Japanese"}


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    for path in paths:
        yield from _read_file(path)


def published(paths: Sequence[Path]) -> datetime | None:
    """The latest ``dateGenerated`` of the files' root elements."""
    return latest(_date_generated(path) for path in paths)


def _date_generated(path: Path) -> datetime | None:
    with closing(stream(path, ROOT)) as events:
        for _event, element, _names in events:
            return publication_time(element.get("dateGenerated"))
    return None


def _read_file(path: Path) -> Iterator[Entity | Skipped]:
    counts: dict[str, int] = {}
    container: ET.Element | None = None
    for event, element, names in stream(path, ROOT):
        if event == "start" and len(names) == 2:
            container = element
        if event != "end" or len(names) != 3 or (names[1], names[2]) not in _RECORDS:
            continue
        counts[names[2]] = counts.get(names[2], 0) + 1
        position = f"{path}: {'/'.join(names)}[{counts[names[2]]}]"
        yield _record(element, names[2], position, str(path))
        if container is not None:
            container.clear()


def _record(element: ET.Element, tag: str, position: str, path: str) -> Entity | Skipped:
    fields = _fields(element)
    reference = _first(fields, "REFERENCE_NUMBER")
    ref = reference or _first(fields, "DATAID")
    where = f"{path}: {tag} {ref}" if ref else position
    if not ref:
        return Skipped(where, "no REFERENCE_NUMBER or DATAID")
    if tag == "INDIVIDUAL":
        parts = [
            part
            for part in (
                _first(fields, f"{n}_NAME") for n in ("FIRST", "SECOND", "THIRD", "FOURTH")
            )
            if part and part.casefold() not in _NOT_STATED
        ]
        if not parts:
            return Skipped(where, "no name (FIRST_NAME .. FOURTH_NAME are empty)")
        primary = Name(
            " ".join(parts),
            first_name=parts[0] if len(parts) > 1 else None,
            middle_name=" ".join(parts[1:-1]) or None,
            last_name=parts[-1] if len(parts) > 1 else None,
        )
        entity = Entity(key=f"un-{ref}", schema=Schema.person, names=[primary])
    else:
        name = _first(fields, "FIRST_NAME")
        if not name:
            return Skipped(where, "no name (FIRST_NAME is empty)")
        schema = Schema.company if has_legal_form([name]) else Schema.organization
        entity = Entity(key=f"un-{ref}", schema=schema, names=[Name(name)])
    original = _first(fields, "NAME_ORIGINAL_SCRIPT")
    if original:
        _add_name(entity, Name(original, script=script_of(original)))
    for alias in fields.get(f"{tag}_ALIAS", []):
        value = alias.get("ALIAS_NAME", "")
        if value:
            kind = _QUALITY.get(alias.get("QUALITY", "").casefold(), NameKind.aka)
            _add_name(entity, Name(value, kind=kind))
    for address in fields.get(f"{tag}_ADDRESS", []):
        _address(entity, address)
    list_type = _first(fields, "UN_LIST_TYPE")
    program = list_type or _REGIMES.get((reference or "")[:2].upper())
    entity.programs = [program] if program else []
    entity.topics = ["sanction"]
    entity.listed_on = _date(_first(fields, "LISTED_ON"))
    add_unique(entity.notes, _first(fields, "COMMENTS1"))
    for value in fields.get("TITLE", []):
        add_unique(entity.notes, f"Title: {value}")
    for value in fields.get("DESIGNATION", []):
        add_unique(entity.notes, f"Designation: {value}")
    if tag == "INDIVIDUAL":
        _person(entity, fields)
    entity.source = fields
    return entity


def _person(entity: Entity, fields: dict[str, Any]) -> None:
    gender = _first(fields, "GENDER").casefold()
    entity.gender = gender if gender in ("male", "female") else None
    for value in fields.get("NATIONALITY", []):
        code = country_code(value)
        if code:
            add_unique(entity.nationalities, code)
        elif value.casefold() not in _NOT_STATED:
            add_unique(entity.notes, f"Nationality: {value}")
    for dob in fields.get("INDIVIDUAL_DATE_OF_BIRTH", []):
        _birth_date(entity, dob)
    for pob in fields.get("INDIVIDUAL_PLACE_OF_BIRTH", []):
        place = _join(pob, "STREET", "CITY", "STATE_PROVINCE", "COUNTRY")
        note = _POB_LABEL.sub("", pob.get("NOTE", ""))
        if place:
            add_unique(entity.birth_places, place)
            add_unique(entity.notes, note and f"Place of birth: {note}")
        elif note:
            add_unique(entity.birth_places, note)
    for alias in fields.get("INDIVIDUAL_ALIAS", []):
        if alias.get("ALIAS_NAME"):
            add_unique(entity.birth_dates, _date(alias.get("DATE_OF_BIRTH")))
            add_unique(entity.birth_places, _join(alias, "CITY_OF_BIRTH", "COUNTRY_OF_BIRTH"))
    for document in fields.get("INDIVIDUAL_DOCUMENT", []):
        _document(entity, document)


def _birth_date(entity: Entity, dob: dict[str, str]) -> None:
    kind = dob.get("TYPE_OF_DATE", "").upper()
    note = dob.get("NOTE", "")
    month = _month_year(note)
    note_used = False
    bounds = sorted(int(y) for y in (dob.get("FROM_YEAR"), dob.get("TO_YEAR")) if y and y.isdigit())
    if kind == "BETWEEN" and bounds:
        low, high = bounds[0], bounds[-1]
        years = range(low, high + 1) if high - low <= _MAX_YEAR_SPAN else (low, high)
        for year in years:
            add_unique(entity.birth_dates, str(year))
    elif dob.get("DATE"):
        add_unique(entity.birth_dates, _date(dob["DATE"]))
    elif dob.get("YEAR"):
        given = dob["YEAR"]
        if month and month[1] in (None, given):
            add_unique(entity.birth_dates, f"{given}-{month[0]:02d}")
            note_used = True
        else:
            add_unique(entity.birth_dates, _date(given))
    elif month and month[1]:
        add_unique(entity.birth_dates, f"{month[1]}-{month[0]:02d}")
        note_used = True
    if note and not note_used and note.casefold() != "approximately":
        add_unique(entity.notes, f"Date of birth: {note}")


def _document(entity: Entity, document: dict[str, str]) -> None:
    kind_of = document.get("TYPE_OF_DOCUMENT", "")
    detail = document.get("TYPE_OF_DOCUMENT2", "")
    number = document.get("NUMBER", "")
    if not number:
        label = ": ".join(x for x in (kind_of or "Document", detail) if x)
        add_unique(entity.notes, f"{label}: {document['NOTE']}" if document.get("NOTE") else None)
        return
    issued = " ".join(
        x
        for x in (
            document.get("DATE_OF_ISSUE") and f"issued {document['DATE_OF_ISSUE']}",
            document.get("CITY_OF_ISSUE") and f"in {document['CITY_OF_ISSUE']}",
        )
        if x
    )
    note_parts = [
        detail if detail.casefold() != kind_of.casefold() else "",
        issued,
        document.get("NOTE", ""),
    ]
    issuer = document.get("ISSUING_COUNTRY") or document.get("COUNTRY_OF_ISSUE")
    identifier = Identifier(
        kind=document_kind(detail, kind_of),
        value=number,
        country=country_code(issuer) if issuer else None,
        note="; ".join(x for x in note_parts if x) or None,
    )
    add_identifier(entity, identifier)


def document_kind(*labels: str) -> str:
    """Identifier kind for the first label that says what a document is."""
    for label in labels:
        text = label.casefold()
        if not text:
            continue
        if re.search(r"passport|passeport|pasaporte|laissez-passer", text):
            return "passport"
        if re.search(r"fiscal|\btax\b", text):
            return "tax_id"
        if re.search(
            r"birth|ration|driver|voter|student|military|serviceman|residen|certificate"
            r"|fardc|other",
            text,
        ):
            return "other"
        if re.search(r"identi|national|civil|personal|tazkira|social security", text):
            return "national_id"
    return "other"


def _address(entity: Entity, address: dict[str, str]) -> None:
    country = address.get("COUNTRY", "")
    code = country_code(country) if country else None
    if code:
        add_unique(entity.countries, code)
    if any(address.get(k) for k in ("STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE")):
        add_unique(
            entity.addresses,
            _join(address, "STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"),
        )
    elif address.get("NOTE") and not country:
        add_unique(entity.addresses, address["NOTE"])


def country_code(text: str) -> str | None:
    """Alpha-3 for a country as the UN writes it; None for "na" and other non-answers."""
    lowered = text.casefold().strip()
    if not lowered or lowered in _NOT_STATED:
        return None
    return (
        _UN_COUNTRIES.get(lowered)
        or to_alpha3(text)
        or to_alpha3(_PARENTHESES.sub("", text))  # "Iran (Islamic Republic of)"
    )


def script_of(text: str) -> str | None:
    """The writing system of a name, from the Unicode names of its letters ("Arabic")."""
    for char in text:
        if char.isalpha():
            word = unicodedata.name(char, "").split(" ")[0]
            return _SCRIPTS.get(word, word.title()) if word else None
    return None


def _month_year(note: str) -> tuple[int, str | None] | None:
    match = _MONTH_YEAR.match(note)
    if not match or match.group(1).casefold() not in _MONTHS:
        return None
    return _MONTHS[match.group(1).casefold()], match.group(2)


def _date(text: str | None) -> str | None:
    """ "YYYY", "YYYY-MM" or "YYYY-MM-DD" from the start of a date ("2015-04-07-04:00")."""
    match = _DATE.match(text or "")
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


def _fields(element: ET.Element) -> dict[str, Any]:
    """The record as a compact dict: text fields as strings, VALUE lists as lists of
    strings, repeated groups as lists of dicts; empty fields left out."""
    fields: dict[str, Any] = {}
    for child in element:
        tag = child.tag
        if tag in _VALUE_LISTS:
            values = [clean(v.text) for v in child if clean(v.text)]
            if values:
                fields.setdefault(tag, []).extend(values)
        elif tag in _REPEATED:
            group = {c.tag: clean(c.text) for c in child if clean(c.text)}
            if group:
                fields.setdefault(tag, []).append(group)
        elif clean(child.text):
            fields[tag] = clean(child.text)
    return fields


def _first(fields: dict[str, Any], tag: str) -> str:
    value = fields.get(tag, "")
    return value if isinstance(value, str) else ""


def _join(group: dict[str, str], *tags: str) -> str:
    return ", ".join(group[t] for t in tags if group.get(t))


def _add_name(entity: Entity, name: Name) -> None:
    if all(n.value.casefold() != name.value.casefold() for n in entity.names):
        entity.names.append(name)
