"""UK consolidated list of financial sanctions targets (OFSI "ConList"), CSV layout.

The file opens with a ``Last Updated,dd/mm/yyyy`` line, then a header row, then one row
per name: a party listed under three names takes three rows sharing a ``Group ID``, each
repeating the party's other details. Rows are grouped by that id into one entity. The
rows of a group need not be adjacent, so a file is read whole before its entities are
emitted; the list is a few megabytes at most.

Columns are found by name (case and spacing ignored), so extra columns and missing
optional ones are tolerated; only ``Name 6``, ``Group ID`` and ``Group Type`` are required.
The text is read as UTF-8, or as Windows-1252 when it is not valid UTF-8. The ``Last
Updated`` date is the file's publication date.

OFSI closed this list on 28 January 2026; its successor, the FCDO's UK Sanctions List, is
read by ``uk_xml``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

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
from casework.screening.legal_forms import has_legal_form

REQUIRED_COLUMNS = ("Name 6", "Group ID", "Group Type")
ENCODINGS = ("utf-8-sig", "cp1252")

_GROUP_TYPES = {
    "individual": Schema.person,
    "entity": Schema.organization,
    "ship": Schema.vessel,
}
_GENDERS = {"male": "male", "female": "female"}
_KIND_ORDER = {NameKind.primary: 0, NameKind.aka: 1, NameKind.fka: 2, NameKind.weak: 3}
_GIVEN_NAMES = tuple(f"name {i}" for i in range(1, 6))
_ADDRESS_PARTS = (*(f"address {i}" for i in range(1, 7)), "post/zip code", "country")
_FLAG_COLUMNS = ("current believed flag of ship", "flag")
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_NUMBERED = re.compile(r"\(\d+\)")
_IMO = re.compile(r"\bIMO(?:\s*(?:number|no\.?|#))?\s*[:.]?\s*(\d{7})\b", re.IGNORECASE)


@dataclass
class _Group:
    line: int
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Sheet:
    list_updated: str | None
    headers: dict[str, str]
    groups: dict[str, _Group]
    skipped: list[Skipped]


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    for path in paths:
        sheet = _read_sheet(path)
        yield from sheet.skipped
        for group_id, group in sheet.groups.items():
            yield _convert(group_id, group, sheet, f"{path}: Group ID {group_id}")


def published(paths: Sequence[Path]) -> datetime | None:
    """The latest ``Last Updated`` date the files open with."""
    return latest(_last_updated(path) for path in paths)


def _last_updated(path: Path) -> datetime | None:
    for encoding in ENCODINGS:
        try:
            with path.open(encoding=encoding, newline="") as handle:
                first = next(csv.reader(handle), [])
        except (UnicodeDecodeError, csv.Error):
            continue
        if len(first) > 1 and _normal(first[0]) == "last updated":
            return publication_time(first[1])
        return None
    return None


def _read_sheet(path: Path) -> _Sheet:
    for encoding in ENCODINGS:
        try:
            return _parse(path, encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFormatError(str(path), "file", "text is neither UTF-8 nor Windows-1252")


def _parse(path: Path, encoding: str) -> _Sheet:
    with path.open(encoding=encoding, newline="") as handle:
        return _parse_rows(path, _lines(path, handle))


def _lines(path: Path, handle: TextIO) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record with the file line it starts on."""
    reader = csv.reader(handle)
    start = 1
    try:
        for cells in reader:
            yield start, cells
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFormatError(
            str(path), f"line {reader.line_num}", f"malformed CSV: {exc}"
        ) from None


