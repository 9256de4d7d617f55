"""OFAC's legacy CSV files (SDN list and Consolidated list) read into entities.

The files have no header row, and ``-0-`` (often followed by spaces) marks an empty field:

- ``sdn.csv`` / ``cons_prim.csv``, one row per listing: ent_num, SDN_Name, SDN_Type
  (``individual``, ``vessel``, ``aircraft``, or empty for entities), Program (several as
  ``SDGT] [IRGC``), Title, Call_Sign, Vess_type, Tonnage, GRT, Vess_flag, Vess_owner, Remarks.
- ``alt.csv`` / ``cons_alt.csv``: ent_num, alt_num, alt_type (aka, fka, nka), alt_name,
  alt_remarks.
- ``add.csv`` / ``cons_add.csv``: ent_num, add_num, address, city/state/postal code, country,
  add_remarks.
- ``sdn_comments.csv`` / ``cons_comments.csv``: ent_num and the rest of a remarks field that
  OFAC cut at 1,000 characters. The cut falls mid-word, so the rest is appended as it is.

Files are recognised by name and grouped by folder, so one call can read several list sets.
Bytes are decoded line by line: UTF-8 when the line is valid UTF-8, else Windows-1252 (bytes
that code page leaves undefined are read as Latin-1); the 0x1A end-of-file byte is dropped.

The remarks hold the details as ``;``-separated facts ("DOB 01 Jan 1960; POB Tehran, Iran;
Passport A123 (Iran); a.k.a. 'X'."). Recognised facts become fields and identifiers; all
others are kept, as written, in ``Entity.notes`` (``parse_remarks`` tells which were not
understood).

Names: alt.csv holds OFAC's aliases (``nka`` is read as an ordinary alias). The quoted aliases
in the remarks (``a.k.a. 'X'``, ``f.k.a. 'X'``) are the aliases OFAC rates as weak -- nicknames,
noms de guerre, short acronyms -- which its legacy files carry in the remarks rather than in
alt.csv; they get ``NameKind.weak``, as does anything labelled "low quality a.k.a.".
Individuals' names are written "LAST, First Middle" and are split that way.

Schema: individual -> Person, vessel -> Vessel, aircraft -> Aircraft. Any other record is a
Company when its name or one of its aliases carries a legal form (LTD, LLC, S.A., GMBH, JSC,
...) or its remarks give an "Organization Established Date", and a LegalEntity otherwise.

Dates of birth: "01 Jan 1960", "Jan 1960" and "1960" become "1960-01-01", "1960-01" and "1960";
"circa" is dropped; a range ("1960 to 1962", "01 Jan 1953 to 31 Dec 1954", "1979-1982") becomes
every year it spans (its two ends when it spans more than 20 years).

Structural faults (a wrong number of columns, a non-numeric ent_num, an unknown file name)
raise ``ImportFormatError``; an alias, address or comment row for an ent_num that is not in
the primary file, a repeated ent_num and a primary record without a name are yielded as
``Skipped``.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from casework.screening.entity import (
    Entity,
    Identifier,
    ImportFormatError,
    Name,
    NameKind,
    Schema,
    Skipped,
)
from casework.screening.importers.ofac_remarks import country_code, parse_remarks, person_name
from casework.screening.legal_forms import has_legal_form

T = TypeVar("T")

PRIMARY, ALIASES, ADDRESSES, COMMENTS = "primary", "aliases", "addresses", "comments"

_FILES: dict[str, tuple[str, str]] = {
    "sdn.csv": ("sdn", PRIMARY),
    "alt.csv": ("sdn", ALIASES),
    "add.csv": ("sdn", ADDRESSES),
    "sdn_comments.csv": ("sdn", COMMENTS),
    "cons_prim.csv": ("cons", PRIMARY),
    "cons_alt.csv": ("cons", ALIASES),
    "cons_add.csv": ("cons", ADDRESSES),
    "cons_comments.csv": ("cons", COMMENTS),
}
_COLUMNS = {PRIMARY: 12, ALIASES: 5, ADDRESSES: 6, COMMENTS: 2}
_PRIMARY_COLUMNS = (
    "ent_num",
    "SDN_Name",
    "SDN_Type",
    "Program",
    "Title",
    "Call_Sign",
    "Vess_type",
    "Tonnage",
    "GRT",
    "Vess_flag",
    "Vess_owner",
    "Remarks",
)
_ALIAS_COLUMNS = ("alt_num", "alt_type", "alt_name", "alt_remarks")
_ADDRESS_COLUMNS = ("add_num", "address", "city_state_postal", "country", "add_remarks")

_CP1252 = {
    byte: char
    for byte in range(0x80, 0xA0)
    if (char := bytes([byte]).decode("cp1252", errors="ignore"))
}

_SCHEMAS = {"individual": Schema.person, "vessel": Schema.vessel, "aircraft": Schema.aircraft}
_ALT_KINDS = {"aka": NameKind.aka, "fka": NameKind.fka, "nka": NameKind.aka}


def read(paths: Sequence[Path]) -> Iterator[Entity | Skipped]:
    """One entity per primary record of the OFAC legacy CSV files among ``paths``."""
    groups: dict[tuple[Path, str], dict[str, Path]] = {}
    for path in paths:
        family, role = _role(path)
        group = groups.setdefault((path.parent, family), {})
        if role in group and group[role] != path:
            raise ImportFormatError(str(path), "file name", f"a second {role} file for one list")
        group[role] = path
    for group in groups.values():
        yield from _read_group(group)


def _role(path: Path) -> tuple[str, str]:
    try:
        return _FILES[path.name.lower()]
    except KeyError:
        names = ", ".join(_FILES)
        raise ImportFormatError(
            str(path), "file name", f"not an OFAC legacy CSV file; expected one of {names}"
        ) from None


def _read_group(group: dict[str, Path]) -> Iterator[Entity | Skipped]:
    aliases: dict[str, list[tuple[str, list[str | None]]]] = defaultdict(list)
    addresses: dict[str, list[tuple[str, list[str | None]]]] = defaultdict(list)
    comments: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for role, table in ((ALIASES, aliases), (ADDRESSES, addresses)):
        if role in group:
            path = group[role]
            for line, ent_num, row in _rows(path, _COLUMNS[role]):
                table[ent_num].append((f"{path.name}:{line}", [_value(cell) for cell in row]))
    if COMMENTS in group:
        path = group[COMMENTS]
        for line, ent_num, row in _rows(path, _COLUMNS[COMMENTS]):
            comments[ent_num].append((f"{path.name}:{line}", row[0]))

    if PRIMARY in group:
        path = group[PRIMARY]
        seen: set[str] = set()
        for line, ent_num, row in _rows(path, _COLUMNS[PRIMARY]):
            if ent_num in seen:
                yield Skipped(f"{path.name}:{line} (ent_num {ent_num})", "ent_num appears twice")
                continue
            if _value(row[0]) is None:
                yield Skipped(f"{path.name}:{line} (ent_num {ent_num})", "no name")
                continue
            seen.add(ent_num)
            yield _entity(
                ent_num,
                row,
                [text for _, text in comments.pop(ent_num, [])],
                [cells for _, cells in aliases.pop(ent_num, [])],
                [cells for _, cells in addresses.pop(ent_num, [])],
            )

    for what, table in (("alias", aliases), ("address", addresses)):
        for ent_num, entries in table.items():
            for where, _ in entries:
                yield Skipped(
                    f"{where} (ent_num {ent_num})", f"{what} of an ent_num with no primary record"
                )
    for ent_num, notes in comments.items():
        for where, _ in notes:
            yield Skipped(
                f"{where} (ent_num {ent_num})", "remarks of an ent_num with no primary record"
            )


def _lines(path: Path) -> Iterator[str]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            data = raw[3:] if number == 0 and raw.startswith(b"\xef\xbb\xbf") else raw
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("latin-1").translate(_CP1252)
            yield text.replace("\x1a", "")


def _rows(path: Path, columns: int) -> Iterator[tuple[int, str, list[str]]]:
    """(line, ent_num, the other cells) for each non-blank row, checking its shape."""
    reader = csv.reader(_lines(path))
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where = f"line {reader.line_num}"
            if len(row) != columns:
                raise ImportFormatError(
                    str(path), where, f"expected {columns} columns, found {len(row)}"
                )
            ent_num = row[0].strip()
            if not (ent_num.isascii() and ent_num.isdigit()):
                raise ImportFormatError(str(path), where, f"ent_num {ent_num!r} is not a number")
            yield reader.line_num, str(int(ent_num)), row[1:]
    except csv.Error as exc:
        raise ImportFormatError(str(path), f"line {reader.line_num}", str(exc)) from exc


def _value(cell: str) -> str | None:
    text = cell.strip()
    return None if text in ("", "-0-", "-0") else text


def _entity(
    ent_num: str,
    row: list[str],
    comments: list[str],
    aliases: list[list[str | None]],
    addresses: list[list[str | None]],
) -> Entity:
    name, sdn_type, program, title, call_sign, vess_type, tonnage, grt, flag, owner = (
        _value(cell) for cell in row[:10]
    )
    remarks_cell = row[10] if _value(row[10]) is not None else ""
    remarks = (remarks_cell + "".join(comments)).strip() or None
    schema = _SCHEMAS.get((sdn_type or "").lower(), Schema.legal_entity)
    person = schema == Schema.person
    facts = parse_remarks(remarks, person=person, title=title)

    names = _Names()
    if name is not None:
        names.add(person_name(name, NameKind.primary, person))
    alias_notes = []
    for _, alt_type, alt_name, alt_remarks in aliases:
        if alt_name is not None:
            kind = _ALT_KINDS.get((alt_type or "").strip().lower(), NameKind.aka)
            names.add(person_name(alt_name, kind, person))
            if alt_remarks is not None:
                alias_notes.append(f"{alt_name}: {alt_remarks}")
    for alias in facts.names:
        names.add(alias)

    if schema == Schema.legal_entity and (
        facts.company
        or any(has_legal_form([n.value]) for n in names.items if n.kind != NameKind.weak)
    ):
        schema = Schema.company

    countries = _Unique(facts.countries)
    identifiers = _Unique(facts.identifiers)
    notes = _Unique[str]()
    if title is not None:
        notes.add(f"Title: {title}")
    if call_sign is not None:
        identifiers.add(Identifier(kind="call_sign", value=call_sign))
    if flag is not None:
        code = country_code(flag)
        if code is not None:
            countries.add(code)
        else:
            notes.add(f"Vessel flag: {flag}")
    for label, value in (
        ("Vessel type", vess_type),
        ("Tonnage", tonnage),
        ("GRT", grt),
        ("Vessel owner", owner),
    ):
        if value is not None:
            notes.add(f"{label}: {value}")
    for note in facts.notes:
        notes.add(note)
    for note in alias_notes:
        notes.add(note)

    places = _Unique[str]()
    for _, street, city, country, add_remarks in addresses:
        code = country_code(country) if country is not None else None
        if code is not None:
            countries.add(code)
        if street is not None or city is not None or (country is not None and code is None):
            place = ", ".join(part for part in (street, city, country) if part)
            places.add(f"{place} ({add_remarks})" if add_remarks else place)
        elif add_remarks is not None:
            notes.add(f"Address: {add_remarks}")

    source: dict[str, Any] = {
        column: value
        for column, value in zip(
            _PRIMARY_COLUMNS,
            (
                ent_num,
                name,
                sdn_type,
                program,
                title,
                call_sign,
                vess_type,
                tonnage,
                grt,
                flag,
                owner,
                remarks,
            ),
            strict=True,
        )
        if value is not None
    }
    if aliases:
        source["alt"] = [dict(zip(_ALIAS_COLUMNS, cells, strict=True)) for cells in aliases]
    if addresses:
        source["add"] = [dict(zip(_ADDRESS_COLUMNS, cells, strict=True)) for cells in addresses]

    return Entity(
        key=f"ofac-{ent_num}",
        schema=schema,
        names=names.items,
        birth_dates=_Unique(facts.birth_dates).items,
        birth_places=_Unique(facts.birth_places).items,
        countries=countries.items,
        nationalities=_Unique(facts.nationalities).items,
        gender=facts.gender,
        identifiers=identifiers.items,
        addresses=places.items,
        programs=_programs(program),
        topics=["sanction"],
        notes=notes.items,
        source=source,
    )


class _Unique(Generic[T]):
    """Keeps the first of equal values, in order."""

    def __init__(self, values: Iterable[T] = ()) -> None:
        self.items: list[T] = []
        self._seen: set[T] = set()
        for value in values:
            self.add(value)

    def add(self, value: T) -> None:
        if value not in self._seen:
            self._seen.add(value)
            self.items.append(value)


class _Names:
    """Names without repeats: the first (strongest) kind of a spelling wins."""

    def __init__(self) -> None:
        self.items: list[Name] = []
        self._seen: set[str] = set()

    def add(self, name: Name) -> None:
        key = " ".join(name.value.casefold().split())
        if key and key not in self._seen:
            self._seen.add(key)
            self.items.append(name)


def _programs(cell: str | None) -> list[str]:
    if cell is None:
        return []
    programs = (part.strip(" []") for part in cell.split("] ["))
    return _Unique(p for p in programs if p and p != "-0-").items
