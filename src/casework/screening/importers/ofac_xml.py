"""OFAC's "advanced" sanctions XML (SDN_ADVANCED.XML, CONS_ADVANCED.XML).

The format is the UN-designed sanctions data model OFAC publishes its lists in: a root
``<Sanctions>`` whose ``ReferenceValueSets`` hold every code the rest of the file refers
to by ID (alias, party, feature, document and name-part types, countries, scripts, ...),
``Locations`` and ``IDRegDocuments`` that parties point at, ``DistinctParties`` with one
``Profile`` per listed party, and ``SanctionsEntries`` that say which list and programmes
a profile is on. Until May 2024 OFAC used the namespace ``http://www.un.org/sanctions/1.0``,
since then ``https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/
ADVANCED_XML``; elements are matched by local name, so both read the same.

One Profile becomes one entity, keyed ``ofac-`` plus the party's FixedRef (the same
number as ``ent_num`` in OFAC's legacy CSV files, so both formats of a list give the same
keys), or the Profile ID when a party has several profiles.

* Schema: PartySubType "Vessel" or "Aircraft"; else PartyType "Individual" is a Person
  and "Entity" a Company when its name carries a legal form, otherwise an Organization;
  anything else a LegalEntity.
* Names: each Alias's DocumentedNames, the parts typed through NamePartGroup and
  NamePartType (first, middle, patronymic, last, matronymic names are put in that order;
  other names keep the published order). Primary="true" is the primary name,
  LowQuality="true" a weak alias, AliasType "F.K.A." a former name, others ``aka``.
  Scripts other than Latin are noted on the name.
* Features: Birthdate (date periods become "YYYY-MM-DD", "YYYY-MM", "YYYY" or each year
  of a range), Place of Birth, Nationality/Citizenship Country, Gender, Location
  (addresses and countries), vessel flag, IMO, MMSI and call sign, digital currency
  addresses, websites, e-mail and phone numbers; other features are kept in ``notes`` as
  "type: value".
* IDRegDocuments of the profile's identities become identifiers (passport, national_id,
  tax_id, registration, swift_bic, imo, mmsi, ssn, duns, drivers_license or other: the
  kinds the legacy CSV importer gives the same documents; the publisher's document type is
  kept in the note with dates and validity).
* SanctionsEntries: SanctionsMeasure comments of type "Program" are the programmes, the
  earliest entry event date is ``listed_on``.
* ``DateOfIssue`` (Year, Month, Day), the first element of the file, is its publication
  date (``published``).

The file is read twice, streaming both times with ``xml.etree.ElementTree.iterparse``
(see ``un_xml.stream``, which also refuses DOCTYPEs; expat never fetches external
entities): first everything but the parties (reference values, locations, documents,
sanctions entries, all small), then the parties one by one, so each is complete when
yielded and the parsed tree never holds more than one party.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from calendar import monthrange
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
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
from casework.screening.importers.common import add_identifier, add_unique, latest
from casework.screening.importers.xml_stream import clean, local_name, stream
from casework.screening.legal_forms import has_legal_form

ROOT = "Sanctions"
_PERSONAL_ORDER = {
    "first name": 0,
    "middle name": 1,
    "patronymic": 2,
    "last name": 3,
    "matronymic": 4,
}
_MAX_YEAR_SPAN = 30
_IMO = re.compile(r"^\s*IMO\s*:?\s*", re.IGNORECASE)

# Identifier kinds by what the publisher calls a document or feature, first match wins.
_DOCUMENT_KINDS = (
    ("passport", r"passport|travel document"),
    ("swift_bic", r"swift|\bbic\b"),
    ("mmsi", r"\bmmsi\b"),
    ("ssn", r"^ssn\b|social security"),
    ("duns", r"d-u-n-s|\bduns\b"),
    ("drivers_license", r"driver"),
    (
        "tax_id",
        r"\btax\b|\bvat\b|v\.a\.t\.|\brfc\b|r\.f\.c\.|\bnit\b|\bruc\b|\brif\b|\brtn\b"
        r"|c\.u\.i\.t\.|c\.i\.f\.|fiscal|\bfein\b|\bnuit\b",
    ),
    (
        "national_id",
        r"national id|identity|identification|cedula|c\.u\.r\.p\.|d\.n\.i\.|personal id"
        r"|\bid card|residency|birth certificate",
    ),
    ("registration", r"registration|registry|register|company number|enterprise number"),
)
_FEATURE_IDENTIFIERS = (
    ("imo", r"\bimo\b"),
    ("mmsi", r"\bmmsi\b"),
    ("call_sign", r"call sign"),
    ("aircraft_msn", r"serial number \(msn\)"),
    ("aircraft_tail_number", r"tail number"),
    ("email", r"^email"),
    ("website", r"^website"),
    ("phone", r"phone"),
    ("fax", r"^fax"),
    ("isin", r"\bisin\b"),
)

Date = tuple[int, int | None, int | None]


@dataclass
class _Document:
    type_id: str
    number: str
    country_id: str
    validity_id: str
    authority: str
    comment: str
    dates: list[tuple[str, list[str]]]


@dataclass
class _Entry:
    list_id: str
    comment: str
    measures: list[tuple[str, str]]  # (SanctionsTypeID, Comment)
    events: list[tuple[str, str, str]]  # (EntryEventTypeID, date, LegalBasisID)


@dataclass
class _Index:
    """Everything parties refer to by ID, gathered in the first pass."""

    values: dict[str, dict[str, tuple[str, dict[str, str]]]] = field(default_factory=dict)
    locations: dict[str, tuple[list[tuple[str, str]], list[str]]] = field(default_factory=dict)
    documents: dict[str, list[_Document]] = field(default_factory=dict)
    entries: dict[str, list[_Entry]] = field(default_factory=dict)

    def name(self, kind: str, id_: str | None) -> str:
        return self.values.get(kind, {}).get(id_ or "", ("", {}))[0]

    def attribute(self, kind: str, id_: str | None, attribute: str) -> str:
        return self.values.get(kind, {}).get(id_ or "", ("", {}))[1].get(attribute, "")

    def country(self, id_: str | None) -> str | None:
        iso2 = self.attribute("Country", id_, "ISO2")
        return to_alpha3(iso2) if iso2 else to_alpha3(self.name("Country", id_))

    def location(self, id_: str | None) -> tuple[str, list[str]]:
        """A location as one line of text, and its countries as alpha-3 codes."""
        parts, countries = self.locations.get(id_ or "", ([], []))
        text = [value for _type, value in parts] + [self.name("Country", c) for c in countries]
        codes = [code for code in (self.country(c) for c in countries) if code]
        return ", ".join(t for t in text if t), codes

    def has_street(self, id_: str | None) -> bool:
        return bool(self.locations.get(id_ or "", ([], []))[0])


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    for path in paths:
        index = _index(path)
        yield from _parties(path, index)


def published(paths: Sequence[Path]) -> datetime | None:
    """The latest ``DateOfIssue`` of the files."""
    return latest(_date_of_issue(path) for path in paths)


def _date_of_issue(path: Path) -> datetime | None:
    with closing(stream(path, ROOT)) as events:
        for event, element, names in events:
            if len(names) != 2:
                continue
            if event == "start" and names[1] == "DistinctParties":
                return None  # past the header, where the date is
            if event == "end" and names[1] == "DateOfIssue":
                try:
                    year, month, day = (
                        int(_child_text(element, p)) for p in ("Year", "Month", "Day")
                    )
                    return datetime(year, month, day, tzinfo=UTC)
                except ValueError:
                    return None
    return None


# ------------------------------------------------------------------------------- first pass


def _index(path: Path) -> _Index:
    index = _Index()
    section: ET.Element | None = None
    for event, element, names in stream(path, ROOT):
        depth = len(names)
        if event == "start":
            if depth == 2:
                section = element
            continue
        if depth == 4 and names[1] == "ReferenceValueSets":
            attributes = {k: v for k, v in element.attrib.items() if k != "ID"}
            values = index.values.setdefault(names[3], {})
            values[element.get("ID", "")] = (clean(element.text), attributes)
        elif depth == 3:
            kind = names[2]
            if kind == "Location":
                index.locations[element.get("ID", "")] = _location(element)
            elif kind == "IDRegDocument":
                document = _document(element)
                index.documents.setdefault(element.get("IdentityID", ""), []).append(document)
            elif kind == "SanctionsEntry":
                index.entries.setdefault(element.get("ProfileID", ""), []).append(_entry(element))
            if section is not None:
                section.clear()
    return index


def _location(element: ET.Element) -> tuple[list[tuple[str, str]], list[str]]:
    parts: list[tuple[str, str]] = []
    for part in _children(element, "LocationPart"):
        values = _children(part, "LocationPartValue")
        chosen = next((v for v in values if v.get("Primary") == "true"), None)
        chosen = chosen if chosen is not None else next(iter(values), None)
        text = clean(_child_text(chosen, "Value")) if chosen is not None else ""
        if text:
            parts.append((part.get("LocPartTypeID", ""), text))
    countries = [c.get("CountryID", "") for c in _children(element, "LocationCountry")]
    return parts, countries


def _document(element: ET.Element) -> _Document:
    dates = [
        (date.get("IDRegDocDateTypeID", ""), _period(_child(date, "DatePeriod")))
        for date in _children(element, "DocumentDate")
    ]
    return _Document(
        type_id=element.get("IDRegDocTypeID", ""),
        number=clean(_child_text(element, "IDRegistrationNo")),
        country_id=element.get("IssuedBy-CountryID", ""),
        validity_id=element.get("ValidityID", ""),
        authority=clean(_child_text(element, "IssuingAuthority")),
        comment=clean(_child_text(element, "Comment")),
        dates=dates,
    )


def _entry(element: ET.Element) -> _Entry:
    return _Entry(
        list_id=element.get("ListID", ""),
        comment=clean(_child_text(element, "Comment")),
        measures=[
            (m.get("SanctionsTypeID", ""), clean(_child_text(m, "Comment")))
            for m in _children(element, "SanctionsMeasure")
        ],
        events=[
            (e.get("EntryEventTypeID", ""), _day(_child(e, "Date")), e.get("LegalBasisID", ""))
            for e in _children(element, "EntryEvent")
        ],
    )


# ------------------------------------------------------------------------------ second pass


def _parties(path: Path, index: _Index) -> Iterator[Entity | Skipped]:
    section: ET.Element | None = None
    count = 0
    for event, element, names in stream(path, ROOT):
        if event == "start":
            if len(names) == 2:
                section = element
            continue
        if len(names) != 3:
            continue
        if names[1:] == ["DistinctParties", "DistinctParty"]:
            count += 1
            yield from _party(path, element, count, index)
        if section is not None:
            section.clear()


def _party(
    path: Path, element: ET.Element, count: int, index: _Index
) -> Iterator[Entity | Skipped]:
    fixed_ref = element.get("FixedRef", "")
    where = f"{path}: " + (
        f"DistinctParty FixedRef={fixed_ref}"
        if fixed_ref
        else f"{ROOT}/DistinctParties/DistinctParty[{count}]"
    )
    profiles = _children(element, "Profile")
    if not profiles:
        yield Skipped(where, "no Profile")
    comments = [clean(c.text) for c in _children(element, "Comment")]
    for profile in profiles:
        profile_id = profile.get("ID", "")
        ref = fixed_ref if fixed_ref and len(profiles) == 1 else profile_id or fixed_ref
        if not ref:
            yield Skipped(where, "neither FixedRef nor Profile ID")
            continue
        yield _profile(profile, ref, index, where, comments)


def _profile(
    profile: ET.Element, ref: str, index: _Index, where: str, comments: list[str]
) -> Entity | Skipped:
    subtype_id = profile.get("PartySubTypeID")
    subtype = index.name("PartySubType", subtype_id)
    party_type = index.name("PartyType", index.attribute("PartySubType", subtype_id, "PartyTypeID"))
    names, source_names = _names(profile, index)
    if not names:
        return Skipped(where, "no name in any Identity/Alias/DocumentedName")
    primary = next((n.value for n in names if n.kind == NameKind.primary), names[0].value)
    entity = Entity(
        key=f"ofac-{ref}",
        schema=_schema(subtype, party_type, primary),
        names=names,
        topics=["sanction"],
    )
    source: dict[str, Any] = {
        "FixedRef": ref,
        "ProfileID": profile.get("ID", ""),
        "PartyType": party_type,
        "PartySubType": subtype,
        "names": source_names,
    }
    for comment in [*comments, *(clean(c.text) for c in _children(profile, "Comment"))]:
        add_unique(entity.notes, comment)
    source["features"] = [_feature(entity, f, index) for f in _children(profile, "Feature")]
    source["documents"] = [
        _identifier(entity, document, index)
        for identity in _children(profile, "Identity")
        for document in index.documents.get(identity.get("ID", ""), [])
    ]
    source["sanctions"] = [
        _sanctions(entity, entry, index) for entry in index.entries.get(profile.get("ID", ""), [])
    ]
    entity.source = {k: v for k, v in source.items() if v}
    return entity


def _schema(subtype: str, party_type: str, primary: str) -> Schema:
    sub, kind = subtype.casefold(), party_type.casefold()
    if sub == "vessel":
        return Schema.vessel
    if sub == "aircraft":
        return Schema.aircraft
    if kind == "individual":
        return Schema.person
    if kind == "entity":
        return Schema.company if has_legal_form([primary]) else Schema.organization
    return Schema.legal_entity


def _names(profile: ET.Element, index: _Index) -> tuple[list[Name], list[dict[str, Any]]]:
    names: list[Name] = []
    source: list[dict[str, Any]] = []
    for identity in _children(profile, "Identity"):
        groups = {
            group.get("ID", ""): index.name("NamePartType", group.get("NamePartTypeID"))
            for group in identity.iter()
            if local_name(group.tag) == "NamePartGroup"
        }
        primary_identity = identity.get("Primary", "true") == "true"
        for alias in _children(identity, "Alias"):
            alias_type = index.name("AliasType", alias.get("AliasTypeID"))
            if alias.get("Primary") == "true" and primary_identity:
                kind = NameKind.primary
            elif alias.get("LowQuality") == "true":
                kind = NameKind.weak
            elif alias_type.casefold() == "f.k.a.":
                kind = NameKind.fka
            else:
                kind = NameKind.aka
            for documented in _children(alias, "DocumentedName"):
                name, parts = _documented_name(documented, groups, kind, index)
                if name is None:
                    continue
                source.append({"type": alias_type, "kind": kind.value, "parts": parts})
                if all(n.value.casefold() != name.value.casefold() for n in names):
                    names.append(name)
    names.sort(key=lambda n: n.kind != NameKind.primary)
    return names, source


def _documented_name(
    documented: ET.Element, groups: dict[str, str], kind: NameKind, index: _Index
) -> tuple[Name | None, list[dict[str, str]]]:
    parts: list[tuple[str, str]] = []
    script_id = ""
    for part in _children(documented, "DocumentedNamePart"):
        value = _child(part, "NamePartValue")
        text = clean(value.text) if value is not None else ""
        if value is None or not text:
            continue
        script_id = script_id or value.get("ScriptID", "")
        parts.append((groups.get(value.get("NamePartGroupID", ""), ""), text))
    if not parts:
        return None, []
    types = [t.casefold() for t, _ in parts]
    personal = all(t in _PERSONAL_ORDER for t in types)
    ordered = sorted(parts, key=lambda p: _PERSONAL_ORDER[p[0].casefold()]) if personal else parts

    def joined(*wanted: str) -> str | None:
        return " ".join(v for t, v in ordered if t.casefold() in wanted) or None

    script = index.name("Script", script_id)
    name = Name(
        " ".join(v for _, v in ordered),
        kind=kind,
        first_name=joined("first name"),
        middle_name=joined("middle name", "patronymic"),
        last_name=joined("last name", "matronymic"),
        script=script if script and script.casefold() != "latin" else None,
    )
    return name, [{"type": t, "value": v} for t, v in parts]


def _feature(entity: Entity, feature: ET.Element, index: _Index) -> dict[str, Any]:
    kind = index.name("FeatureType", feature.get("FeatureTypeID"))
    key = kind.casefold()
    found: dict[str, Any] = {"type": kind}
    for version in _children(feature, "FeatureVersion"):
        details = [
            index.name("DetailReference", d.get("DetailReferenceID")) or clean(d.text)
            for d in _children(version, "VersionDetail")
        ]
        details = [d for d in details if d]
        locations = [v.get("LocationID", "") for v in _children(version, "VersionLocation")]
        dates = [d for p in _children(version, "DatePeriod") for d in _period(p)]
        texts = [*details, *(index.location(loc)[0] for loc in locations)]
        found.setdefault("values", []).extend([*dates, *(t for t in texts if t)])
        if key == "birthdate":
            for date in dates:
                add_unique(entity.birth_dates, date)
        elif key == "place of birth":
            for text in texts:
                add_unique(entity.birth_places, text)
        elif key in ("nationality country", "citizenship country"):
            _countries(entity.nationalities, details, locations, index)
        elif key in ("nationality of registration", "vessel flag"):
            _countries(entity.countries, details, locations, index)
        elif key == "gender":
            gender = next((d.casefold() for d in details), "")
            entity.gender = gender if gender in ("male", "female") else entity.gender
        elif key == "location":
            for location in locations:
                text, codes = index.location(location)
                if index.has_street(location):
                    add_unique(entity.addresses, text)
                for code in codes:
                    add_unique(entity.countries, code)
        elif not _feature_identifier(entity, key, kind, details):
            for text in [*dates, *texts]:
                add_unique(entity.notes, f"{kind}: {text}")
    return found


def _feature_identifier(entity: Entity, key: str, kind: str, details: list[str]) -> bool:
    """Features that are identifiers, with the kinds OFAC's legacy CSV importer uses."""
    if key.startswith("digital currency address"):
        currency = kind.rpartition("-")[2].strip() if "-" in kind else None
        made = [Identifier("crypto_wallet", d, note=currency) for d in details]
    else:
        found = next((k for k, pattern in _FEATURE_IDENTIFIERS if re.search(pattern, key)), None)
        if found is None:
            return False
        made = [Identifier(found, _IMO.sub("", d) if found == "imo" else d) for d in details]
    for identifier in made:
        add_identifier(entity, identifier)
    return True