def _parse_rows(path: Path, records: Iterator[tuple[int, list[str]]]) -> _Sheet:
    header_line, header = next(records, (1, []))
    if not any(cell.strip() for cell in header):
        raise ImportFormatError(str(path), f"line {header_line}", "expected a header row")
    if _normal(header[0]).startswith("report date"):
        raise ImportFormatError(
            str(path),
            f"line {header_line}",
            "this is the FCDO UK Sanctions List's CSV, not OFSI's Consolidated List: "
            "import its XML (UK-Sanctions-List.xml) with --format uk-xml",
        )
    list_updated = None
    if _normal(header[0]) == "last updated":
        list_updated = _full_date(header[1].strip()) if len(header) > 1 else None
        header_line, header = next(records, (header_line + 1, []))

    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, title in enumerate(header):
        name = _normal(title)
        if name and name not in columns:
            columns[name] = index
            headers[name] = title.strip()
    missing = [c for c in REQUIRED_COLUMNS if _normal(c) not in columns]
    if missing:
        raise ImportFormatError(
            str(path),
            f"line {header_line}",
            f"not a UK sanctions list header: missing column(s) {', '.join(missing)}",
        )

    groups: dict[str, _Group] = {}
    skipped: list[Skipped] = []
    for line, cells in records:
        row = {
            name: value
            for name, index in columns.items()
            if index < len(cells) and (value := cells[index].strip())
        }
        if not row:
            continue
        group_id = row.get("group id")
        if not group_id:
            skipped.append(Skipped(f"{path}: line {line}", "no Group ID"))
            continue
        groups.setdefault(group_id, _Group(line)).rows.append(row)
    return _Sheet(list_updated, headers, groups, skipped)


def _convert(group_id: str, group: _Group, sheet: _Sheet, where: str) -> Entity | Skipped:
    where = f"{where} (line {group.line})"
    rows = group.rows
    group_type = next((row["group type"] for row in rows if "group type" in row), "")
    if not group_type:
        return Skipped(where, "no Group Type")
    schema = _GROUP_TYPES.get(group_type.lower())
    if schema is None:
        return Skipped(where, f"unknown Group Type {group_type!r}")

    names = _names(rows, schema)
    if not names:
        return Skipped(where, "no name")
    if schema == Schema.organization:
        stated = [row["type of entity"] for row in rows if "type of entity" in row]
        if has_legal_form([*(n.value for n in names if n.kind != NameKind.weak), *stated]):
            schema = Schema.company

    birth_dates: list[str] = []
    birth_places: list[str] = []
    nationalities: list[str] = []
    countries: list[str] = []
    identifiers: list[Identifier] = []
    addresses: list[str] = []
    programs: list[str] = []
    notes: list[str] = []
    listed: list[str] = []
    gender: str | None = None
    for row in rows:
        for dob in _numbered(row.get("dob", "")):
            birth_date = _partial_date(dob)
            add_unique(birth_dates, birth_date)
            if birth_date is None:
                add_unique(notes, f"DOB: {dob}")
        gender = gender or _GENDERS.get(row.get("gender", "").lower())
        add_unique(birth_places, _joined(row, ("town of birth", "country of birth")))
        for nationality in _numbered(row.get("nationality", "")):
            add_unique(nationalities, to_alpha3(nationality))
        for identifier in (
            *_identifiers(row, "passport number", "passport details", "passport"),
            *_identifiers(
                row,
                "national identification number",
                "national identification details",
                "national_id",
            ),
            *_imo_numbers(row, schema),
        ):
            if identifier not in identifiers:
                identifiers.append(identifier)
        add_unique(addresses, _joined(row, _ADDRESS_PARTS))
        add_unique(countries, to_alpha3(row.get("country")))
        if schema == Schema.vessel:
            for column in _FLAG_COLUMNS:
                add_unique(countries, to_alpha3(row.get(column)))
        add_unique(programs, row.get("regime"))
        if "title" in row:
            add_unique(notes, f"Title: {row['title']}")
        if "position" in row:
            add_unique(notes, f"Position: {row['position']}")
        add_unique(notes, row.get("other information"))
        add_unique(listed, _full_date(row.get("listed on", "")))

    return Entity(
        key=f"uk-{group_id}",
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
        listed_on=min(listed, default=None),
        notes=notes,
        source={
            "group_id": group_id,
            "list_updated": sheet.list_updated,
            "rows": [{sheet.headers[k]: v for k, v in row.items()} for row in rows],
        },
    )


