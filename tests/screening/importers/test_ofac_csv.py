"""OFAC legacy CSV importer: the real SDN and Consolidated files, and small invented files."""

from __future__ import annotations

import collections
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
from casework.screening.importers.ofac_csv import read
from casework.screening.importers.ofac_remarks import Remarks, parse_remarks

SDN_FILES = ("sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv")
CONS_FILES = ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
EMPTY = "-0- "


def _cell(value: str | None) -> str:
    return EMPTY if value is None else '"' + value.replace('"', '""') + '"'


def primary(
    ent_num: int | str,
    name: str | None,
    sdn_type: str | None = None,
    program: str | None = "SDGT",
    remarks: str | None = None,
    *,
    title: str | None = None,
    call_sign: str | None = None,
    vessel_type: str | None = None,
    tonnage: str | None = None,
    grt: str | None = None,
    flag: str | None = None,
    owner: str | None = None,
) -> str:
    cells = (name, sdn_type, program, title, call_sign, vessel_type, tonnage, grt, flag, owner)
    return ",".join([str(ent_num), *(_cell(c) for c in cells), _cell(remarks)])


def alias(ent_num: int, alt_num: int, kind: str, name: str) -> str:
    return f'{ent_num},{alt_num},"{kind}",{_cell(name)},{EMPTY}'


def address(
    ent_num: int, add_num: int, street: str | None, city: str | None, country: str | None
) -> str:
    return f"{ent_num},{add_num},{_cell(street)},{_cell(city)},{_cell(country)},{EMPTY}"