def _countries(into: list[str], details: list[str], locations: list[str], index: _Index) -> None:
    codes = [code for loc in locations for code in index.location(loc)[1]]
    codes += [code for code in (to_alpha3(d) for d in details) if code]
    for code in codes:
        add_unique(into, code)


def _identifier(entity: Entity, document: _Document, index: _Index) -> dict[str, Any]:
    label = index.name("IDRegDocType", document.type_id)
    validity = index.name("Validity", document.validity_id)
    notes = [label]
    notes += [
        f"{index.name('IDRegDocDateType', t) or 'date'} {', '.join(d)}"
        for t, d in document.dates
        if d
    ]
    if validity and validity.casefold() != "valid":
        notes.append(validity)
    notes += [x for x in (document.authority, document.comment) if x]
    kind = document_kind(label, document.number)
    number = _IMO.sub("", document.number) if kind == "imo" else document.number
    if number:
        identifier = Identifier(
            kind=kind,
            value=number,
            country=index.country(document.country_id) if document.country_id else None,
            note="; ".join(n for n in notes if n) or None,
        )
        add_identifier(entity, identifier)
    elif document.comment:
        add_unique(entity.notes, f"{label}: {document.comment}")
    return {
        "type": label,
        "number": document.number,
        "country": index.name("Country", document.country_id),
        "notes": notes[1:],
    }


