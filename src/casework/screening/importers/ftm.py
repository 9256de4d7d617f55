"""FollowTheMoney (FtM) entity streams: JSON lines, one entity per line.

Each line is ``{"id", "schema", "properties": {name: [values]}, "datasets", "referents",
"target", ...}``, the shape OpenSanctions exports. Things that can be screened (people,
companies, organisations, vessels, aircraft) become entities. ``Sanction`` entities are
folded into the thing their ``entity`` property names (programme, authority, listing
date) and ``Address`` entities into the things whose ``addressEntity`` points at them;
other schemas (ownerships, directorships, payments, family ties...) come out as
``Skipped``, as do related parties the list does not itself target (``target: false``).

Sanctions and addresses usually follow the things they describe, so the files are read
twice: a first pass keeps only the sanction facts and address texts, keyed by id, and a
second pass converts the things. Memory grows with those small facts, not with the things.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
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
from casework.screening.importers.common import add_unique

SCHEMAS = {
    "Person": Schema.person,
    "Company": Schema.company,
    "Organization": Schema.organization,
    "PublicBody": Schema.organization,
    "LegalEntity": Schema.legal_entity,
    "Vessel": Schema.vessel,
    "Airplane": Schema.aircraft,
}
SANCTION = "Sanction"
ADDRESS = "Address"

_NAME_PROPERTIES = (
    ("name", NameKind.primary),
    ("alias", NameKind.aka),
    ("previousName", NameKind.fka),
    ("weakAlias", NameKind.weak),
    ("abbreviation", NameKind.weak),
)
# Property, identifier kind, and the issuing country when the property implies one.
_IDENTIFIER_PROPERTIES = (
    ("passportNumber", "passport", None),
    ("idNumber", "national_id", None),
    ("innCode", "tax_id", "RUS"),
    ("taxNumber", "tax_id", None),
    ("vatCode", "vat", None),
    ("ogrnCode", "registration", "RUS"),
    ("registrationNumber", "registration", None),
    ("leiCode", "lei", None),
    ("swiftBic", "swift_bic", None),
    ("uniqueEntityId", "uei", "USA"),
    ("imoNumber", "imo", None),
    ("mmsi", "mmsi", None),
    ("callSign", "call_sign", None),
    ("serialNumber", "serial_number", None),
)
_COUNTRY_PROPERTIES = ("country", "jurisdiction", "mainCountry", "flag")
_NATIONALITY_PROPERTIES = ("nationality", "citizenship")
_GENDERS = ("male", "female")
# FtM's code for Kosovo, which ISO 3166 has not assigned.
_KOSOVO = ("xk", "XKX")
_SANCTION_FACTS = (
    "authority",
    "authorityId",
    "program",
    "programId",
    "country",
    "listingDate",
    "startDate",
    "endDate",
    "status",
)
# A sanction without a programme code names its programme in prose, sometimes a paragraph
# long; only a short name is worth listing beside the codes.
_LONGEST_LABEL = 64
_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


@dataclass(frozen=True, slots=True)
class _Sanction:
    where: str
    facts: dict[str, list[str]]


@dataclass
class _Facts:
    sanctions: dict[str, list[_Sanction]]
    addresses: dict[str, str]
    unusable: list[Skipped]


def read(paths: Sequence[Path], *, include_related: bool = False) -> Iterator[Entity | Skipped]:
    """Entities for the screenable things in ``paths``, read as one dataset.

    ``include_related`` also imports things marked ``target: false`` (a listed party's
    owned companies, relatives, ...), which are not themselves on the list.
    """
    facts = _Facts(sanctions={}, addresses={}, unusable=[])
    for path in paths:
        _collect(path, facts)
    yield from facts.unusable
    seen: set[str] = set()
    for path in paths:
        for where, record in _records(path):
            schema_name = record["schema"]
            if schema_name == SANCTION:
                continue
            if schema_name not in SCHEMAS:
                yield Skipped(where, f"not a screenable schema: {schema_name}")
                continue
            entity_id = record["id"]
            if entity_id in seen:
                yield Skipped(f"{where} (id {entity_id})", "duplicate id")
                continue
            seen.add(entity_id)
            sanctions = [
                sanction
                for key in (entity_id, *_strings(record.get("referents")))
                for sanction in facts.sanctions.pop(key, [])
            ]
            if record.get("target") is False and not include_related:
                yield Skipped(where, "related party, not a target of the list")
                continue
            yield _convert(record, SCHEMAS[schema_name], sanctions, facts.addresses, where)
    for entity_id, sanctions in facts.sanctions.items():
        for sanction in sanctions:
            where = f"{sanction.where} (entity {entity_id})"
            yield Skipped(where, "sanction on an entity not in the files")


def _collect(path: Path, facts: _Facts) -> None:
    for where, record in _records(path, only=(SANCTION, ADDRESS)):
        properties = _properties(record)
        if record["schema"] == SANCTION:
            kept = {k: properties[k] for k in _SANCTION_FACTS if properties.get(k)}
            if not properties.get("entity"):
                facts.unusable.append(Skipped(where, "sanction names no entity"))
            for entity_id in properties.get("entity", []):
                facts.sanctions.setdefault(entity_id, []).append(_Sanction(where, kept))
        elif record["schema"] == ADDRESS:
            text = next(iter(properties.get("full", [])), None) or ", ".join(
                value
                for key in ("street", "postalCode", "city", "region")
                for value in properties.get(key, [])[:1]
            )
            if text:
                for key in (record["id"], *_strings(record.get("referents"))):
                    facts.addresses[key] = text


def _records(path: Path, only: tuple[str, ...] = ()) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each entity in the file with its place; ``only`` skips other schemas unparsed."""
    markers = [json.dumps(schema).encode() for schema in only]
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip() or (markers and not any(m in raw for m in markers)):
                continue
            where = f"{path}: line {number}"
            try:
                record = json.loads(raw.decode("utf-8"))
            except UnicodeDecodeError:
                raise ImportFormatError(str(path), f"line {number}", "not UTF-8 text") from None
            except json.JSONDecodeError as exc:
                raise ImportFormatError(
                    str(path), f"line {number}", f"invalid JSON: {exc.msg} at column {exc.colno}"
                ) from None
            problem = _shape_problem(record)
            if problem:
                raise ImportFormatError(
                    str(path), f"line {number}", f"not a FollowTheMoney entity: {problem}"
                )
            if only and record["schema"] not in only:
                continue
            yield where, record