def write(directory: Path, name: str, content: list[str] | bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(("\r\n".join(content) + "\r\n").encode("cp1252"))
    return path


def entities(items: list[Entity | Skipped]) -> dict[str, Entity]:
    return {item.key: item for item in items if isinstance(item, Entity)}


def skipped(items: list[Entity | Skipped]) -> list[Skipped]:
    return [item for item in items if isinstance(item, Skipped)]


def names_of(entity: Entity, kind: NameKind) -> list[str]:
    return [name.value for name in entity.names if name.kind == kind]


def ids_of(entity: Entity, kind: str) -> list[Identifier]:
    return [identifier for identifier in entity.identifiers if identifier.kind == kind]


# --- the real files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def sdn(watchlists: Path) -> list[Entity | Skipped]:
    return list(read([watchlists / "ofac_sdn_2019" / name for name in SDN_FILES]))


@pytest.fixture(scope="module")
def consolidated(watchlists: Path) -> list[Entity | Skipped]:
    return list(read([watchlists / "ofac_consolidated" / name for name in CONS_FILES]))


def test_sdn_has_one_entity_per_entry(sdn: list[Entity | Skipped]) -> None:
    found = entities(sdn)
    assert len(found) == 7379
    assert len([item for item in sdn if isinstance(item, Entity)]) == 7379
    schemas = collections.Counter(entity.schema for entity in found.values())
    assert schemas[Schema.person] == 3845
    assert schemas[Schema.vessel] == 323
    assert schemas[Schema.aircraft] == 217
    assert schemas[Schema.company] + schemas[Schema.legal_entity] == 2994
    for entity in found.values():
        assert entity.names
        assert entity.names[0].kind == NameKind.primary
        assert all(name.value.strip() for name in entity.names)
        assert entity.topics == ["sanction"]
        assert entity.programs


def test_sdn_only_skips_comments_for_entries_not_in_this_snapshot(
    sdn: list[Entity | Skipped],
) -> None:
    rest = skipped(sdn)
    assert rest
    assert all(item.where.startswith("sdn_comments.csv:") for item in rest)
    assert all("no primary record" in item.reason for item in rest)


def test_sdn_individual_field_by_field(sdn: list[Entity | Skipped]) -> None:
    person = entities(sdn)["ofac-15003"]
    assert person.schema == Schema.person
    assert person.names[0] == Name(
        value="FLORES APODACA, Salome",
        kind=NameKind.primary,
        first_name="Salome",
        last_name="FLORES APODACA",
    )
    assert names_of(person, NameKind.weak) == ["PELON", "FINO"]
    assert person.birth_dates == ["1962-10-23"]
    assert person.birth_places == ["Sinaloa, Mexico"]
    assert person.nationalities == ["MEX"]
    assert person.gender == "male"
    assert ids_of(person, "passport") == [Identifier("passport", "07040059504", "MEX")]
    assert ids_of(person, "tax_id") == [Identifier("tax_id", "FOAS621023Q97", "MEX", "R.F.C.")]
    assert person.programs == ["SDNTK"]


def test_sdn_vessel_field_by_field(sdn: list[Entity | Skipped]) -> None:
    vessel = entities(sdn)["ofac-15036"]
    assert vessel.schema == Schema.vessel
    assert vessel.caption == "ARTAVIL"
    assert names_of(vessel, NameKind.fka) == ["ABADAN", "ALPHA", "SHONA"]
    assert ids_of(vessel, "imo") == [Identifier("imo", "9187629")]
    assert ids_of(vessel, "mmsi") == [Identifier("mmsi", "572469210")]
    assert ids_of(vessel, "call_sign") == [Identifier("call_sign", "T2EU4")]
    assert vessel.countries == ["IRN"]
    assert "Linked To: NATIONAL IRANIAN TANKER COMPANY" in vessel.notes
    assert "Vessel type: Crude/Oil Products Tanker" in vessel.notes


def test_sdn_entity_with_aliases_and_addresses(sdn: list[Entity | Skipped]) -> None:
    bank = entities(sdn)["ofac-306"]
    assert bank.schema == Schema.legal_entity
    assert names_of(bank, NameKind.primary) == ["BANCO NACIONAL DE CUBA"]
    assert names_of(bank, NameKind.aka) == ["NATIONAL BANK OF CUBA"]
    assert names_of(bank, NameKind.weak) == ["BNC"]
    assert len(bank.addresses) == 4
    assert bank.addresses[1] == "Avenida de Concha Espina 8, Madrid E-28036, Spain"
    assert bank.countries == ["CHE", "ESP", "JPN", "PAN"]
    assert bank.programs == ["CUBA"]


def test_sdn_crypto_address(sdn: list[Entity | Skipped]) -> None:
    person = entities(sdn)["ofac-26138"]
    wallets = ids_of(person, "crypto_wallet")
    assert wallets == [
        Identifier("crypto_wallet", "1AjZPMsnmpdK2Rv9KQNfMurTXinscVro9V", None, "XBT")
    ]
    assert person.nationalities == ["IRN"]
    assert person.birth_dates == ["1987-03-09"]


def test_sdn_remarks_continue_in_comments_file(sdn: list[Entity | Skipped]) -> None:
    person = entities(sdn)["ofac-12300"]
    assert len(person.source["Remarks"]) > 1000
    assert "Linked To: PROMO RAIZ S.A.S." in person.notes
    assert person.notes[-1] == "Linked To: R D I S.A."


def test_sdn_title_is_noted_once(sdn: list[Entity | Skipped]) -> None:
    person = entities(sdn)["ofac-587"]
    assert person.notes == ["Title: Director, Banco Nacional de Cuba"]


def test_consolidated_reads_whole_set(consolidated: list[Entity | Skipped]) -> None:
    found = entities(consolidated)
    assert len(found) == 442
    assert not skipped(consolidated)
    assert all(entity.names and entity.names[0].value for entity in found.values())
    two_programs = found["ofac-9647"]
    assert two_programs.programs == ["SDGT", "NS-PLC"]
    assert two_programs.birth_dates == ["1945"]
    assert two_programs.nationalities == ["PSE"]
    assert names_of(two_programs, NameKind.weak) == ["ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"]
    weak = next(name for name in two_programs.names if name.value == "ZAHAR, Mahmoud")
    assert (weak.last_name, weak.first_name) == ("ZAHAR", "Mahmoud")


def test_both_sets_in_one_call(watchlists: Path) -> None:
    paths = [watchlists / "ofac_sdn_2019" / name for name in SDN_FILES]
    paths += [watchlists / "ofac_consolidated" / name for name in CONS_FILES]
    items = list(read(paths))
    assert len([item for item in items if isinstance(item, Entity)]) == 7379 + 442
    by_key: dict[str, list[Entity]] = collections.defaultdict(list)
    for item in items:
        if isinstance(item, Entity):
            by_key[item.key].append(item)
    shared = {key: found for key, found in by_key.items() if len(found) > 1}
    assert len(by_key) == 7379 + 442 - len(shared)
    for found in shared.values():
        assert len({entity.caption for entity in found}) == 1


# --- remarks ------------------------------------------------------------------------------


def test_remarks_birth_date_forms() -> None:
    found = parse_remarks(
        "DOB 01 Feb 1960; alt. DOB Mar 1961; alt. DOB 1962; alt. DOB circa 1950; "
        "alt. DOB 1970 to 1972; alt. DOB 01 Jan 1980 to 31 Dec 1981; alt. DOB circa 1990-1991; "
        "alt. DOB circa Apr 1955."
    )
    assert found.birth_dates == [
        "1960-02-01",
        "1961-03",
        "1962",
        "1950",
        "1970",
        "1971",
        "1972",
        "1980",
        "1981",
        "1990",
        "1991",
        "1955-04",
    ]
    assert not found.unparsed


def test_remarks_unreadable_dates_go_to_notes() -> None:
    found = parse_remarks("DOB 31 Feb 1960; DOB sometime in spring; DOB 1970 to 1960.")
    assert found.birth_dates == []
    assert found.notes == ["DOB 31 Feb 1960", "DOB sometime in spring", "DOB 1970 to 1960"]
    assert found.unparsed == found.notes


def test_remarks_long_range_keeps_its_ends() -> None:
    assert parse_remarks("DOB 1900 to 1950").birth_dates == ["1900", "1950"]


def test_remarks_several_passports() -> None:
    found = parse_remarks(
        "Passport X1234567 (Iran); alt. Passport Y7654321 (Iraq) issued 01 Jan 2000 "
        "expires 01 Jan 2005; Passport Z555 issued 2001; Diplomatic Passport D42 (Egypt); "
        "Passport Q9 (Atlantis)."
    )
    assert found.identifiers == [
        Identifier("passport", "X1234567", "IRN"),
        Identifier("passport", "Y7654321", "IRQ", "issued 01 Jan 2000 expires 01 Jan 2005"),
        Identifier("passport", "Z555", None, "issued 2001"),
        Identifier("passport", "D42", "EGY", "Diplomatic Passport"),
        Identifier("passport", "Q9", None, "(Atlantis)"),
    ]


def test_remarks_gender_and_nationality() -> None:
    found = parse_remarks("Gender Female; nationality Korea, North; citizen Russia.")
    assert found.gender == "female"
    assert found.nationalities == ["PRK", "RUS"]
    assert parse_remarks("Gender Male").gender == "male"
    unknown = parse_remarks("Gender Unknown; nationality Atlantis")
    assert unknown.gender is None
    assert unknown.nationalities == []
    assert unknown.unparsed == ["Gender Unknown", "nationality Atlantis"]


def test_remarks_weak_aliases() -> None:
    found = parse_remarks(
        "a.k.a. 'SHORTY'; f.k.a. 'OLD CO'; low quality a.k.a. 'THE TALL ONE'; "
        "a.k.a. 'DOE, Johnny'.",
        person=True,
    )
    assert found.names == [
        Name("SHORTY", NameKind.weak),
        Name("OLD CO", NameKind.weak),
        Name("THE TALL ONE", NameKind.weak),
        Name("DOE, Johnny", NameKind.weak, first_name="Johnny", last_name="DOE"),
    ]


def test_remarks_identifiers() -> None:
    found = parse_remarks(
        "National ID No. 123-45 (Peru); Cedula No. 9988 (Colombia); SSN 000-00-0000 "
        "(United States); Tax ID No. 77001 (Russia); Registration Number 5501 (Singapore); "
        "Registration ID HRB 1 (Germany); Email Address someone@example.org; "
        "Website www.example.org; Vessel Registration Identification IMO 1000019; "
        "MMSI 000111222; Digital Currency Address - XBT 1ExampleAddr; "
        "alt. Digital Currency Address - ETH 0xExample; SWIFT/BIC EXMPXX22; "
        "Folio Mercantil No. 77 (Jalisco) (Mexico); Company Number IMO 1234567."
    )
    assert found.identifiers == [
        Identifier("national_id", "123-45", "PER"),
        Identifier("national_id", "9988", "COL", "Cedula No."),
        Identifier("ssn", "000-00-0000", "USA"),
        Identifier("tax_id", "77001", "RUS"),
        Identifier("registration", "5501", "SGP"),
        Identifier("registration", "HRB 1", "DEU"),
        Identifier("email", "someone@example.org"),
        Identifier("website", "www.example.org"),
        Identifier("imo", "1000019"),
        Identifier("mmsi", "000111222"),
        Identifier("crypto_wallet", "1ExampleAddr", None, "XBT"),
        Identifier("crypto_wallet", "0xExample", None, "ETH"),
        Identifier("swift_bic", "EXMPXX22"),
        Identifier("registration", "77", "MEX", "Folio Mercantil No. (Jalisco)"),
        Identifier("imo_company", "1234567", None, "Company Number IMO"),
    ]
    assert not found.notes


def test_remarks_notes_known_and_unknown() -> None:
    found = parse_remarks(
        "Linked To: EXAMPLE HOLDING S.A.; Organization Established Date 01 Jan 2001; "
        "Minister of Examples; Title: Chief Example Officer; POB Springfield, Atlantis; "
        "Linked To: OTHER EXAMPLE S.A."
    )
    assert found.notes == [
        "Linked To: EXAMPLE HOLDING S.A.",
        "Organization Established Date 01 Jan 2001",
        "Minister of Examples",
        "Title: Chief Example Officer",
        "Linked To: OTHER EXAMPLE S.A.",
    ]
    assert found.unparsed == ["Minister of Examples"]
    assert found.company
    assert found.birth_places == ["Springfield, Atlantis"]


def test_remarks_empty() -> None:
    assert parse_remarks(None) == Remarks()
    assert parse_remarks("  ;  ; ") == Remarks()


# --- small files ------------------------------------------------------------------------


def test_small_set_all_fields(tmp_path: Path) -> None:
    sdn_path = write(
        tmp_path,
        "sdn.csv",
        [
            primary(
                10,
                "DOE, John Michael",
                "individual",
                "SDGT] [IRGC",
                "DOB 02 Mar 1971; nationality Iran; Passport P1 (Iran); a.k.a. 'JD'.",
                title="Example Officer",
            ),
            primary(
                11,
                "EXAMPLE SHIP",
                "vessel",
                "IRAN",
                "Vessel Registration Identification IMO 1000019.",
                call_sign="XYZ1",
                vessel_type="Tanker",
                tonnage="1,000",
                flag="Panama",
                owner="Example Owner Ltd.",
            ),
            primary(12, "EP-XYZ", "aircraft", "SDGT"),
            primary(13, "EXAMPLE TRADING LLC", None, "SDGT"),
            primary(14, "EXAMPLE FRONT", None, "SDGT"),
            primary(15, "EXAMPLE WORKS", None, "SDGT", "Organization Established Date 1999."),
        ],
    )
    alt_path = write(
        tmp_path,
        "alt.csv",
        [
            alias(10, 1, "aka", "DOE, Johnny"),
            alias(10, 2, "fka", "ROE, John"),
            alias(10, 3, "nka", "DOE, Jon"),
            alias(10, 4, "aka", "JD"),
            alias(14, 5, "aka", "EXAMPLE FRONT GMBH"),
        ],
    )
    add_path = write(
        tmp_path,
        "add.csv",
        [
            address(10, 1, "1 Example Street", "Exampletown 123", "Germany"),
            address(10, 2, None, None, "France"),
            address(13, 3, None, None, None),
            address(14, 4, None, "Example City", "Region: Gaza"),
        ],
    )
    items = list(read([sdn_path, alt_path, add_path]))
    assert not skipped(items)
    found = entities(items)
    assert list(found) == [f"ofac-{n}" for n in range(10, 16)]

    person = found["ofac-10"]
    assert person.schema == Schema.person
    assert person.names == [
        Name("DOE, John Michael", NameKind.primary, "John", "Michael", "DOE"),
        Name("DOE, Johnny", NameKind.aka, "Johnny", None, "DOE"),
        Name("ROE, John", NameKind.fka, "John", None, "ROE"),
        Name("DOE, Jon", NameKind.aka, "Jon", None, "DOE"),
        Name("JD", NameKind.aka),
    ]
    assert person.programs == ["SDGT", "IRGC"]
    assert person.birth_dates == ["1971-03-02"]
    assert person.nationalities == ["IRN"]
    assert person.identifiers == [Identifier("passport", "P1", "IRN")]
    assert person.addresses == ["1 Example Street, Exampletown 123, Germany"]
    assert person.countries == ["DEU", "FRA"]
    assert person.notes == ["Title: Example Officer"]
    assert person.source["ent_num"] == "10"
    assert person.source["alt"][2]["alt_type"] == "nka"

    vessel = found["ofac-11"]
    assert vessel.schema == Schema.vessel
    assert vessel.countries == ["PAN"]
    assert vessel.identifiers == [Identifier("imo", "1000019"), Identifier("call_sign", "XYZ1")]
    assert vessel.notes == [
        "Vessel type: Tanker",
        "Tonnage: 1,000",
        "Vessel owner: Example Owner Ltd.",
    ]

    assert found["ofac-12"].schema == Schema.aircraft
    assert found["ofac-13"].schema == Schema.company
    assert found["ofac-13"].addresses == []
    assert found["ofac-14"].schema == Schema.company
    assert found["ofac-14"].addresses == ["Example City, Region: Gaza"]
    assert found["ofac-14"].countries == ["PSE"]
    assert found["ofac-15"].schema == Schema.company


def test_plain_entity_is_legal_entity(tmp_path: Path) -> None:
    path = write(tmp_path, "sdn.csv", [primary(1, "EXAMPLE MOVEMENT", None, "SDGT")])
    (entity,) = entities(list(read([path]))).values()
    assert entity.schema == Schema.legal_entity


def test_empty_markers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sdn.csv",
        [
            '20,"EXAMPLE GROUP",-0- ,-0- ,-0-   ,-0-,-0- ,-0- ,-0- ,-0- ,-0- ,-0-    ',
            primary(21, "EXAMPLE TWO", "-0-", "-0-", "-0-"),
        ],
    )
    found = entities(list(read([path])))
    for entity in found.values():
        assert entity.schema == Schema.legal_entity
        assert entity.programs == []
        assert entity.notes == []
        assert entity.identifiers == []
        assert entity.countries == []
        assert "Remarks" not in entity.source
    assert found["ofac-20"].source == {"ent_num": "20", "SDN_Name": "EXAMPLE GROUP"}


