"""EU Financial Sanctions Files XML, on small files in the published layout."""

# Names in Cyrillic and Greek are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

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
from casework.screening.importers import eu_xml

NAMESPACE = "http://eu.europa.ec/fpi/fsd/export"

PERSON = """
  <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.9001.11"
      logicalId="900101" designationDate="2022-03-15">
    <remark>Director of an example plant that supplies the armed forces.</remark>
    <regulation regulationType="amendment" organisationType="council"
        publicationDate="2022-03-15" entryIntoForceDate="2022-03-15"
        numberTitle="2022/427 (OJ L87)" programme="UKR" logicalId="70001">
      <publicationUrl>https://example.invalid/regulation-2022-427</publicationUrl>
    </regulation>
    <subjectType code="person" classificationCode="P"/>
    <nameAlias firstName="Boris" middleName="Ivanovich" lastName="EXAMPLEV"
        wholeName="Boris Ivanovich EXAMPLEV" function="Director of an example plant"
        gender="M" title="" nameLanguage="" strong="true" regulationLanguage="en"
        logicalId="80001">
      <regulationSummary regulationType="amendment" publicationDate="2022-03-15"
          numberTitle="2022/427 (OJ L87)" publicationUrl="https://example.invalid/r"/>
    </nameAlias>
    <nameAlias firstName="Борис" middleName="Иванович" lastName="ЭКЗАМПЛЕВ"
        wholeName="Борис Иванович ЭКЗАМПЛЕВ" function="" gender="M" title=""
        nameLanguage="RU" strong="true" regulationLanguage="en" logicalId="80002"/>
    <nameAlias firstName="" middleName="" lastName="" wholeName="Borya" function=""
        gender="" title="" nameLanguage="" strong="false" regulationLanguage="en"
        logicalId="80003"/>
    <citizenship region="" countryIsoCode="RU" countryDescription="RUSSIAN FEDERATION"
        regulationLanguage="en" logicalId="81001"/>
    <birthdate circa="false" calendarType="GREGORIAN" city="Exampleburg" zipCode=""
        birthdate="" dayOfMonth="" monthOfYear="5" year="1970" region="" place=""
        countryIsoCode="RU" countryDescription="RUSSIAN FEDERATION"
        regulationLanguage="en" logicalId="82001"/>
    <identification diplomatic="false" knownExpired="false" knownFalse="false"
        reportedLost="false" revokedByIssuer="false" issuedBy="" issuedDate=""
        validFrom="" validTo="" latinNumber="" nameOnDocument=""
        identificationTypeCode="passport" identificationTypeDescription="National passport"
        region="" number="750000001" countryIsoCode="RU"
        countryDescription="RUSSIAN FEDERATION" regulationLanguage="en" logicalId="83001"/>
    <address city="Exampleburg" street="1 Example Street" poBox="" zipCode="101000"
        region="" place="" asAtListingTime="false" contactInfo="" countryIsoCode="RU"
        countryDescription="RUSSIAN FEDERATION" regulationLanguage="en" logicalId="84001"/>
  </sanctionEntity>"""

COMPANY = """
  <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.9002.12"
      logicalId="900202">
    <remark>Type of entity: Limited Liability Company. Registration date: 01.02.2005.</remark>
    <regulation regulationType="amendment" organisationType="council"
        publicationDate="2023-06-23" entryIntoForceDate="2023-06-23"
        numberTitle="2023/1215 (OJ L159I)" programme="UKR" logicalId="70002"/>
    <regulation regulationType="amendment" organisationType="council"
        publicationDate="2024-02-23" entryIntoForceDate="2024-02-23"
        numberTitle="2024/753 (OJ L)" programme="RUS" logicalId="70003"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias firstName="" middleName="" lastName="" wholeName="Northwind Example Trading"
        function="" gender="" title="" nameLanguage="" strong="true" regulationLanguage="en"
        logicalId="80011"/>
    <identification identificationTypeCode="regnumber"
        identificationTypeDescription="Registration Number" number="1057700000001"
        countryIsoCode="RU" countryDescription="RUSSIAN FEDERATION" logicalId="83011"/>
    <identification identificationTypeCode="fiscalcode"
        identificationTypeDescription="National Fiscal Code" number="7700000001"
        countryIsoCode="00" countryDescription="UNKNOWN" logicalId="83012"/>
    <address city="Exampleburg" street="2 Harbour Road" poBox="" zipCode="" region=""
        place="" countryIsoCode="RU" countryDescription="RUSSIAN FEDERATION" logicalId="84011"/>
    <address city="" street="" poBox="" zipCode="" region="" place="" countryIsoCode="00"
        countryDescription="UNKNOWN" logicalId="84012"/>
  </sanctionEntity>"""