def document_kind(label: str, number: str = "") -> str:
    """Identifier kind for one of OFAC's IDRegDocType names."""
    text = label.casefold()
    if "vessel registration" in text or "imo" in text.split():
        return "imo" if _IMO.match(number) or "imo" in text.split() else "registration"
    return next((k for k, pattern in _DOCUMENT_KINDS if re.search(pattern, text)), "other")


def _sanctions(entity: Entity, entry: _Entry, index: _Index) -> dict[str, Any]:
    programs: list[str] = []
    for type_id, comment in entry.measures:
        measure = index.name("SanctionsType", type_id)
        if comment and measure.casefold() in ("program", ""):
            add_unique(programs, comment)
            add_unique(entity.programs, comment)
        elif comment:
            add_unique(entity.notes, f"{measure}: {comment}")
    dates = sorted(date for _type, date, _basis in entry.events if date)
    if dates and (entity.listed_on is None or dates[0] < entity.listed_on):
        entity.listed_on = dates[0]
    add_unique(entity.notes, entry.comment)
    found = {
        "list": index.name("List", entry.list_id),
        "programs": programs,
        "events": [
            {
                "type": index.name("EntryEventType", type_id),
                "date": date,
                "legal_basis": index.name("LegalBasis", basis),
            }
            for type_id, date, basis in entry.events
        ],
    }
    return {k: v for k, v in found.items() if v}