@pytest.mark.parametrize("ending", [b"\r\n\x1a", b"\x1a", b"\n\x1a\n", b"\r\n\x1a\x1a"])
def test_end_of_file_byte(tmp_path: Path, ending: bytes) -> None:
    body = "\r\n".join([primary(1, "EXAMPLE ONE"), primary(2, "EXAMPLE TWO")]).encode()
    path = write(tmp_path, "sdn.csv", body + ending)
    assert list(entities(list(read([path])))) == ["ofac-1", "ofac-2"]


def test_cp1252_and_undefined_bytes(tmp_path: Path) -> None:
    line = primary(1, "PENA, Jose", "individual", "SDNTK", "POB Bogota, Colombia.")
    raw = line.encode().replace(b"PENA", b"PE\xd1A").replace(b"Jose", b"Jos\xe9")
    raw = raw.replace(b"Bogota", b"Bogot\xe1 \x9a\x81")
    path = write(tmp_path, "sdn.csv", raw + b"\r\n\x1a")
    (entity,) = entities(list(read([path]))).values()
    assert entity.caption == "PE\u00d1A, Jos\u00e9"
    assert entity.names[0].last_name == "PE\u00d1A"
    assert entity.birth_places == ["Bogot\u00e1 \u0161\x81, Colombia"]


