"""UK Sanctions List (FCDO) XML, on small files in the published layout."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from casework.screening.entity import Entity, Identifier, ImportFormatError, NameKind, Schema
from casework.screening.entity import Skipped as SkippedRecord
from casework.screening.formats import publication_date
from casework.screening.importers import uk_xml

PERSON = """
  <Designation>
    <LastUpdated>14/03/2024</LastUpdated>
    <DateDesignated>26/02/2022</DateDesignated>
    <UniqueID>RUS0999</UniqueID>
    <OFSIGroupID>14999</OFSIGroupID>
    <Names>
      <Name>
        <Name1>Ivan</Name1><Name2>Petrovich</Name2><Name6>SIDOROV</Name6>
        <NameType>Primary Name</NameType>
      </Name>
      <Name><Name1>Ivan</Name1><Name6>SIDOROFF</Name6><NameType>Primary Name Variation</NameType></Name>
      <Name><Name6>Vanya</Name6><NameType>Alias</NameType><AliasStrength>Weak</AliasStrength></Name>
    </Names>
    <NonLatinNames>
      <NonLatinName>
        <NameNonLatinScript>Иван Петрович Сидоров</NameNonLatinScript>
        <NonLatinScriptType>Cyrillic</NonLatinScriptType>
        <NonLatinScriptLanguage>Russian</NonLatinScriptLanguage>
      </NonLatinName>
    </NonLatinNames>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Individual</IndividualEntityShip>
    <DesignationSource>UK</DesignationSource>
    <SanctionsImposed>Asset freeze|Travel Ban</SanctionsImposed>
    <OtherInformation>Member of the board of a listed bank.</OtherInformation>
    <UKStatementofReasons>Involved in obtaining a benefit from the Government of Russia.</UKStatementofReasons>
    <Addresses>
      <Address>
        <AddressLine1>12 Tverskaya Street</AddressLine1>
        <AddressLine5>Moscow</AddressLine5>
        <AddressCountry>Russia</AddressCountry>
      </Address>
    </Addresses>
    <IndividualDetails>
      <Individual>
        <DOBs><DOB>07/10/1962</DOB><DOB>dd/mm/1963</DOB><DOB>dd/05/1964</DOB><DOB>unknown</DOB></DOBs>
        <Nationalities><Nationality>Russia</Nationality></Nationalities>
        <Genders><Gender>Male</Gender></Genders>
        <Positions><Position>Deputy Chairman</Position></Positions>
        <BirthDetails>
          <Location><TownOfBirth>Leningrad</TownOfBirth><CountryOfBirth>Russia</CountryOfBirth></Location>
        </BirthDetails>
        <PassportDetails>
          <Passport>
            <PassportNumber>753456789</PassportNumber>
            <PassportAdditionalInformation>Russian, issued 2015</PassportAdditionalInformation>
          </Passport>
        </PassportDetails>
        <NationalIdentifierDetails>
          <NationalIdentifier><NationalIdentifierNumber>771234567890</NationalIdentifierNumber></NationalIdentifier>
        </NationalIdentifierDetails>
      </Individual>
    </IndividualDetails>
  </Designation>"""

COMPANY = """
  <Designation>
    <DateDesignated>24/02/2022</DateDesignated>
    <UniqueID>RUS0500</UniqueID>
    <Names>
      <Name><Name6>NORTHERN STAR TRADING LLC</Name6><NameType>Primary Name</NameType></Name>
      <Name><Name6>SEVERNAYA ZVEZDA</Name6><NameType>Alias</NameType></Name>
    </Names>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Entity</IndividualEntityShip>
    <EntityDetails>
      <Entity>
        <TypeOfEntities><TypeOfEntity>Limited Liability Company</TypeOfEntity></TypeOfEntities>
        <BusinessRegistrationNumbers>
          <BusinessRegistrationNumber>INN: 7701234567</BusinessRegistrationNumber>
        </BusinessRegistrationNumbers>
      </Entity>
    </EntityDetails>
  </Designation>"""

SHIP = """
  <Designation>
    <UniqueID>RUS1800</UniqueID>
    <Names><Name><Name6>OCEAN PEARL</Name6><NameType>Primary Name</NameType></Name></Names>
    <RegimeName>The Russia (Sanctions) (EU Exit) Regulations 2019</RegimeName>
    <IndividualEntityShip>Ship</IndividualEntityShip>
    <ShipDetails>
      <Ship>
        <IMONumbers><IMONumber>IMO9234567</IMONumber></IMONumbers>
        <CurrentBelievedFlagOfShips><CurrentBelievedFlagOfShip>Panama</CurrentBelievedFlagOfShip></CurrentBelievedFlagOfShips>
        <TypeOfShipDetails><TypeOfShip>Crude oil tanker</TypeOfShip></TypeOfShipDetails>
      </Ship>
    </ShipDetails>
  </Designation>"""


def _write(path: Path, *designations: str, generated: str | None = "05/03/2026") -> Path:
    date = f"<DateGenerated>{generated}</DateGenerated>" if generated else ""
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<Designations xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"  {date}{''.join(designations)}\n</Designations>\n",
        encoding="utf-8",
    )
    return path


def _entities(path: Path) -> dict[str, Entity]:
    return {e.key: e for e in uk_xml.read([path]) if isinstance(e, Entity)}


def test_an_individual_with_names_dates_documents_and_address(tmp_path: Path):
    person = _entities(_write(tmp_path / "uk.xml", PERSON))["uk-RUS0999"]
    assert person.schema == Schema.person
    primary, variation, cyrillic, weak = person.names
    assert (primary.value, primary.kind) == ("Ivan Petrovich SIDOROV", NameKind.primary)
    assert (primary.first_name, primary.middle_name, primary.last_name) == (
        "Ivan",
        "Petrovich",
        "SIDOROV",
    )
    assert (variation.value, variation.kind) == ("Ivan SIDOROFF", NameKind.aka)
    assert (cyrillic.value, cyrillic.script, cyrillic.lang) == (
        "Иван Петрович Сидоров",
        "Cyrillic",
        "Russian",
    )
    assert (weak.value, weak.kind, weak.last_name) == ("Vanya", NameKind.weak, None)
    assert person.birth_dates == ["1962-10-07", "1963", "1964-05"]
    assert "DOB: unknown" in person.notes
    assert person.nationalities == ["RUS"]
    assert person.gender == "male"
    assert person.birth_places == ["Leningrad, Russia"]
    assert person.countries == ["RUS"]
    assert person.addresses == ["12 Tverskaya Street, Moscow, Russia"]
    assert Identifier("passport", "753456789", note="Russian, issued 2015") in person.identifiers
    assert Identifier("national_id", "771234567890") in person.identifiers
    assert person.programs == ["The Russia (Sanctions) (EU Exit) Regulations 2019"]
    assert person.topics == ["sanction"]
    assert person.listed_on == "2022-02-26"
    assert "Position: Deputy Chairman" in person.notes
    assert "Member of the board of a listed bank." in person.notes
    assert person.source["OFSIGroupID"] == "14999"
    assert person.source["SanctionsImposed"] == "Asset freeze|Travel Ban"
    assert len(person.source["Names"]["Name"]) == 3


def test_an_entity_with_a_legal_form_is_a_company_and_a_ship_a_vessel(tmp_path: Path):
    found = _entities(_write(tmp_path / "uk.xml", COMPANY, SHIP))
    company = found["uk-RUS0500"]
    assert company.schema == Schema.company
    assert [n.value for n in company.names] == ["NORTHERN STAR TRADING LLC", "SEVERNAYA ZVEZDA"]
    assert company.identifiers == [Identifier("registration", "INN: 7701234567")]
    assert "Type of entity: Limited Liability Company" in company.notes
    ship = found["uk-RUS1800"]
    assert ship.schema == Schema.vessel
    assert ship.identifiers == [Identifier("imo", "9234567")]
    assert ship.countries == ["PAN"]
    assert "Type of ship: Crude oil tanker" in ship.notes


def test_records_without_id_type_or_name_are_skipped(tmp_path: Path):
    no_id = "<Designation><Names><Name><Name6>X</Name6></Name></Names></Designation>"
    no_type = "<Designation><UniqueID>AAA0001</UniqueID><Names><Name><Name6>Y</Name6></Name></Names></Designation>"
    aircraft = (
        "<Designation><UniqueID>AAA0002</UniqueID><IndividualEntityShip>Aircraft"
        "</IndividualEntityShip><Names><Name><Name6>Z</Name6></Name></Names></Designation>"
    )
    nameless = (
        "<Designation><UniqueID>AAA0003</UniqueID>"
        "<IndividualEntityShip>Entity</IndividualEntityShip></Designation>"
    )
    items = list(uk_xml.read([_write(tmp_path / "uk.xml", no_id, no_type, aircraft, nameless)]))
    assert all(isinstance(i, SkippedRecord) for i in items)
    reasons = [i.reason for i in items if isinstance(i, SkippedRecord)]
    assert reasons == [
        "no UniqueID",
        "no IndividualEntityShip",
        "unknown IndividualEntityShip 'Aircraft'",
        "no name",
    ]


def test_publication_date_is_the_date_generated(tmp_path: Path):
    path = _write(tmp_path / "uk.xml", PERSON)
    assert uk_xml.published([path]) == datetime(2026, 3, 5, tzinfo=UTC)
    assert publication_date("uk-xml", [path]) == datetime(2026, 3, 5, tzinfo=UTC)
    undated = _write(tmp_path / "undated.xml", PERSON, generated=None)
    assert publication_date("uk-xml", [undated]) is None


def test_not_the_uk_list_names_the_file(tmp_path: Path):
    wrong = tmp_path / "other.xml"
    wrong.write_text("<CONSOLIDATED_LIST></CONSOLIDATED_LIST>", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        list(uk_xml.read([wrong]))
    assert "other.xml" in str(caught.value)
    assert "<Designations>" in str(caught.value)
    broken = tmp_path / "broken.xml"
    broken.write_text("<Designations>\n<Designation>\n</Designations>", encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        list(uk_xml.read([broken]))
    assert "line 3" in str(caught.value)