# ------------------------------------------------------------------------------------ dates


def _point(element: ET.Element | None) -> Date | None:
    if element is None:
        return None
    year, month, day = (_child_text(element, tag) for tag in ("Year", "Month", "Day"))
    if not year.strip().isdigit():
        return None
    return (
        int(year),
        int(month) if month.strip().isdigit() else None,
        int(day) if day.strip().isdigit() else None,
    )


def _iso(point: Date) -> str:
    year, month, day = point
    if month is None:
        return f"{year:04d}"
    return f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")


def _day(element: ET.Element | None) -> str:
    point = _point(element)
    return _iso(point) if point else ""


def _period(period: ET.Element | None) -> list[str]:
    """A DatePeriod as the partial dates it allows: one full date when it is a day, "YYYY"
    for a whole year, "YYYY-MM" for a whole month, each year of a range of whole years,
    else its first and last day."""
    if period is None:
        return []
    start, end = _child(period, "Start"), _child(period, "End")
    low = _point(_child(start, "From")) if start is not None else None
    low = low or (_point(_child(start, "To")) if start is not None else None)
    high = _point(_child(end, "To")) if end is not None else None
    high = high or (_point(_child(end, "From")) if end is not None else None)
    if low is None or high is None or low == high:
        single = low or high
        return [_iso(single)] if single else []
    (y1, m1, d1), (y2, m2, d2) = low, high
    whole_years = (m1, d1) in ((1, 1), (None, None)) and (m2, d2) in ((12, 31), (None, None))
    if whole_years and y2 - y1 <= _MAX_YEAR_SPAN:
        return [str(year) for year in range(y1, y2 + 1)]
    if y1 == y2 and m1 == m2 and m1 is not None and (d1, d2) == (1, monthrange(y2, m1)[1]):
        return [f"{y1:04d}-{m1:02d}"]
    return [_iso(low), _iso(high)]


# ---------------------------------------------------------------------------------- helpers


def _children(element: ET.Element | None, name: str) -> list[ET.Element]:
    if element is None:
        return []
    return [child for child in element if local_name(child.tag) == name]


def _child(element: ET.Element | None, name: str) -> ET.Element | None:
    return next(iter(_children(element, name)), None)


def _child_text(element: ET.Element | None, name: str) -> str:
    child = _child(element, name)
    return child.text or "" if child is not None else ""
