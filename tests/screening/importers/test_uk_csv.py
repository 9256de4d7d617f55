"""UK sanctions list (OFSI ConList) CSV, on small files in the published layout."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from casework.screening.entity import (
    Entity,
    Identifier,
    ImportFormatError,
    Name,
    NameKind,
    Schema,
    Skipped,
)
from casework.screening.importers import uk_csv

HEADER = [
    "Name 6",
    "Name 1",
    "Name 2",
    "Name 3",
    "Name 4",
    "Name 5",
    "Title",
    "Name Non-Latin Script",
    "Non-Latin Script Type",
    "Non-Latin Script Language",
    "DOB",
    "Town of Birth",
    "Country of Birth",
    "Nationality",
    "Passport Number",
    "Passport Details",
    "National Identification Number",
    "National Identification Details",
    "Position",
    "Address 1",
    "Address 2",
    "Address 3",
    "Address 4",
    "Address 5",
    "Address 6",
    "Post/Zip Code",
    "Country",
    "Other Information",
    "Group Type",
    "Alias Type",
    "Alias Quality",
    "Regime",
    "Listed On",
    "UK Sanctions List Date Designated",
    "Last Updated",
    "Group ID",
]

PERSON = {
    "Name 1": "Boris",
    "Name 2": "Ivanovich",
    "Title": "Mr",
    "DOB": "00/05/1970",
    "Town of Birth": "Exampleburg",
    "Country of Birth": "Russia",
    "Nationality": "Russia",
    "Passport Number": "750000001",
    "Passport Details": "Russian passport",
    "National Identification Number": "(1) 7700000001 (2) 7700000002",
    "National Identification Details": "(1) Tax number (2) Old tax number",
    "Position": "Director of an example plant",
    "Address 1": "1 Example Street",
    "Address 4": "Exampleburg",
    "Post/Zip Code": "101000",
    "Country": "Russia",
    "Other Information": "Example remark about the designation.",
    "Group Type": "Individual",
    "Regime": "Russia",
    "Listed On": "15/03/2022",
    "UK Sanctions List Date Designated": "15/03/2022",
    "Last Updated": "20/04/2023",
    "Group ID": "9001",
}


def _rows(header: list[str], *rows: dict[str, str], first_line: bool = True) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if first_line:
        writer.writerow(["Last Updated", "02/05/2024"])
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(column, "") for column in header])
    return out.getvalue()


def _write(tmp_path: Path, text: str, name: str = "ConList.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _sample() -> str:
    return _rows(
        HEADER,
        {
            **PERSON,
            "Name 6": "EXAMPLEV",
            "Name Non-Latin Script": "Борис Иванович ЭКЗАМПЛЕВ",
            "Non-Latin Script Type": "Cyrillic",
            "Non-Latin Script Language": "Russian",
            "Alias Type": "Primary name",
            "Alias Quality": "Good",
        },
        {
            "Name 6": "NORTHWIND EXAMPLE TRADING",
            "Group Type": "Entity",
            "Alias Type": "Primary name",
            "Regime": "Russia",
            "Listed On": "04/05/2022",
            "Country": "Russia",
            "Address 1": "2 Harbour Road",
            "Address 2": "Exampleburg",
            "Group ID": "9002",
        },
        {**PERSON, "Name 6": "EKZAMPLEV", "Alias Type": "AKA", "Alias Quality": "Good"},
        {
            "Name 6": "BLUE EXAMPLE",
            "Group Type": "Ship",
            "Alias Type": "Primary name",
            "Other Information": "IMO number: 1234567. Type: Oil tanker. Flag: Panama.",
            "Regime": "Russia",
            "Listed On": "09/05/2023",
            "Group ID": "9003",
        },
        {
            "Name 6": "Borya",
            "Group Type": "Individual",
            "Alias Type": "AKA",
            "Alias Quality": "Low",
            "Group ID": "9001",
        },
        {
            "Name 6": "NORTHWIND TRADING LLC",
            "Group Type": "Entity",
            "Alias Type": "AKA",
            "Alias Quality": "Good",
            "Group ID": "9002",
        },
    )


def _entities(path: Path) -> dict[str, Entity]:
    results = list(uk_csv.read([path]))
    assert all(isinstance(r, Entity) for r in results), results
    return {r.key: r for r in results if isinstance(r, Entity)}


def test_rows_of_a_group_make_one_person(tmp_path: Path) -> None:
    path = _write(tmp_path, _sample())
    entities = _entities(path)
    assert list(entities) == ["uk-9001", "uk-9002", "uk-9003"]
    person = entities["uk-9001"]
    assert person.schema == Schema.person
    assert person.names == [
        Name(
            "Boris Ivanovich EXAMPLEV",
            first_name="Boris",
            middle_name="Ivanovich",
            last_name="EXAMPLEV",
        ),
        Name("Борис Иванович ЭКЗАМПЛЕВ", script="Cyrillic", lang="Russian"),
        Name(
            "Boris Ivanovich EKZAMPLEV",
            NameKind.aka,
            first_name="Boris",
            middle_name="Ivanovich",
            last_name="EKZAMPLEV",
        ),
        Name("Borya", NameKind.weak, last_name="Borya"),
    ]
    assert person.birth_dates == ["1970-05"]
    assert person.birth_places == ["Exampleburg, Russia"]
    assert person.nationalities == ["RUS"]
    assert person.identifiers == [
        Identifier("passport", "750000001", note="Russian passport"),
        Identifier("national_id", "7700000001", note="Tax number"),
        Identifier("national_id", "7700000002", note="Old tax number"),
    ]
    assert person.addresses == ["1 Example Street, Exampleburg, 101000, Russia"]
    assert person.countries == ["RUS"]
    assert person.programs == ["Russia"]
    assert person.topics == ["sanction"]
    assert person.listed_on == "2022-03-15"
    assert person.notes == [
        "Title: Mr",
        "Position: Director of an example plant",
        "Example remark about the designation.",
    ]
    assert person.gender is None
    assert person.source["group_id"] == "9001"
    assert person.source["list_updated"] == "2024-05-02"
    assert [row["Name 6"] for row in person.source["rows"]] == ["EXAMPLEV", "EKZAMPLEV", "Borya"]
    assert person.source["rows"][0]["Group ID"] == "9001"


def test_entity_and_ship(tmp_path: Path) -> None:
    entities = _entities(_write(tmp_path, _sample()))
    company = entities["uk-9002"]
    assert company.schema == Schema.company
    assert company.names == [
        Name("NORTHWIND EXAMPLE TRADING"),
        Name("NORTHWIND TRADING LLC", NameKind.aka),
    ]
    assert company.names[0].last_name is None
    assert company.addresses == ["2 Harbour Road, Exampleburg, Russia"]
    assert company.listed_on == "2022-05-04"

    ship = entities["uk-9003"]
    assert ship.schema == Schema.vessel
    assert ship.names == [Name("BLUE EXAMPLE")]
    assert ship.identifiers == [Identifier("imo", "1234567")]
    assert ship.birth_dates == []


def test_entity_without_legal_form_is_an_organization(tmp_path: Path) -> None:
    text = _rows(
        HEADER,
        {"Name 6": "EXAMPLE DIRECTORATE", "Group Type": "Entity", "Group ID": "1"},
    )
    (entity,) = _entities(_write(tmp_path, text)).values()
    assert entity.schema == Schema.organization


def test_ship_columns_when_present(tmp_path: Path) -> None:
    header = [*HEADER, "IMO number", "Current believed flag of ship", "Type of ship"]
    text = _rows(
        header,
        {
            "Name 6": "SEA EXAMPLE",
            "Group Type": "Ship",
            "Group ID": "77",
            "IMO number": "IMO 7654321",
            "Current believed flag of ship": "Panama",
            "Type of ship": "Bulk carrier",
            "Other Information": "Also IMO 1234567 in an earlier record",
        },
    )
    (ship,) = _entities(_write(tmp_path, text)).values()
    assert ship.identifiers == [Identifier("imo", "7654321"), Identifier("imo", "1234567")]
    assert ship.countries == ["PAN"]
    assert ship.source["rows"][0]["Type of ship"] == "Bulk carrier"


@pytest.mark.parametrize(
    ("dob", "dates", "notes"),
    [
        ("00/00/1970", ["1970"], []),
        ("12/07/1965", ["1965-07-12"], []),
        ("00/11/1959", ["1959-11"], []),
        ("1948", ["1948"], []),
        ("(1) 00/00/1961 (2) 14/02/1962", ["1961", "1962-02-14"], []),
        ("31/02/1960", [], ["DOB: 31/02/1960"]),
        ("circa 1960", [], ["DOB: circa 1960"]),
    ],
)
def test_dates_of_birth(tmp_path: Path, dob: str, dates: list[str], notes: list[str]) -> None:
    text = _rows(
        HEADER,
        {
            "Name 6": "PROBE",
            "Name 1": "Jan",
            "DOB": dob,
            "Group Type": "Individual",
            "Group ID": "5",
        },
    )
    (person,) = _entities(_write(tmp_path, text)).values()
    assert person.birth_dates == dates
    assert person.notes == notes


def test_numbered_nationalities_and_unresolvable_ones(tmp_path: Path) -> None:
    text = _rows(
        HEADER,
        {
            "Name 6": "PROBE",
            "Nationality": "(1) Russia (2) Korea, North (3) Atlantis",
            "Group Type": "Individual",
            "Group ID": "5",
        },
    )
    (person,) = _entities(_write(tmp_path, text)).values()
    assert person.nationalities == ["RUS", "PRK"]


def test_alias_types(tmp_path: Path) -> None:
    base = {"Group Type": "Individual", "Group ID": "8"}
    text = _rows(
        HEADER,
        {**base, "Name 6": "VARIANT", "Alias Type": "Primary name variation"},
        {**base, "Name 6": "OLDNAME", "Alias Type": "FKA"},
        {**base, "Name 6": "MAIN", "Alias Type": "Primary name"},
        {**base, "Name 6": "MAIN", "Alias Type": "AKA"},
    )
    (person,) = _entities(_write(tmp_path, text)).values()
    assert [(n.value, n.kind) for n in person.names] == [
        ("MAIN", NameKind.primary),
        ("VARIANT", NameKind.aka),
        ("OLDNAME", NameKind.fka),
    ]


def test_group_without_primary_name_gets_one(tmp_path: Path) -> None:
    text = _rows(
        HEADER, {"Name 6": "ONLY AKA", "Alias Type": "AKA", "Group Type": "Entity", "Group ID": "3"}
    )
    (entity,) = _entities(_write(tmp_path, text)).values()
    assert entity.names == [Name("ONLY AKA", NameKind.primary)]


def test_tolerates_missing_optional_and_extra_columns(tmp_path: Path) -> None:
    header = ["group id", "GROUP  TYPE", "Name 6", "Name 1", "Regime", "Gender", "Some New Column"]
    text = _rows(
        header,
        {
            "group id": "42",
            "GROUP  TYPE": "individual",
            "Name 6": "PROBE",
            "Name 1": "Jan",
            "Regime": "Global Human Rights",
            "Gender": "Female",
            "Some New Column": "kept",
        },
        first_line=False,
    )
    (person,) = _entities(_write(tmp_path, text)).values()
    assert person.key == "uk-42"
    assert person.names == [Name("Jan PROBE", first_name="Jan", last_name="PROBE")]
    assert person.programs == ["Global Human Rights"]
    assert person.gender == "female"
    assert person.source["list_updated"] is None
    assert person.source["rows"] == [
        {
            "group id": "42",
            "GROUP  TYPE": "individual",
            "Name 6": "PROBE",
            "Name 1": "Jan",
            "Regime": "Global Human Rights",
            "Gender": "Female",
            "Some New Column": "kept",
        }
    ]


def test_short_rows_and_blank_lines(tmp_path: Path) -> None:
    text = "Last Updated,02/05/2024\nName 6,Group Type,Group ID,Regime\n\nPROBE,Individual,6\n,,,\n"
    (person,) = _entities(_write(tmp_path, text)).values()
    assert person.key == "uk-6"
    assert person.programs == []


def test_unusable_rows_and_groups_are_skipped(tmp_path: Path) -> None:
    text = _rows(
        HEADER,
        {"Name 6": "NO GROUP", "Group Type": "Individual"},
        {"Name 6": "AIRCRAFT ONE", "Group Type": "Aircraft", "Group ID": "11"},
        {"Name 6": "UNTYPED", "Group ID": "12"},
        {"Name 1": "", "Regime": "Russia", "Group Type": "Entity", "Group ID": "13"},
    )
    path = _write(tmp_path, text)
    assert list(uk_csv.read([path])) == [
        Skipped(f"{path}: line 3", "no Group ID"),
        Skipped(f"{path}: Group ID 11 (line 4)", "unknown Group Type 'Aircraft'"),
        Skipped(f"{path}: Group ID 12 (line 5)", "no Group Type"),
        Skipped(f"{path}: Group ID 13 (line 6)", "no name"),
    ]


def test_windows_1252_file(tmp_path: Path) -> None:
    text = _rows(
        HEADER,
        {"Name 6": "PROBÉ", "Name 1": "José", "Group Type": "Individual", "Group ID": "1"},
    )
    (person,) = _entities(_write(tmp_path, text, encoding="cp1252")).values()
    assert person.caption == "José PROBÉ"


def test_utf8_with_byte_order_mark(tmp_path: Path) -> None:
    path = _write(tmp_path, "\ufeff" + _sample())
    assert len(_entities(path)) == 3


@pytest.mark.parametrize(
    ("missing", "first_line", "where"),
    [
        ("Group ID", True, "line 2"),
        ("Name 6", False, "line 1"),
        ("Group Type", True, "line 2"),
    ],
)
def test_missing_required_column(
    tmp_path: Path, missing: str, first_line: bool, where: str
) -> None:
    header = [c for c in HEADER if c != missing]
    path = _write(tmp_path, _rows(header, first_line=first_line))
    with pytest.raises(ImportFormatError) as caught:
        list(uk_csv.read([path]))
    assert caught.value.path == str(path)
    assert caught.value.where == where
    assert missing in caught.value.message


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "line 1"),
        ("Last Updated,02/05/2024\n", "line 2"),
        ('<?xml version="1.0"?>\n<export/>\n', "line 1"),
    ],
)
def test_not_a_conlist(tmp_path: Path, text: str, where: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ImportFormatError) as caught:
        list(uk_csv.read([path]))
    assert caught.value.where == where


def test_runaway_quote_is_a_format_error(tmp_path: Path) -> None:
    rows = [
        {"Name 6": f"NAME {i}", "Group Type": "Entity", "Group ID": str(i)} for i in range(5000)
    ]
    text = _rows(HEADER, *rows).replace("NAME 1,", '"NAME 1,', 1)
    path = _write(tmp_path, text)
    with pytest.raises(ImportFormatError) as caught:
        list(uk_csv.read([path]))
    assert caught.value.where.startswith("line ")
    assert "malformed CSV" in caught.value.message


def test_groups_are_per_file(tmp_path: Path) -> None:
    one = _write(tmp_path, _sample(), "one.csv")
    two = _write(tmp_path, _sample(), "two.csv")
    keys = [r.key for r in uk_csv.read([one, two]) if isinstance(r, Entity)]
    assert keys == ["uk-9001", "uk-9002", "uk-9003"] * 2