def test_utf8_file(tmp_path: Path) -> None:
    text = "\ufeff" + primary(1, "M\u00dcLLER, J\u00fcrgen", "individual", "SDGT") + "\n"
    path = write(tmp_path, "sdn.csv", text.encode("utf-8"))
    (entity,) = entities(list(read([path]))).values()
    assert entity.names[0].last_name == "M\u00dcLLER"
    assert entity.key == "ofac-1"


def test_comments_continue_remarks(tmp_path: Path) -> None:
    sdn_path = write(
        tmp_path, "cons_prim.csv", [primary(7, "EXAMPLE BANK", None, "UKRAINE", "Linked To: EXAM")]
    )
    comments = write(tmp_path, "cons_comments.csv", ['7,"PLE HOLDING; Tax ID No. 42 (Russia)."'])
    (entity,) = entities(list(read([sdn_path, comments]))).values()
    assert entity.notes == ["Linked To: EXAMPLE HOLDING"]
    assert entity.identifiers == [Identifier("tax_id", "42", "RUS")]
    assert entity.source["Remarks"] == "Linked To: EXAMPLE HOLDING; Tax ID No. 42 (Russia)."


def test_weak_alias_repeating_a_strong_one_is_dropped(tmp_path: Path) -> None:
    sdn_path = write(
        tmp_path, "sdn.csv", [primary(1, "EXAMPLE CORP", None, "SDGT", "a.k.a. 'EXC'.")]
    )
    alt_path = write(tmp_path, "alt.csv", [alias(1, 1, "aka", "EXC")])
    (entity,) = entities(list(read([sdn_path, alt_path]))).values()
    assert entity.names == [Name("EXAMPLE CORP"), Name("EXC", NameKind.aka)]