AGENCY = """
  <sanctionEntity logicalId="900303" euReferenceNumber="EU.9003.13">
    <regulation publicationDate="2019-07-01" programme="SYR" logicalId="70004"/>
    <subjectType code="enterprise" classificationCode="E"/>
    <nameAlias wholeName="Example Directorate of Procurement" strong="true" logicalId="80021"/>
  </sanctionEntity>"""


def _export(*records: str, namespace: str | None = NAMESPACE) -> str:
    xmlns = f' xmlns="{namespace}"' if namespace else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<export{xmlns} generationDate="2024-05-31T18:00:00.000+02:00" globalFileId="4321">'
        + "".join(records)
        + "\n</export>\n"
    )


def _write(tmp_path: Path, text: str, name: str = "fsf.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _entities(path: Path) -> dict[str, Entity]:
    results = list(eu_xml.read([path]))
    assert all(isinstance(r, Entity) for r in results), results
    return {r.key: r for r in results if isinstance(r, Entity)}


def test_person(tmp_path: Path) -> None:
    person = _entities(_write(tmp_path, _export(PERSON)))["eu-900101"]
    assert person.schema == Schema.person
    assert person.names == [
        Name(
            "Boris Ivanovich EXAMPLEV",
            NameKind.primary,
            first_name="Boris",
            middle_name="Ivanovich",
            last_name="EXAMPLEV",
        ),
        Name(
            "Борис Иванович ЭКЗАМПЛЕВ",
            NameKind.aka,
            first_name="Борис",
            middle_name="Иванович",
            last_name="ЭКЗАМПЛЕВ",
            lang="ru",
        ),
        Name("Borya", NameKind.weak),
    ]
    assert person.gender == "male"
    assert person.birth_dates == ["1970-05"]
    assert person.birth_places == ["Exampleburg, RUSSIAN FEDERATION"]
    assert person.nationalities == ["RUS"]
    assert person.identifiers == [Identifier("passport", "750000001", "RUS", "National passport")]
    assert person.addresses == ["1 Example Street, 101000, Exampleburg, RUSSIAN FEDERATION"]
    assert person.countries == ["RUS"]
    assert person.programs == ["UKR"]
    assert person.topics == ["sanction"]
    assert person.listed_on == "2022-03-15"
    assert person.notes == [
        "Director of an example plant that supplies the armed forces.",
        "Function: Director of an example plant",
    ]
    assert person.source["attributes"]["euReferenceNumber"] == "EU.9001.11"
    assert person.source["children"][0] == {
        "tag": "remark",
        "attributes": {},
        "text": "Director of an example plant that supplies the armed forces.",
    }


def test_enterprises(tmp_path: Path) -> None:
    entities = _entities(_write(tmp_path, _export(PERSON, COMPANY, AGENCY)))
    assert list(entities) == ["eu-900101", "eu-900202", "eu-900303"]

    company = entities["eu-900202"]
    assert company.schema == Schema.company
    assert company.names == [Name("Northwind Example Trading")]
    assert company.identifiers == [
        Identifier("registration", "1057700000001", "RUS", "Registration Number"),
        Identifier("tax_id", "7700000001", None, "National Fiscal Code"),
    ]
    assert company.addresses == ["2 Harbour Road, Exampleburg, RUSSIAN FEDERATION"]
    assert company.countries == ["RUS"]
    assert company.programs == ["UKR", "RUS"]
    assert company.listed_on == "2023-06-23"
    assert company.gender is None

    agency = entities["eu-900303"]
    assert agency.schema == Schema.organization
    assert agency.listed_on == "2019-07-01"
    assert agency.programs == ["SYR"]


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("Example Components LLC", Schema.company),
        ('OOO "Primer"', Schema.company),
        ("Acme Example GmbH", Schema.company),
        ('ООО "Пример"', Schema.company),
        ("Example Shipping Co. Ltd", Schema.company),
        ("Ministry of Examples", Schema.organization),
        ("Example Cooperation Council", Schema.organization),
    ],
)
def test_legal_form_makes_a_company(tmp_path: Path, name: str, schema: Schema) -> None:
    record = (
        '<sanctionEntity logicalId="1"><subjectType code="enterprise"/>'
        f'<nameAlias wholeName="{name.replace(chr(34), "&quot;")}" strong="true"/>'
        "</sanctionEntity>"
    )
    (entity,) = _entities(_write(tmp_path, _export(record))).values()
    assert entity.schema == schema


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ('birthdate="1965-07-12" year="1965" monthOfYear="7" dayOfMonth="12"', ["1965-07-12"]),
        ('year="1958"', ["1958"]),
        ('year="1958" monthOfYear="2" dayOfMonth="30"', ["1958-02"]),
        ('yearRangeFrom="1960" yearRangeTo="1962"', ["1960", "1961", "1962"]),
        ('yearRangeFrom="1900" yearRangeTo="1990"', []),
        ('birthdate="" circa="true"', []),
    ],
)
def test_birth_dates(tmp_path: Path, attributes: str, expected: list[str]) -> None:
    record = (
        '<sanctionEntity logicalId="2"><subjectType code="person"/>'
        '<nameAlias wholeName="Anna Example" strong="true"/>'
        f"<birthdate {attributes}/></sanctionEntity>"
    )
    (entity,) = _entities(_write(tmp_path, _export(record))).values()
    assert entity.birth_dates == expected


