"""UK Sanctions List (FCDO), XML: ``UK-Sanctions-List.xml``.

Since 28 January 2026 the UK Sanctions List is the single UK list of designations (OFSI's
Consolidated List closed that day). The FCDO publishes it without an account as XML, CSV
and ODS under https://sanctionslist.fcdo.gov.uk/docs/ (``UK-Sanctions-List.xml``). The
XML is a root ``<Designations>`` holding ``<DateGenerated>`` (dd/mm/yyyy, read as the
publication date) and one ``<Designation>`` per listed person, entity or ship:

* ``UniqueID`` (``RUS0251``) keys the entity: ``uk-RUS0251``. ``OFSIGroupID`` and
  ``UNReferenceNumber`` are kept with the record.
* ``IndividualEntityShip``: Individual is a Person, Ship a Vessel, Entity an Organization,
  or a Company when a name or its ``TypeOfEntity`` carries a legal form (Ltd, LLC, ...).
* ``Names/Name``: ``Name1`` .. ``Name6`` and a ``NameType``. Name1 is a given name and
  Name6 the family name, or the whole name of an entity or ship; Name2 .. Name5 are other
  given names or patronymics. "Primary Name" is the primary name; "Primary Name
  Variation" (a spelling variation) and "Alias" are aliases, weak when their
  ``AliasStrength`` says weak or low quality. ``NonLatinNames/NonLatinName`` give the
  names in their own script (``NameNonLatinScript``, ``NonLatinScriptType``,
  ``NonLatinScriptLanguage``).
* ``IndividualDetails/Individual``: ``DOB`` (dd/mm/yyyy, with ``dd`` or ``mm`` standing
  for an unknown day or month), ``Nationality``, ``Gender``, ``BirthDetails/Location``
  (``TownOfBirth``, ``CountryOfBirth``), ``Position``, ``Title``, passports
  (``PassportNumber``, ``PassportAdditionalInformation``) and national identifiers
  (``NationalIdentifierNumber``, ``NationalIdentifierAdditionalInformation``).
* ``EntityDetails/Entity``: ``TypeOfEntity`` and ``BusinessRegistrationNumber``.
* ``ShipDetails/Ship``: ``IMONumber``, ``CurrentBelievedFlagOfShip``, ``TypeOfShip``,
  ``HullIdentificationNumber``.
* ``Addresses/Address``: ``AddressLine1`` .. ``AddressLine6``, ``AddressPostalCode`` and
  ``AddressCountry`` (whose country joins the entity's countries).
* ``RegimeName`` is the programme, ``DateDesignated`` the listing date, and
  ``OtherInformation`` goes to the notes; the whole record is kept as its source.

Values are found by element name anywhere inside a designation rather than by their
full path, so a wrapper the publisher adds or renames loses nothing. The file streams one
designation at a time (see ``xml_stream``), so memory stays flat.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from casework.screening.countries import to_alpha3
from casework.screening.entity import Entity, Identifier, Name, NameKind, Schema, Skipped
from casework.screening.importers.common import (
    add_identifier,
    add_unique,
    latest,
    publication_time,
)
from casework.screening.importers.un_xml import script_of
from casework.screening.importers.xml_stream import clean, local_name, stream
from casework.screening.legal_forms import has_legal_form

ROOT = "Designations"
RECORD = "Designation"

_SCHEMAS = {"individual": Schema.person, "entity": Schema.organization, "ship": Schema.vessel}
_GENDERS = {"male": "male", "female": "female"}
_KIND_ORDER = {NameKind.primary: 0, NameKind.aka: 1, NameKind.fka: 2, NameKind.weak: 3}
_GIVEN_PARTS = ("Name1", "Name2", "Name3", "Name4", "Name5")
_ADDRESS_PARTS = (
    *(f"AddressLine{i}" for i in range(1, 7)),
    "AddressPostalCode",
    "AddressCountry",
)
# dd/mm/yyyy, where "dd", "mm" or zeros stand for a day or month the publisher does not know.
_DOB = re.compile(r"^(\d{1,2}|dd)/(\d{1,2}|mm)/(\d{4})$", re.IGNORECASE)
_IMO = re.compile(r"(\d{7})")


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    for path in paths:
        yield from _read_file(path)


def published(paths: Sequence[Path]) -> datetime | None:
    """The latest ``DateGenerated`` of the files."""
    return latest(_date_generated(path) for path in paths)


def _date_generated(path: Path) -> datetime | None:
    with closing(stream(path, ROOT)) as events:
        for event, element, names in events:
            if len(names) != 2:
                continue
            if event == "start" and names[1] == RECORD:
                return None  # the date comes before the designations, or not at all
            if event == "end" and names[1] == "DateGenerated":
                return publication_time(element.text)
    return None


def _read_file(path: Path) -> Iterator[Entity | Skipped]:
    root: ET.Element | None = None
    count = 0
    for event, element, names in stream(path, ROOT):
        if event == "start" and len(names) == 1:
            root = element
        if event != "end" or len(names) != 2 or names[1] != RECORD:
            continue
        count += 1
        yield _convert(element, f"{path}: {RECORD}[{count}]")
        if root is not None:
            root.clear()


def _convert(record: ET.Element, position: str) -> Entity | Skipped:
    unique_id = _text(record, "UniqueID")
    if not unique_id:
        return Skipped(position, "no UniqueID")
    where = f"{position} (UniqueID {unique_id})"
    kind = _text(record, "IndividualEntityShip")
    schema = _SCHEMAS.get(kind.lower())
    if schema is None:
        reason = f"unknown IndividualEntityShip {kind!r}" if kind else "no IndividualEntityShip"
        return Skipped(where, reason)
    names = _names(record, schema)
    if not names:
        return Skipped(where, "no name")
    entity_types = _texts(record, "TypeOfEntity")
    if schema == Schema.organization and has_legal_form(
        [*(n.value for n in names if n.kind != NameKind.weak), *entity_types]
    ):
        schema = Schema.company
    entity = Entity(key=f"uk-{unique_id}", schema=schema, names=names, topics=["sanction"])
    if schema == Schema.person:
        _person(entity, record)
    for value in entity_types:
        add_unique(entity.notes, f"Type of entity: {value}")
    for number in _texts(record, "BusinessRegistrationNumber"):
        add_identifier(entity, Identifier(kind="registration", value=number))
    if schema == Schema.vessel:
        _ship(entity, record)
    for address in record.iter():
        if local_name(address.tag) == "Address":
            add_unique(entity.addresses, _joined(address, _ADDRESS_PARTS))
            add_unique(entity.countries, to_alpha3(_text(address, "AddressCountry")))
    for regime in _texts(record, "RegimeName"):
        add_unique(entity.programs, regime)
    entity.listed_on = _full_date(_text(record, "DateDesignated"))
    for info in _texts(record, "OtherInformation"):
        add_unique(entity.notes, info)
    entity.source = _as_dict(record)
    return entity


def _names(record: ET.Element, schema: Schema) -> list[Name]:
    names: list[Name] = []
    seen: set[str] = set()

    def add(name: Name) -> None:
        if name.value and name.value not in seen:
            seen.add(name.value)
            names.append(name)

    for element in _elements(record, "Name"):
        kind = _name_kind(_text(element, "NameType"), _text(element, "AliasStrength"))
        given = [part for part in (_text(element, tag) for tag in _GIVEN_PARTS) if part]
        last = _text(element, "Name6")
        value = " ".join([*given, last] if last else given)
        if schema == Schema.person and given and last:
            add(
                Name(
                    value,
                    kind=kind,
                    first_name=given[0],
                    middle_name=" ".join(given[1:]) or None,
                    last_name=last,
                )
            )
        else:
            add(Name(value, kind=kind))
    for element in _elements(record, "NonLatinName"):
        value = _text(element, "NameNonLatinScript")
        add(
            Name(
                value,
                kind=NameKind.aka,
                script=_text(element, "NonLatinScriptType") or script_of(value),
                lang=_text(element, "NonLatinScriptLanguage") or None,
            )
        )
    names.sort(key=lambda n: _KIND_ORDER[n.kind])
    if names and names[0].kind != NameKind.primary:
        names[0] = replace(names[0], kind=NameKind.primary)
    return names


def _name_kind(name_type: str, strength: str) -> NameKind:
    strength = strength.lower()
    if "weak" in strength or "low" in strength:
        return NameKind.weak
    return NameKind.primary if name_type.lower() == "primary name" else NameKind.aka


def _person(entity: Entity, record: ET.Element) -> None:
    for dob in _texts(record, "DOB"):
        birth_date = _birth_date(dob)
        add_unique(entity.birth_dates, birth_date)
        if birth_date is None:
            add_unique(entity.notes, f"DOB: {dob}")
    for nationality in _texts(record, "Nationality"):
        code = to_alpha3(nationality)
        if code:
            add_unique(entity.nationalities, code)
        else:
            add_unique(entity.notes, f"Nationality: {nationality}")
    entity.gender = next(
        (g for g in (_GENDERS.get(v.lower()) for v in _texts(record, "Gender")) if g), None
    )
    for location in _elements(record, "Location"):
        add_unique(entity.birth_places, _joined(location, ("TownOfBirth", "CountryOfBirth")))
    for title in _texts(record, "Title"):
        add_unique(entity.notes, f"Title: {title}")
    for position in _texts(record, "Position"):
        add_unique(entity.notes, f"Position: {position}")
    for passport in _elements(record, "Passport"):
        number = _text(passport, "PassportNumber")
        if number:
            note = _text(passport, "PassportAdditionalInformation") or None
            add_identifier(entity, Identifier(kind="passport", value=number, note=note))
    for national_id in _elements(record, "NationalIdentifier"):
        number = _text(national_id, "NationalIdentifierNumber")
        if number:
            note = _text(national_id, "NationalIdentifierAdditionalInformation") or None
            add_identifier(entity, Identifier(kind="national_id", value=number, note=note))


def _ship(entity: Entity, record: ET.Element) -> None:
    for value in _texts(record, "IMONumber"):
        found = _IMO.search(value)
        if found:
            add_identifier(entity, Identifier(kind="imo", value=found.group(1)))
    for value in _texts(record, "HullIdentificationNumber"):
        note = "Hull identification number"
        add_identifier(entity, Identifier(kind="other", value=value, note=note))
    for flag in _texts(record, "CurrentBelievedFlagOfShip"):
        add_unique(entity.countries, to_alpha3(flag))
    for ship_type in _texts(record, "TypeOfShip"):
        add_unique(entity.notes, f"Type of ship: {ship_type}")


def _birth_date(text: str) -> str | None:
    """ "dd/mm/yyyy" with "dd", "mm" or "00" for an unknown day or month, or a bare year."""
    if re.fullmatch(r"\d{4}", text):
        return text
    match = _DOB.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(g) if g.isdigit() else 0 for g in match.groups())
    if year == 0 or month > 12:
        return None
    if month == 0:
        return f"{year:04d}"
    if day == 0:
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _full_date(text: str) -> str | None:
    moment = publication_time(text)
    return moment.date().isoformat() if moment else None


def _elements(record: ET.Element, name: str) -> Iterator[ET.Element]:
    return (element for element in record.iter() if local_name(element.tag) == name)


def _texts(record: ET.Element, name: str) -> list[str]:
    values: list[str] = []
    for element in _elements(record, name):
        add_unique(values, clean(element.text))
    return values


def _text(element: ET.Element, name: str) -> str:
    """The text of ``element``'s first child called ``name``, else of its first descendant."""
    for child in element:
        if local_name(child.tag) == name:
            return clean(child.text)
    return next(iter(_texts(element, name)), "")


def _joined(element: ET.Element, parts: tuple[str, ...]) -> str | None:
    return ", ".join(v for v in (_text(element, part) for part in parts) if v) or None


def _as_dict(element: ET.Element) -> dict[str, Any]:
    """A designation as published: leaves as text, repeated elements as lists."""
    out: dict[str, Any] = {}
    for child in element:
        value: Any = _as_dict(child) if len(child) else clean(child.text)
        if value in ("", {}):
            continue
        key = local_name(child.tag)
        if key in out:
            known = out[key]
            out[key] = [*known, value] if isinstance(known, list) else [known, value]
        else:
            out[key] = value
    return out