def test_orphans_are_skipped(tmp_path: Path) -> None:
    sdn_path = write(tmp_path, "sdn.csv", [primary(1, "EXAMPLE ONE")])
    alt_path = write(
        tmp_path, "alt.csv", [alias(1, 1, "aka", "EX ONE"), alias(99, 2, "aka", "LOST")]
    )
    add_path = write(tmp_path, "add.csv", [address(98, 1, None, "Nowhere", "Spain")])
    comments = write(tmp_path, "sdn_comments.csv", ['97,"tail of remarks."'])
    items = list(read([sdn_path, alt_path, add_path, comments]))
    assert list(entities(items)) == ["ofac-1"]
    rest = skipped(items)
    assert [item.where for item in rest] == [
        "alt.csv:2 (ent_num 99)",
        "add.csv:1 (ent_num 98)",
        "sdn_comments.csv:1 (ent_num 97)",
    ]
    assert [item.reason for item in rest] == [
        "alias of an ent_num with no primary record",
        "address of an ent_num with no primary record",
        "remarks of an ent_num with no primary record",
    ]


def test_aliases_without_primary_file_are_all_skipped(tmp_path: Path) -> None:
    alt_path = write(tmp_path, "alt.csv", [alias(1, 1, "aka", "EX ONE")])
    assert list(read([alt_path])) == [
        Skipped("alt.csv:1 (ent_num 1)", "alias of an ent_num with no primary record")
    ]


