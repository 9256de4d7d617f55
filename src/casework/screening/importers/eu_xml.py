"""EU Financial Sanctions Files (FSF) XML, as the European Commission publishes it.

The export is one ``<export>`` root holding a ``<sanctionEntity>`` per listed party, with
its names (``nameAlias``), birth dates, citizenships, identity documents, addresses,
remarks and the regulations that list it. The file is read one ``sanctionEntity`` at a
time and each is dropped once converted, so memory stays flat however long the list is.
Namespaces are ignored: the Commission has published the same layout under more than
one namespace URI. The root's ``generationDate`` is the file's publication date.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import closing
from datetime import date, datetime
from pathlib import Path
from typing import Any

from casework.screening.countries import to_alpha3
from casework.screening.entity import (
    Entity,
    Identifier,
    ImportFormatError,
    Name,
    NameKind,
    Schema,
    Skipped,
)
from casework.screening.importers.common import add_unique, latest, publication_time
from casework.screening.importers.xml_stream import local_name, stream
from casework.screening.legal_forms import has_legal_form

ROOT = "export"
RECORD = "sanctionEntity"

_SUBJECT_TYPES = {"person": Schema.person, "enterprise": Schema.organization}
_GENDERS = {"M": "male", "F": "female"}
# identificationTypeCode values the FSF uses; any other code is kept as it is written.
_ID_KINDS = {
    "passport": "passport",
    "id": "national_id",
    "ssn": "social_security",
    "fiscalcode": "tax_id",
    "regnumber": "registration",
    "swiftbic": "swift_bic",
    "imo": "imo",
}
_ADDRESS_PARTS = ("street", "poBox", "zipCode", "city", "region", "place", "countryDescription")
_BIRTH_PLACE_PARTS = ("place", "city", "region", "countryDescription")
_UNKNOWN_COUNTRY = {"00", "UNKNOWN"}
_LONGEST_YEAR_RANGE = 20

_STATED_LEGAL_FORM = re.compile(
    r"(?:type of entity|legal form)\s*:\s*([^\n;]+)",
    re.IGNORECASE,
)


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    for path in paths:
        yield from _read_file(path)


def published(paths: Sequence[Path]) -> datetime | None:
    """The latest ``generationDate`` of the files' root elements."""
    return latest(_generation_date(path) for path in paths)


def _generation_date(path: Path) -> datetime | None:
    with closing(stream(path, ROOT)) as events:
        for _event, element, _names in events:
            return publication_time(element.get("generationDate"))
    return None


def _read_file(path: Path) -> Iterator[Entity | Skipped]:
    open_elements: list[ET.Element] = []
    count = 0
    try:
        # Lists come from publishers the operator chose; expat neither fetches external
        # entities nor lets internal ones expand without bound.
        for event, element in ET.iterparse(path, events=("start", "end")):  # noqa: S314
            if event == "start":
                if not open_elements and local_name(element.tag) != ROOT:
                    raise ImportFormatError(
                        str(path),
                        f"root element <{local_name(element.tag)}>",
                        f"expected <{ROOT}>, the root of an EU Financial Sanctions File",
                    )
                open_elements.append(element)
                continue
            open_elements.pop()
            if len(open_elements) != 1:
                continue
            if local_name(element.tag) == RECORD:
                count += 1
                yield _convert(element, f"{path}: {RECORD} #{count}")
            open_elements[0].remove(element)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise ImportFormatError(
            str(path), f"line {line}, column {column}", f"not well-formed XML: {reason}"
        ) from None