def test_without_namespace_and_with_another(tmp_path: Path) -> None:
    plain = _entities(_write(tmp_path, _export(PERSON, namespace=None), "plain.xml"))
    other = _entities(_write(tmp_path, _export(PERSON, namespace="urn:example:fsd"), "o.xml"))
    assert plain["eu-900101"].names == other["eu-900101"].names
    assert len(plain["eu-900101"].names) == 3


def test_name_from_parts_and_duplicate_aliases(tmp_path: Path) -> None:
    record = (
        '<sanctionEntity logicalId="3"><subjectType code="person"/>'
        '<nameAlias firstName="Jan" lastName="PROBE" wholeName="" gender="F" strong="true"/>'
        '<nameAlias wholeName="Jan PROBE" strong="true" nameLanguage="DE"/>'
        '<nameAlias wholeName="J. Probe" title="Dr" strong="true"/>'
        "</sanctionEntity>"
    )
    (entity,) = _entities(_write(tmp_path, _export(record))).values()
    assert entity.names == [
        Name("Jan PROBE", first_name="Jan", last_name="PROBE"),
        Name("J. Probe", NameKind.aka),
    ]
    assert entity.gender == "female"
    assert entity.notes == ["Title: Dr"]


def test_unusable_records_are_skipped(tmp_path: Path) -> None:
    records = (
        '<sanctionEntity euReferenceNumber="EU.1.1"><subjectType code="person"/></sanctionEntity>',
        '<sanctionEntity logicalId="5"><nameAlias wholeName="No Type"/></sanctionEntity>',
        '<sanctionEntity logicalId="6"><subjectType code="vessel"/>'
        '<nameAlias wholeName="Some Ship"/></sanctionEntity>',
        '<sanctionEntity logicalId="7"><subjectType code="person"/>'
        '<nameAlias wholeName="" firstName=""/></sanctionEntity>',
        AGENCY,
    )
    path = _write(tmp_path, _export(*records))
    results = list(eu_xml.read([path]))
    assert results[:4] == [
        Skipped(f"{path}: sanctionEntity #1", "no logicalId"),
        Skipped(f"{path}: sanctionEntity #2 (logicalId 5)", "no subjectType"),
        Skipped(f"{path}: sanctionEntity #3 (logicalId 6)", "unknown subjectType code 'vessel'"),
        Skipped(f"{path}: sanctionEntity #4 (logicalId 7)", "no name"),
    ]
    assert isinstance(results[4], Entity)


def test_wrong_root(tmp_path: Path) -> None:
    path = _write(
        tmp_path, '<?xml version="1.0"?><CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>'
    )
    with pytest.raises(ImportFormatError) as caught:
        list(eu_xml.read([path]))
    assert caught.value.path == str(path)
    assert caught.value.where == "root element <CONSOLIDATED_LIST>"


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("", "line 1, column 0"),
        ("not xml at all", "line 1, column 0"),
        ('<export>\n  <sanctionEntity logicalId="1">\n</export>\n', "line 3, column 2"),
    ],
)
def test_malformed_xml(tmp_path: Path, text: str, where: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ImportFormatError) as caught:
        list(eu_xml.read([path]))
    assert caught.value.where == where
    assert caught.value.message.startswith("not well-formed XML")


def test_streams_records_before_a_later_error(tmp_path: Path) -> None:
    broken = _export(PERSON, COMPANY).replace("</export>", "<sanctionEntity></export>")
    results = eu_xml.read([_write(tmp_path, broken)])
    first = next(results)
    assert isinstance(first, Entity)
    assert first.key == "eu-900101"
    assert isinstance(next(results), Entity)
    with pytest.raises(ImportFormatError):
        next(results)


def test_many_files(tmp_path: Path) -> None:
    one = _write(tmp_path, _export(PERSON), "one.xml")
    two = _write(tmp_path, _export(COMPANY), "two.xml")
    keys = [r.key for r in eu_xml.read([one, two]) if isinstance(r, Entity)]
    assert keys == ["eu-900101", "eu-900202"]