def _shape_problem(record: Any) -> str | None:
    if not isinstance(record, dict):
        kind = {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
            type(record), "number"
        )
        return f"a JSON {kind}, not an object"
    for key in ("id", "schema"):
        if not isinstance(record.get(key), str) or not record[key].strip():
            return f"no {key!r}"
    if not isinstance(record.get("properties", {}), dict):
        return "'properties' is not an object"
    return None


def _convert(
    record: dict[str, Any],
    schema: Schema,
    sanctions: list[_Sanction],
    addresses: dict[str, str],
    where: str,
) -> Entity | Skipped:
    properties = _properties(record)
    names = _names(properties, record.get("caption"))
    if not names:
        return Skipped(where, "no name")

    identifiers: list[Identifier] = []
    for prop, kind, country in _IDENTIFIER_PROPERTIES:
        for value in properties.get(prop, []):
            if not any(i.kind == kind and i.value == value for i in identifiers):
                identifiers.append(Identifier(kind=kind, value=value, country=country))

    programs = list(properties.get("programId", []))
    for sanction in sanctions:
        labels = sanction.facts.get("programId") or [
            text for text in sanction.facts.get("program", []) if len(text) <= _LONGEST_LABEL
        ]
        for program in labels:
            add_unique(programs, program)

    listing_dates = [
        date
        for sanction in sanctions
        for key in ("listingDate", "startDate")
        for date in _dates(sanction.facts.get(key, []))
    ]
    listed_on = min(listing_dates or _dates(properties.get("createdAt", [])), default=None)

    address_texts: list[str] = []
    for text in properties.get("address", []):
        add_unique(address_texts, text)
    for address_id in properties.get("addressEntity", []):
        add_unique(address_texts, addresses.get(address_id))

    notes: list[str] = []
    for note in properties.get("notes", []):
        add_unique(notes, note)
    for label, prop in (("Title", "title"), ("Position", "position")):
        for value in properties.get(prop, []):
            add_unique(notes, f"{label}: {value}")

    source = dict(record)
    if sanctions:
        source["sanctions"] = [sanction.facts for sanction in sanctions]
    return Entity(
        key=record["id"],
        schema=schema,
        names=names,
        birth_dates=_dates(properties.get("birthDate", [])),
        birth_places=_unique(properties.get("birthPlace", [])),
        countries=_countries(properties, _COUNTRY_PROPERTIES),
        nationalities=_countries(properties, _NATIONALITY_PROPERTIES),
        gender=next((g for g in properties.get("gender", []) if g in _GENDERS), None),
        identifiers=identifiers,
        addresses=address_texts,
        programs=programs,
        topics=_unique(properties.get("topics", [])),
        listed_on=listed_on,
        notes=notes,
        source=source,
    )


def _names(properties: dict[str, list[str]], caption: Any) -> list[Name]:
    names: list[Name] = []
    seen: set[str] = set()
    for prop, kind in _NAME_PROPERTIES:
        values = properties.get(prop, [])
        # The publisher's chosen display name goes first, so the captions agree.
        if kind == NameKind.primary and caption in values:
            values = [caption, *(v for v in values if v != caption)]
        for value in values:
            if value not in seen:
                seen.add(value)
                names.append(Name(value=value, kind=kind))
    first = _only(properties.get("firstName", []))
    middle = _only(properties.get("middleName", []) or properties.get("fatherName", []))
    last = _only(properties.get("lastName", []))
    if not (first or middle or last):
        return names
    primary = [n for n in names if n.kind == NameKind.primary]
    if len(primary) == 1:
        names[names.index(primary[0])] = replace(
            primary[0], first_name=first, middle_name=middle, last_name=last
        )
    elif not primary:
        value = " ".join(p for p in (first, middle, last) if p)
        names.insert(0, Name(value=value, first_name=first, middle_name=middle, last_name=last))
    return names


def _properties(record: dict[str, Any]) -> dict[str, list[str]]:
    """Property values as lists of non-empty strings; anything else is left out."""
    properties: dict[str, list[str]] = {}
    for key, values in record.get("properties", {}).items():
        kept = _strings(values)
        if kept:
            properties[key] = kept
    return properties


def _strings(values: Any) -> list[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return []
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _countries(properties: dict[str, list[str]], props: tuple[str, ...]) -> list[str]:
    found: list[str] = []
    for prop in props:
        for code in properties.get(prop, []):
            add_unique(found, _KOSOVO[1] if code.lower() == _KOSOVO[0] else to_alpha3(code))
    return found


def _dates(values: list[str]) -> list[str]:
    return _unique([v[:10] for v in values if _DATE.fullmatch(v[:10])])


def _only(values: list[str]) -> str | None:
    return values[0] if len(values) == 1 else None


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))