def _convert(record: ET.Element, where: str) -> Entity | Skipped:
    attributes = _attributes(record)
    logical_id = attributes.get("logicalId")
    if not logical_id:
        return Skipped(where, "no logicalId")
    where = f"{where} (logicalId {logical_id})"

    subject_code: str | None = None
    aliases: list[dict[str, str]] = []
    programs: list[str] = []
    regulation_dates: list[str] = []
    birth_dates: list[str] = []
    birth_places: list[str] = []
    nationalities: list[str] = []
    countries: list[str] = []
    identifiers: list[Identifier] = []
    addresses: list[str] = []
    notes: list[str] = []

    for child in record:
        tag = local_name(child.tag)
        values = _attributes(child)
        if tag == "subjectType":
            subject_code = values.get("code", "").lower()
        elif tag == "nameAlias":
            aliases.append(values)
        elif tag == "regulation":
            add_unique(programs, values.get("programme"))
            publication = _iso_date(values.get("publicationDate"))
            if publication:
                regulation_dates.append(publication)
        elif tag == "citizenship":
            add_unique(nationalities, _country(values))
        elif tag == "birthdate":
            for birth_date in _birth_dates(values):
                add_unique(birth_dates, birth_date)
            add_unique(birth_places, _joined(values, _BIRTH_PLACE_PARTS))
        elif tag == "identification":
            identifier = _identifier(values)
            if identifier is not None and identifier not in identifiers:
                identifiers.append(identifier)
        elif tag == "address":
            add_unique(addresses, _joined(values, _ADDRESS_PARTS))
            add_unique(countries, _country(values))
        elif tag == "remark":
            add_unique(notes, (child.text or "").strip())

    if subject_code is None:
        return Skipped(where, "no subjectType")
    if subject_code not in _SUBJECT_TYPES:
        return Skipped(where, f"unknown subjectType code {subject_code!r}")
    names = _names(aliases)
    if not names:
        return Skipped(where, "no name")

    schema = _SUBJECT_TYPES[subject_code]
    if schema == Schema.organization:
        stated = [m.group(1) for note in notes for m in _STATED_LEGAL_FORM.finditer(note)]
        if has_legal_form([*(n.value for n in names if n.kind != NameKind.weak), *stated]):
            schema = Schema.company

    gender = next((_GENDERS[g] for a in aliases if (g := a.get("gender", "")) in _GENDERS), None)
    for alias in aliases:
        add_unique(notes, _labelled("Function", alias.get("function")))
        add_unique(notes, _labelled("Title", alias.get("title")))

    listed_on = _iso_date(attributes.get("designationDate")) or min(regulation_dates, default=None)
    return Entity(
        key=f"eu-{logical_id}",
        schema=schema,
        names=names,
        birth_dates=birth_dates,
        birth_places=birth_places,
        countries=countries,
        nationalities=nationalities,
        gender=gender,
        identifiers=identifiers,
        addresses=addresses,
        programs=programs,
        topics=["sanction"],
        listed_on=listed_on,
        notes=notes,
        source=_document(record),
    )


def _names(aliases: list[dict[str, str]]) -> list[Name]:
    names: list[Name] = []
    seen: set[str] = set()
    have_primary = False
    for alias in aliases:
        first, middle, last = (alias.get(p) for p in ("firstName", "middleName", "lastName"))
        value = alias.get("wholeName") or " ".join(p for p in (first, middle, last) if p)
        if not value or value in seen:
            continue
        seen.add(value)
        if alias.get("strong", "true").lower() == "false":
            kind = NameKind.weak
        elif have_primary:
            kind = NameKind.aka
        else:
            kind = NameKind.primary
            have_primary = True
        language = alias.get("nameLanguage")
        names.append(
            Name(
                value=value,
                kind=kind,
                first_name=first,
                middle_name=middle,
                last_name=last,
                lang=language.lower() if language else None,
            )
        )
    return names


def _birth_dates(values: dict[str, str]) -> list[str]:
    full = _iso_date(values.get("birthdate"))
    if full:
        return [full]
    year = values.get("year", "")
    if re.fullmatch(r"\d{4}", year):
        month = values.get("monthOfYear", "")
        day = values.get("dayOfMonth", "")
        if month.isdigit() and 1 <= int(month) <= 12:
            if day.isdigit() and _iso_date(f"{year}-{int(month):02d}-{int(day):02d}"):
                return [f"{year}-{int(month):02d}-{int(day):02d}"]
            return [f"{year}-{int(month):02d}"]
        return [year]
    start, end = values.get("yearRangeFrom", ""), values.get("yearRangeTo", "")
    if start.isdigit() and end.isdigit() and 0 <= int(end) - int(start) <= _LONGEST_YEAR_RANGE:
        return [str(y) for y in range(int(start), int(end) + 1)]
    return []


def _identifier(values: dict[str, str]) -> Identifier | None:
    number = values.get("number") or values.get("latinNumber")
    if not number:
        return None
    code = values.get("identificationTypeCode", "other").lower()
    return Identifier(
        kind=_ID_KINDS.get(code, code),
        value=number,
        country=_country(values),
        note=values.get("identificationTypeDescription"),
    )


def _country(values: dict[str, str]) -> str | None:
    code = values.get("countryIsoCode", "")
    if code and code.upper() not in _UNKNOWN_COUNTRY:
        found = to_alpha3(code)
        if found:
            return found
    description = values.get("countryDescription", "")
    if description.upper() in _UNKNOWN_COUNTRY:
        return None
    return to_alpha3(description)


def _iso_date(text: str | None) -> str | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return None


def _joined(values: dict[str, str], parts: tuple[str, ...]) -> str | None:
    kept = [values[p] for p in parts if values.get(p) and values[p].upper() != "UNKNOWN"]
    return ", ".join(kept) or None


def _labelled(label: str, value: str | None) -> str | None:
    return f"{label}: {value}" if value else None


def _attributes(element: ET.Element) -> dict[str, str]:
    return {local_name(k): v.strip() for k, v in element.attrib.items() if v and v.strip()}


def _document(element: ET.Element) -> dict[str, Any]:
    document: dict[str, Any] = {"tag": local_name(element.tag), "attributes": _attributes(element)}
    text = (element.text or "").strip()
    if text:
        document["text"] = text
    children = [_document(child) for child in element]
    if children:
        document["children"] = children
    return document