def test_repeated_ent_num_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "sdn.csv", [primary(5, "EXAMPLE ONE"), primary(5, "EXAMPLE AGAIN")])
    items = list(read([path]))
    assert entities(items)["ofac-5"].caption == "EXAMPLE ONE"
    assert skipped(items) == [Skipped("sdn.csv:2 (ent_num 5)", "ent_num appears twice")]


def test_wrong_column_count_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "sdn.csv", [primary(1, "EXAMPLE ONE"), '2,"EXAMPLE TWO",-0- ,"SDGT"'])
    with pytest.raises(ImportFormatError) as caught:
        list(read([path]))
    assert caught.value.path == str(path)
    assert caught.value.where == "line 2"
    assert "12 columns" in caught.value.message


def test_non_numeric_ent_num(tmp_path: Path) -> None:
    sdn_path = write(tmp_path, "sdn.csv", [primary(1, "EXAMPLE ONE")])
    alt_path = write(tmp_path, "alt.csv", [alias(1, 1, "aka", "X"), 'abc,2,"aka","Y",-0- '])
    with pytest.raises(ImportFormatError) as caught:
        list(read([sdn_path, alt_path]))
    assert caught.value.path == str(alt_path)
    assert caught.value.where == "line 2"
    assert "ent_num" in caught.value.message


