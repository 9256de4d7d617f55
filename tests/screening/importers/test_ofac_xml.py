"""OFAC advanced XML, on a small file written in the structure of Treasury's published schema.

Parties, numbers and addresses are invented; the reference value sets follow the layout of
SDN_ADVANCED.XML (codes referred to by ID everywhere else).
"""

from __future__ import annotations

from collections import Counter
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
from casework.screening.importers import ofac_xml
from tests.screening.importers.ofac_xml_fixture import (
    ALL_PARTIES,
    INDIVIDUAL,
    LEGACY_NAMESPACE,
    ORGANIZATION,
    _date_period,
    _feature,
    document,
)


def _write(tmp_path: Path, text: str, name: str = "sdn_advanced.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _read(*paths: Path) -> list[Entity | Skipped]:
    return list(ofac_xml.read(paths))


@pytest.fixture
def parties(tmp_path: Path) -> dict[str, Entity]:
    found = _read(_write(tmp_path, document(ALL_PARTIES)))
    assert all(isinstance(e, Entity) for e in found)
    return {e.key: e for e in found if isinstance(e, Entity)}


def test_keys_and_schemas(parties: dict[str, Entity]) -> None:
    assert {k: e.schema for k, e in parties.items()} == {
        "ofac-7101": Schema.person,
        "ofac-7102": Schema.vessel,
        "ofac-7103": Schema.company,
        "ofac-7104": Schema.organization,
        "ofac-7105": Schema.aircraft,
    }
    assert all(e.topics == ["sanction"] for e in parties.values())


def test_individual(parties: dict[str, Entity]) -> None:
    person = parties["ofac-7101"]
    assert person.names == [
        Name("Dmitar Ilich KOVALENKO", NameKind.primary, "Dmitar", "Ilich", "KOVALENKO"),
        Name(
            "Дмитар Илич КОВАЛЕНКО",
            NameKind.primary,
            "Дмитар",
            "Илич",
            "КОВАЛЕНКО",
            script="Cyrillic",
        ),
        Name("Dimitri KOVALENKO", NameKind.aka, "Dimitri", None, "KOVALENKO"),
        Name("THE ADMIRAL", NameKind.weak),
    ]
    assert person.caption == "Dmitar Ilich KOVALENKO"
    assert person.birth_dates == ["1968-04-23", "1969"]
    assert person.birth_places == ["Odesa, Ukraine"]
    assert person.nationalities == ["UKR", "CYP"]  # nationality, then citizenship
    assert person.gender == "male"
    assert person.addresses == ["12 Harbour Road, Limassol, 3035, Cyprus"]
    assert person.countries == ["CYP"]
    assert person.identifiers == [
        Identifier("passport", "FE1234567", "UKR", "Passport; Issue Date 2015-03-02"),
        Identifier("national_id", "2209871234", None, "National ID No.; Fraudulent; used in 2016"),
    ]
    assert person.programs == ["UKRAINE-EO13660"]
    assert person.listed_on == "2019-05-17"
    assert person.notes == []
    source = person.source
    assert (source["FixedRef"], source["ProfileID"]) == ("7101", "7101")
    assert (source["PartyType"], source["PartySubType"]) == ("Individual", "Unknown")
    assert source["names"][0] == {
        "type": "Name",
        "kind": "primary",
        "parts": [
            {"type": "Last Name", "value": "KOVALENKO"},
            {"type": "First Name", "value": "Dmitar"},
            {"type": "Middle Name", "value": "Ilich"},
        ],
    }
    assert source["names"][3]["kind"] == "weak"
    assert {"type": "Birthdate", "values": ["1968-04-23"]} in source["features"]
    assert {"type": "Nationality Country", "values": ["Ukraine"]} in source["features"]
    assert source["documents"][0] == {
        "type": "Passport",
        "number": "FE1234567",
        "country": "Ukraine",
        "notes": ["Issue Date 2015-03-02"],
    }
    assert source["sanctions"] == [
        {
            "list": "SDN List",
            "programs": ["UKRAINE-EO13660"],
            "events": [
                {
                    "type": "Created",
                    "date": "2019-05-17",
                    "legal_basis": "Executive Order 13224 (Terrorism)",
                }
            ],
        }
    ]
    assert Entity.from_document(person.to_document()) == person


def test_vessel(parties: dict[str, Entity]) -> None:
    vessel = parties["ofac-7102"]
    assert [(n.value, n.kind) for n in vessel.names] == [
        ("NORTHERN STAR", NameKind.primary),
        ("POLAR LIGHT", NameKind.fka),
    ]
    assert vessel.names[0].first_name is vessel.names[0].last_name is None
    assert vessel.countries == ["PAN"]  # the flag
    assert vessel.identifiers == [
        Identifier("call_sign", "3EXA9"),
        Identifier("imo", "9000003", None, "Vessel Registration Identification"),
        Identifier("mmsi", "352000123", None, "MMSI"),
    ]
    assert vessel.notes == ["Vessel Type: Crude Oil Tanker"]
    assert vessel.programs == ["IRAN-EO13846"]
    assert vessel.listed_on == "2020-09-03"
    assert vessel.birth_dates == vessel.nationalities == vessel.addresses == []
    assert vessel.gender is None


def test_company(parties: dict[str, Entity]) -> None:
    company = parties["ofac-7103"]
    assert [(n.value, n.kind) for n in company.names] == [
        ("BLUE HARBOUR TRADING L.L.C.", NameKind.primary),
        ("BLUE HARBOR TRADING", NameKind.aka),
        ("BLUE HARBOUR GENERAL TRADING", NameKind.fka),
    ]
    assert company.addresses == ["Office 1204, Gulf Tower, Dubai, United Arab Emirates"]
    assert company.countries == ["ARE"]
    assert company.identifiers == [
        Identifier("crypto_wallet", "bc1qexample0000000000000000000000000000", None, "XBT"),
        Identifier("website", "www.blueharbour.example"),
        Identifier(
            "registration",
            "CN-1000001",
            "ARE",
            "Registration Number; Dubai Department of Economic Development",
        ),
        Identifier("swift_bic", "BLHBAEAD", None, "SWIFT/BIC"),
    ]
    assert company.programs == ["SDGT", "IRGC"]
    assert company.listed_on == "2021-02-11"  # the earliest entry event
    assert company.notes == [
        "Listed together with its branch offices.",
        "Organization Established Date: 2009-06",
        "Additional Sanctions Information -: Subject to Secondary Sanctions",
        "Tax ID No.: number withheld by the registry",
    ]
    events = company.source["sanctions"][0]["events"]
    assert [(e["type"], e["date"]) for e in events] == [
        ("Created", "2022-01-14"),
        ("Amended", "2021-02-11"),
    ]


def test_organization_and_aircraft(parties: dict[str, Entity]) -> None:
    organization = parties["ofac-7104"]
    assert organization.caption == "NORTHERN DUNES FRONT"
    assert organization.programs == ["SDGT"]
    assert organization.identifiers == []
    assert organization.notes == []
    aircraft = parties["ofac-7105"]
    assert aircraft.caption == "EP-ZZA"
    assert aircraft.identifiers == [Identifier("aircraft_msn", "28511")]
    assert aircraft.programs == ["IRAN-CON-ARMS-EO"]
    assert aircraft.notes == [
        "Secondary Sanctions Risk: Subject to Secondary Sanctions Pursuant to the ITSR"
    ]


def test_legacy_namespace_reads_the_same(tmp_path: Path, parties: dict[str, Entity]) -> None:
    path = _write(tmp_path, document(ALL_PARTIES, namespace=LEGACY_NAMESPACE), "legacy.xml")
    legacy = {e.key: e for e in _read(path) if isinstance(e, Entity)}
    assert legacy == parties


def test_same_keys_as_the_legacy_csv_for_the_same_party(parties: dict[str, Entity]) -> None:
    # FixedRef and Profile ID are the legacy files' ent_num.
    assert all(k == f"ofac-{e.source['FixedRef']}" for k, e in parties.items())


def test_birth_date_periods(tmp_path: Path) -> None:
    periods = [
        _date_period("1960-1-1", "1962-12-31"),  # a range of whole years
        _date_period("1971-2-1", "1971-2-28"),  # a whole month
        _date_period("1972-3-5", "1972-3-9"),  # some days
        _date_period("1900-1-1", "1999-12-31"),  # too wide to list every year
        '<DatePeriod CalendarTypeID="1" YearFixed="false" MonthFixed="false" DayFixed="false" />',
    ]
    features = "".join(_feature(81000 + i * 10, 8, 50101, p) for i, p in enumerate(periods))
    party = INDIVIDUAL.replace("<SanctionsEntryReference", features + "<SanctionsEntryReference")
    (person,) = _read(_write(tmp_path, document(party)))
    assert isinstance(person, Entity)
    assert person.birth_dates == [
        "1968-04-23",
        "1969",
        "1960",
        "1961",
        "1962",
        "1971-02",
        "1972-03-05",
        "1972-03-09",
        "1900-01-01",
        "1999-12-31",
    ]


def test_profile_without_names_is_skipped(tmp_path: Path) -> None:
    nameless = """
    <DistinctParty FixedRef="7199">
      <Profile ID="7199" PartySubTypeID="4">
        <Identity ID="59901" FixedRef="7199" Primary="true" False="false">
          <Alias FixedRef="7199" AliasTypeID="1403" Primary="true" LowQuality="false">
            <DocumentedName ID="1" FixedRef="7199" DocNameStatusID="1">
              <DocumentedNamePart>
                <NamePartValue NamePartGroupID="1" ScriptID="215" ScriptStatusID="1" Acronym="false" />
              </DocumentedNamePart>
            </DocumentedName>
          </Alias>
          <NamePartGroups><MasterNamePartGroup><NamePartGroup ID="1" NamePartTypeID="1520" />
          </MasterNamePartGroup></NamePartGroups>
        </Identity>
      </Profile>
    </DistinctParty>
    <DistinctParty FixedRef="">
      <Profile PartySubTypeID="4" />
    </DistinctParty>
    <DistinctParty FixedRef="7198" />"""
    path = _write(tmp_path, document(ORGANIZATION + nameless))
    found = _read(path)
    assert [type(e) for e in found] == [Entity, Skipped, Skipped, Skipped]
    assert found[1] == Skipped(
        f"{path}: DistinctParty FixedRef=7199", "no name in any Identity/Alias/DocumentedName"
    )
    assert found[2] == Skipped(
        f"{path}: Sanctions/DistinctParties/DistinctParty[3]", "neither FixedRef nor Profile ID"
    )
    assert found[3] == Skipped(f"{path}: DistinctParty FixedRef=7198", "no Profile")


def test_document_kinds() -> None:
    kinds = [
        ofac_xml.document_kind(label, number)
        for label, number in [
            ("Passport", "X1"),
            ("Diplomatic Passport", "X2"),
            ("Cedula No.", "1"),
            ("National ID No.", "1"),
            ("Tax ID No.", "1"),
            ("RFC", "1"),
            ("Registration ID", "1"),
            ("SWIFT/BIC", "1"),
            ("Driver's License No.", "1"),
            ("SSN", "1"),
            ("D-U-N-S Number", "1"),
            ("Vessel Registration Identification", "IMO 9000001"),
            ("Vessel Registration Identification", "PA-123"),
            ("Kassenzeichen", "1"),
        ]
    ]
    assert Counter(kinds) == {
        "imo": 1,
        "passport": 2,
        "national_id": 2,
        "tax_id": 2,
        "registration": 2,
        "swift_bic": 1,
        "drivers_license": 1,
        "ssn": 1,
        "duns": 1,
        "other": 1,
    }
    assert ofac_xml.document_kind("Vessel Registration Identification", "IMO 9000001") == "imo"
    assert ofac_xml.document_kind("Vessel Registration Identification", "PA-123") == "registration"


# -------------------------------------------------------------------------- malformed input


def test_truncated_file(tmp_path: Path) -> None:
    text = document(ALL_PARTIES)
    cut = text.index("<SanctionsEntries>")
    path = _write(tmp_path, text[:cut])
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert caught.value.path == str(path)
    assert caught.value.where == f"line {text[:cut].count(chr(10)) + 1}"
    assert "no element found" in caught.value.message


def test_nothing_is_yielded_from_a_broken_file(tmp_path: Path) -> None:
    # The first pass reads the whole file, so damage after the parties stops the import
    # before any party is passed on.
    text = document(ALL_PARTIES).replace("<SanctionsEntryLinks />", "<SanctionsEntryLinks>")
    records = ofac_xml.read([_write(tmp_path, text)])
    with pytest.raises(ImportFormatError) as caught:
        next(records)
    assert "mismatched tag" in caught.value.message


def test_wrong_root(tmp_path: Path) -> None:
    path = _write(tmp_path, '<?xml version="1.0"?>\n<sdnList><sdnEntry /></sdnList>\n')
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert (caught.value.where, caught.value.message) == (
        "/sdnList",
        "expected root element <Sanctions>",
    )


def test_doctype_is_refused(tmp_path: Path) -> None:
    text = document(ORGANIZATION).replace(
        "<Sanctions ",
        '<!DOCTYPE Sanctions [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n<Sanctions ',
    )
    with pytest.raises(ImportFormatError) as caught:
        _read(_write(tmp_path, text))
    assert caught.value.where == "line 2"