def _names(rows: list[dict[str, str]], schema: Schema) -> list[Name]:
    names: list[Name] = []
    seen: set[str] = set()
    for row in rows:
        kind = _name_kind(row.get("alias type", ""), row.get("alias quality", ""))
        given = [row[column] for column in _GIVEN_NAMES if column in row]
        surname = row.get("name 6")
        value = " ".join([*given, surname] if surname else given)
        candidates: list[Name] = []
        if value and schema == Schema.person:
            candidates.append(
                Name(
                    value=value,
                    kind=kind,
                    first_name=given[0] if given else None,
                    middle_name=" ".join(given[1:]) or None,
                    last_name=surname,
                )
            )
        elif value:
            candidates.append(Name(value=value, kind=kind))
        non_latin = row.get("name non-latin script")
        if non_latin:
            candidates.append(
                Name(
                    value=non_latin,
                    kind=kind,
                    script=row.get("non-latin script type"),
                    lang=row.get("non-latin script language"),
                )
            )
        for name in candidates:
            if name.value not in seen:
                seen.add(name.value)
                names.append(name)
    names.sort(key=lambda n: _KIND_ORDER[n.kind])
    if names and names[0].kind != NameKind.primary:
        names[0] = replace(names[0], kind=NameKind.primary)
    return names


def _name_kind(alias_type: str, quality: str) -> NameKind:
    if quality.lower() == "low":
        return NameKind.weak
    alias_type = alias_type.lower()
    if alias_type == "primary name":
        return NameKind.primary
    if "fka" in alias_type or "formerly" in alias_type or "previous" in alias_type:
        return NameKind.fka
    return NameKind.aka


def _identifiers(
    row: dict[str, str], number_column: str, details_column: str, kind: str
) -> list[Identifier]:
    numbers = _numbered(row.get(number_column, ""))
    details = row.get(details_column)
    notes = _numbered(details or "")
    paired = len(notes) == len(numbers)
    return [
        Identifier(kind=kind, value=number, note=notes[i] if paired else details)
        for i, number in enumerate(numbers)
    ]


def _imo_numbers(row: dict[str, str], schema: Schema) -> list[Identifier]:
    if schema != Schema.vessel:
        return []
    found: list[str] = []
    for column, value in row.items():
        if re.search(r"\bimo\b", column):
            add_unique(found, "".join(ch for ch in value if ch.isdigit()) or None)
    for match in _IMO.finditer(row.get("other information", "")):
        add_unique(found, match.group(1))
    return [Identifier(kind="imo", value=number) for number in found]


def _numbered(text: str) -> list[str]:
    """The items of "(1) first (2) second", or the whole text when it is not numbered."""
    return [part.strip(" ,;") for part in _NUMBERED.split(text) if part.strip(" ,;")]


def _partial_date(text: str) -> str | None:
    """ "dd/mm/yyyy" with "00" for an unknown day or month, or a bare year."""
    if re.fullmatch(r"\d{4}", text):
        return text
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    if year == 0 or not 0 <= month <= 12:
        return None
    if month == 0:
        return f"{year:04d}"
    if day == 0:
        return f"{year:04d}-{month:02d}"
    return _full_date(text)


def _full_date(text: str) -> str | None:
    match = _DAY_MONTH_YEAR.fullmatch(text)
    if match is None:
        return None
    day, month, year = (int(part) for part in match.groups())
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _joined(row: dict[str, str], columns: tuple[str, ...]) -> str | None:
    return ", ".join(row[column] for column in columns if column in row) or None


def _normal(title: str) -> str:
    return " ".join(title.split()).lower()