def test_unterminated_quote_is_a_format_error(tmp_path: Path) -> None:
    path = write(tmp_path, "add.csv", [address(1, 1, None, None, "Spain"), '2,3,"open'])
    with pytest.raises(ImportFormatError) as caught:
        list(read([path]))
    assert caught.value.path == str(path)
    assert caught.value.where.startswith("line ")


def test_unknown_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "names.csv", [primary(1, "EXAMPLE ONE")])
    with pytest.raises(ImportFormatError) as caught:
        list(read([path]))
    assert caught.value.where == "file name"


def test_keys_and_hashes_are_stable(tmp_path: Path) -> None:
    rows = [primary("0042", "EXAMPLE ONE", None, "SDGT", "Website www.example.org.")]
    first = entities(list(read([write(tmp_path / "v1", "sdn.csv", rows)])))
    second = entities(list(read([write(tmp_path / "v2", "SDN.CSV", rows)])))
    assert list(first) == list(second) == ["ofac-42"]
    assert first["ofac-42"].content_hash() == second["ofac-42"].content_hash()
    assert Entity.from_document(first["ofac-42"].to_document()) == first["ofac-42"]


def test_many_rows_stream(tmp_path: Path) -> None:
    count = 20_000
    sdn_path = write(
        tmp_path,
        "sdn.csv",
        [
            primary(n, f"EXAMPLE {n}", None, "SDGT", f"Registration Number {n}.")
            for n in range(count)
        ],
    )
    alt_path = write(tmp_path, "alt.csv", [alias(n, n, "aka", f"EX {n}") for n in range(count)])
    stream = read([sdn_path, alt_path])
    first = next(stream)
    assert isinstance(first, Entity)
    assert first.names[1].value == "EX 0"
    rest = list(stream)
    assert len(rest) == count - 1
    assert all(isinstance(item, Entity) and len(item.names) == 2 for item in rest)


@pytest.mark.parametrize(
    ("name", "company"),
    [
        ("EXAMPLE TRADING LLC", True),
        ("EXAMPLE HOLDING, S.A. DE C.V.", True),
        ("EXAMPLE IMPORT S.A.S.", True),
        ("EXAMPLE HANDELS GMBH", True),
        ("EXAMPLE MAKINA A.S.", True),
        ("EXAMPLE SHIPPING CO.", True),
        ("EXAMPLE BRIGADE AS-SAYF", False),
        ("EXAMPLE RESORT AND SPA", False),
        ("EXAMPLE CO-OPERATIVE", False),
        ("EXAMPLE MOVEMENT", False),
    ],
)
def test_company_by_legal_form(tmp_path: Path, name: str, company: bool) -> None:
    path = write(tmp_path, "sdn.csv", [primary(1, name)])
    (entity,) = entities(list(read([path]))).values()
    assert entity.schema == (Schema.company if company else Schema.legal_entity)


def test_weak_alias_does_not_make_a_company(tmp_path: Path) -> None:
    path = write(
        tmp_path, "sdn.csv", [primary(1, "EXAMPLE PATH", None, "SDGT", "a.k.a. 'EX LTD'.")]
    )
    (entity,) = entities(list(read([path]))).values()
    assert entity.schema == Schema.legal_entity
    assert names_of(entity, NameKind.weak) == ["EX LTD"]


def test_primary_record_without_name_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "sdn.csv", [primary(1, None), primary(2, "EXAMPLE TWO")])
    items = list(read([path, path]))
    assert list(entities(items)) == ["ofac-2"]
    assert skipped(items) == [Skipped("sdn.csv:1 (ent_num 1)", "no name")]


def test_two_primary_files_for_one_list(tmp_path: Path) -> None:
    first = write(tmp_path, "sdn.csv", [primary(1, "EXAMPLE ONE")])
    second = write(tmp_path, "SDN.CSV", [primary(2, "EXAMPLE TWO")])
    if first.samefile(second):
        pytest.skip("case-insensitive file system")
    with pytest.raises(ImportFormatError) as caught:
        list(read([first, second]))
    assert caught.value.where == "file name"
