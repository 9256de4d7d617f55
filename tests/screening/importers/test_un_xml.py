"""UN Security Council consolidated list XML: the real file, and small written ones."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from casework.screening.entity import (
    Entity,
    Identifier,
    ImportFormatError,
    NameKind,
    Schema,
    Skipped,
)
from casework.screening.importers import un_xml

HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def _write(tmp_path: Path, body: str, name: str = "un.xml") -> Path:
    path = tmp_path / name
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def _list(individuals: str = "", entities: str = "") -> str:
    return (
        '<CONSOLIDATED_LIST dateGenerated="2026-01-01T00:00:00Z">\n'
        f"<INDIVIDUALS>{individuals}</INDIVIDUALS>\n"
        f"<ENTITIES>{entities}</ENTITIES>\n"
        "</CONSOLIDATED_LIST>\n"
    )


def _read(*paths: Path) -> list[Entity | Skipped]:
    return list(un_xml.read(paths))


def _entities(*paths: Path) -> dict[str, Entity]:
    return {e.key: e for e in _read(*paths) if isinstance(e, Entity)}


# ---------------------------------------------------------------------------- the real list


@pytest.fixture(scope="module")
def un_list(watchlists: Path) -> list[Entity | Skipped]:
    return _read(watchlists / "un" / "UN_consolidated.xml")


@pytest.fixture(scope="module")
def by_key(un_list: list[Entity | Skipped]) -> dict[str, Entity]:
    return {e.key: e for e in un_list if isinstance(e, Entity)}


def test_real_list_counts(un_list: list[Entity | Skipped], by_key: dict[str, Entity]) -> None:
    assert len(un_list) == 1003
    assert len(by_key) == 1003  # every record read, keys unique
    schemas = Counter(e.schema for e in by_key.values())
    assert schemas[Schema.person] == 730
    assert schemas[Schema.company] + schemas[Schema.organization] == 273
    assert schemas == {Schema.person: 730, Schema.organization: 191, Schema.company: 82}
    kinds = Counter(i.kind for e in by_key.values() for i in e.identifiers)
    assert kinds == {"passport": 309, "national_id": 121, "other": 17, "tax_id": 1}
    assert all(e.topics == ["sanction"] and len(e.programs) == 1 for e in by_key.values())
    assert all(e.listed_on and len(e.listed_on) == 10 for e in by_key.values())
    scripts = Counter(n.script for e in by_key.values() for n in e.names if n.script)
    assert scripts == {"Arabic": 366, "Cyrillic": 11}


def test_real_between_dates_titles_and_arabic_name(by_key: dict[str, Entity]) -> None:
    entity = by_key["un-TAi.002"]
    assert entity.schema == Schema.person
    latin, arabic = entity.names
    assert (latin.value, latin.kind) == ("MOHAMMAD HASSAN AKHUND", NameKind.primary)
    assert (latin.first_name, latin.middle_name, latin.last_name) == (
        "MOHAMMAD",
        "HASSAN",
        "AKHUND",
    )
    assert (arabic.value, arabic.kind, arabic.script) == (
        "محمد حسن آخوند",
        NameKind.primary,
        "Arabic",
    )
    assert entity.caption == "MOHAMMAD HASSAN AKHUND"
    # Two BETWEEN dates: 1955..1958 and 1945..1950, "Approximately" adds no note.
    assert entity.birth_dates == [str(y) for y in [*range(1955, 1959), *range(1945, 1951)]]
    assert entity.birth_places == [
        "Pashmul village, Panjwai District, Kandahar Province, Afghanistan"
    ]
    assert entity.nationalities == ["AFG"]
    assert entity.countries == entity.addresses == []
    assert entity.identifiers == []
    assert entity.gender is None
    assert entity.programs == ["Taliban"]
    assert entity.listed_on == "2001-01-25"
    assert entity.notes[0].startswith("A close associate of Mullah Mohammed Omar (TAi.004).")
    assert "\n" not in entity.notes[0]
    assert entity.notes[1:3] == ["Title: Mullah", "Title: Haji"]
    assert (
        entity.notes[3]
        == "Designation: First Deputy, Council of Ministers under the Taliban regime"
    )
    assert len(entity.notes) == 7
    assert entity.source["REFERENCE_NUMBER"] == "TAi.002"
    assert entity.source["TITLE"] == ["Mullah", "Haji"]
    assert entity.source["INDIVIDUAL_DATE_OF_BIRTH"][0] == {
        "TYPE_OF_DATE": "BETWEEN",
        "FROM_YEAR": "1955",
        "TO_YEAR": "1958",
        "NOTE": "Approximately",
    }
    assert "INDIVIDUAL_ALIAS" not in entity.source  # the empty alias is left out


def test_real_passport_weak_aliases_and_four_name_parts(by_key: dict[str, Entity]) -> None:
    entity = by_key["un-LYi.023"]
    primary = entity.names[0]
    assert primary.value == "Ahmad Oumar Imhamad al-Fitouri"
    assert (primary.first_name, primary.middle_name, primary.last_name) == (
        "Ahmad",
        "Oumar Imhamad",
        "al-Fitouri",
    )
    assert entity.names[1].script == "Arabic"
    weak = [n.value for n in entity.names if n.kind == NameKind.weak]
    assert weak == ["Al-Dabachi", "Al Ammu", "The Uncle", "Al-Ahwal", "Al Dabbashi"]
    assert entity.identifiers == [
        Identifier("passport", "LY53FP76", "LBY", "issued 2015-09-29 in Tripoli"),
        Identifier("national_id", "119880387067"),
    ]
    assert entity.birth_dates == ["1988-05-07"]
    assert entity.birth_places == ["possibly Sabratha, Talil neighbourhood"]  # NOTE only
    assert entity.addresses == ["Garabulli, Libya", "Zawiya, Libya"]
    assert entity.countries == entity.nationalities == ["LBY"]
    assert entity.programs == ["Libya"]
    assert entity.listed_on == "2018-06-07"


def test_real_cyrillic_name_alias_birth_dates_and_former_ussr(by_key: dict[str, Entity]) -> None:
    entity = by_key["un-QDi.290"]
    assert [(n.value, n.kind, n.script) for n in entity.names[:2]] == [
        ("DOKU KHAMATOVICH UMAROV", NameKind.primary, None),
        ("Умаров Доку Хаматович", NameKind.primary, "Cyrillic"),
    ]
    assert {n.kind for n in entity.names[2:]} == {NameKind.aka}
    assert entity.nationalities == ["RUS", "SUN"]  # "former Soviet Union"
    assert entity.birth_dates[:2] == ["1964-04-13", "1965-04-13"]
    assert len(entity.birth_dates) == 4  # two more given under aliases
    assert entity.identifiers == [
        Identifier("passport", "96 03 464086", "RUS", "issued 2003-06-01")
    ]


def test_real_gender_and_country_only_address(by_key: dict[str, Entity]) -> None:
    entity = by_key["un-CDi.001"]
    assert entity.names[0].value == "ERIC BADEGE"
    assert (entity.names[0].first_name, entity.names[0].last_name) == ("ERIC", "BADEGE")
    assert entity.gender == "male"
    assert entity.birth_dates == ["1971"]
    assert entity.nationalities == ["COD"]
    assert entity.countries == ["RWA"]
    assert entity.addresses == []  # only a country and a note
    assert entity.programs == ["DRC"]


def test_real_passport_repeated_under_three_labels_is_one(by_key: dict[str, Entity]) -> None:
    passports = by_key["un-KPi.008"].identifiers
    assert len(passports) == 1
    assert (passports[0].kind, passports[0].country) == ("passport", "PRK")


def test_real_entities(by_key: dict[str, Entity]) -> None:
    company = by_key["un-IRe.029"]
    assert company.schema == Schema.company
    assert [n.value for n in company.names] == ["IRISL BENELUX NV"]
    assert company.addresses == ["Noorderlaan 139, B-2030, Antwerp, Belgium"]
    assert company.countries == ["BEL"]
    assert company.programs == ["Iran"]
    assert "VAT Number" in company.notes[0]
    organization = by_key["un-QDe.004"]
    assert organization.schema == Schema.organization
    assert organization.caption == "AL-QAIDA"
    assert organization.programs == ["Al-Qaida"]
    assert organization.names[1].script == "Arabic"
    assert len(organization.names) == 12
    assert all(n.kind == NameKind.aka for n in organization.names[2:])
    fka = [e for e in by_key.values() if any(n.kind == NameKind.fka for n in e.names)]
    assert fka
    assert all(e.schema != Schema.person for e in fka)
    complex_ = by_key["un-IRe.003"]
    assert complex_.schema == Schema.organization
    assert complex_.countries == ["IRN"]  # "Iran (Islamic Republic of)"
    assert complex_.addresses[0] == "P.O. Box 91735-549, Mashad, Iran (Islamic Republic of)"
    assert len(complex_.addresses) == 3


def test_real_listed_on_with_time_zone(by_key: dict[str, Entity]) -> None:
    assert by_key["un-QDi.352"].source["LISTED_ON"] == "2015-04-07-04:00"
    assert by_key["un-QDi.352"].listed_on == "2015-04-07"


def test_real_documents_round_trip(by_key: dict[str, Entity]) -> None:
    entity = by_key["un-LYi.023"]
    assert Entity.from_document(entity.to_document()) == entity


# --------------------------------------------------------------------------- written files

PERSON = """
<INDIVIDUAL>
  <DATAID>900001</DATAID>
  <VERSIONNUM>1</VERSIONNUM>
  <FIRST_NAME>Tomas</FIRST_NAME>
  <SECOND_NAME>Erik</SECOND_NAME>
  <THIRD_NAME>na</THIRD_NAME>
  <FOURTH_NAME>Vandervelt</FOURTH_NAME>
  <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
  <REFERENCE_NUMBER> QDi.901 </REFERENCE_NUMBER>
  <LISTED_ON>2020-02-03</LISTED_ON>
  <NAME_ORIGINAL_SCRIPT>Томас Эрик
      Вандервельт</NAME_ORIGINAL_SCRIPT>
  <GENDER>Female</GENDER>
  <COMMENTS1>Seen in
     the port.</COMMENTS1>
  <TITLE><VALUE>Dr.</VALUE><VALUE>Dr.</VALUE></TITLE>
  <DESIGNATION><VALUE>Treasurer</VALUE></DESIGNATION>
  <NATIONALITY><VALUE>na</VALUE><VALUE>Iran (Islamic Republic of)</VALUE>
    <VALUE>Atlantis</VALUE></NATIONALITY>
  <LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>
  <LAST_DAY_UPDATED><VALUE/></LAST_DAY_UPDATED>
  <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Tom Vandervelt</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>The Clerk</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME>T. E. Vandervelt</ALIAS_NAME>
    <DATE_OF_BIRTH>1966-07-01</DATE_OF_BIRTH><CITY_OF_BIRTH>Ghent</CITY_OF_BIRTH>
    <COUNTRY_OF_BIRTH>Belgium</COUNTRY_OF_BIRTH></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>TOMAS ERIK VANDERVELT</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ADDRESS><STREET>4 Quay Street</STREET><CITY>Ostend</CITY>
    <ZIP_CODE>8400</ZIP_CODE><COUNTRY>Belgium</COUNTRY><NOTE>as of 2019</NOTE></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_ADDRESS><NOTE>Believed to be at sea</NOTE></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_ADDRESS><COUNTRY>China, Hong Kong Special Administrative Region</COUNTRY></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1965-07-01</DATE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1964</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1962</FROM_YEAR>
    <TO_YEAR>1960</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>Nov. 1963</NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1958</YEAR><NOTE>Sep.</NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>12/03/1385 (Hijri Calendar)</NOTE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1957</FROM_YEAR>
    <TO_YEAR>unknown</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE/></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Bruges</CITY><STATE_PROVINCE>West Flanders</STATE_PROVINCE>
    <COUNTRY>Belgium</COUNTRY><NOTE>Place of Birth: old town</NOTE></INDIVIDUAL_PLACE_OF_BIRTH>
  <INDIVIDUAL_PLACE_OF_BIRTH><COUNTRY/></INDIVIDUAL_PLACE_OF_BIRTH>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>EX1234567</NUMBER>
    <ISSUING_COUNTRY>Belgium</ISSUING_COUNTRY><DATE_OF_ISSUE>2012-01-09</DATE_OF_ISSUE>
    <NOTE>expired</NOTE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Número de pasaporte</TYPE_OF_DOCUMENT><NUMBER>EX1234567</NUMBER>
    <COUNTRY_OF_ISSUE>Belgium</COUNTRY_OF_ISSUE><NOTE>diplomatic</NOTE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
    <TYPE_OF_DOCUMENT2>national passport</TYPE_OF_DOCUMENT2><NUMBER>NP-77</NUMBER></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
    <TYPE_OF_DOCUMENT2>Italian Fiscal Code:</TYPE_OF_DOCUMENT2><NUMBER>VNDTMS65L01Z103X</NUMBER></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
    <TYPE_OF_DOCUMENT2>Ration card number:</TYPE_OF_DOCUMENT2><NUMBER>R-5</NUMBER></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
    <NUMBER>85070112345</NUMBER><CITY_OF_ISSUE>Ghent</CITY_OF_ISSUE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT>
    <NOTE>old passport number 99-1, expired 2001</NOTE></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT/>
  <SORT_KEY/>
  <SORT_KEY_LAST_MOD/>
</INDIVIDUAL>
"""

ENTITIES = """
<ENTITY>
  <DATAID>900101</DATAID>
  <FIRST_NAME>SEAGATE MARINE SERVICES CO., LTD</FIRST_NAME>
  <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
  <REFERENCE_NUMBER>KPe.901</REFERENCE_NUMBER>
  <LISTED_ON>2017-08-05</LISTED_ON>
  <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>SMS CO</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>SEAGATE SHIPPING</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ADDRESS><CITY>Nampho</CITY><COUNTRY>Democratic People's Republic of Korea</COUNTRY></ENTITY_ADDRESS>
</ENTITY>
<ENTITY>
  <DATAID>900102</DATAID>
  <FIRST_NAME>NORTHERN DUNES FRONT</FIRST_NAME>
  <REFERENCE_NUMBER>QDe.901</REFERENCE_NUMBER>
  <LISTED_ON>2014-05-02</LISTED_ON>
</ENTITY>
<ENTITY>
  <DATAID>900103</DATAID>
  <FIRST_NAME>NO REFERENCE TRUST</FIRST_NAME>
  <UN_LIST_TYPE>Somalia</UN_LIST_TYPE>
</ENTITY>
"""


def test_written_person_every_field(tmp_path: Path) -> None:
    (entity,) = _read(_write(tmp_path, _list(PERSON)))
    assert isinstance(entity, Entity)
    assert entity.key == "un-QDi.901"
    assert entity.schema == Schema.person
    names = [(n.value, n.kind, n.script) for n in entity.names]
    assert names == [
        ("Tomas Erik Vandervelt", NameKind.primary, None),
        ("Томас Эрик Вандервельт", NameKind.primary, "Cyrillic"),
        ("Tom Vandervelt", NameKind.aka, None),
        ("The Clerk", NameKind.weak, None),
        ("T. E. Vandervelt", NameKind.aka, None),
    ]
    primary = entity.names[0]
    assert (primary.first_name, primary.middle_name, primary.last_name) == (
        "Tomas",
        "Erik",
        "Vandervelt",
    )
    assert entity.gender == "female"
    assert entity.birth_dates == [
        "1965-07-01",
        "1964",
        "1960",
        "1961",
        "1962",
        "1963-11",
        "1958-09",
        "1957",
        "1966-07-01",
    ]
    assert entity.birth_places == ["Bruges, West Flanders, Belgium", "Ghent, Belgium"]
    assert entity.nationalities == ["IRN"]
    assert entity.countries == ["BEL", "HKG"]
    assert entity.addresses == ["4 Quay Street, Ostend, 8400, Belgium", "Believed to be at sea"]
    assert entity.identifiers == [
        Identifier("passport", "EX1234567", "BEL", "issued 2012-01-09; expired; diplomatic"),
        Identifier("passport", "NP-77", None, "national passport"),
        Identifier("tax_id", "VNDTMS65L01Z103X", None, "Italian Fiscal Code:"),
        Identifier("other", "R-5", None, "Ration card number:"),
        Identifier("national_id", "85070112345", None, "in Ghent"),
    ]
    assert entity.programs == ["Al-Qaida"]
    assert entity.topics == ["sanction"]
    assert entity.listed_on == "2020-02-03"
    assert entity.notes == [
        "Seen in the port.",
        "Title: Dr.",
        "Designation: Treasurer",
        "Nationality: Atlantis",
        "Date of birth: 12/03/1385 (Hijri Calendar)",
        "Place of birth: old town",
        "Passport: old passport number 99-1, expired 2001",
    ]
    assert entity.source["REFERENCE_NUMBER"] == "QDi.901"
    assert entity.source["NATIONALITY"] == ["na", "Iran (Islamic Republic of)", "Atlantis"]
    assert entity.source["NAME_ORIGINAL_SCRIPT"] == "Томас Эрик Вандервельт"
    assert "LAST_DAY_UPDATED" not in entity.source
    assert len(entity.source["INDIVIDUAL_ALIAS"]) == 4
    assert entity.source["INDIVIDUAL_DOCUMENT"][0]["NUMBER"] == "EX1234567"


def test_written_entities(tmp_path: Path) -> None:
    found = _entities(_write(tmp_path, _list(entities=ENTITIES)))
    company = found["un-KPe.901"]
    assert company.schema == Schema.company
    assert [(n.value, n.kind) for n in company.names] == [
        ("SEAGATE MARINE SERVICES CO., LTD", NameKind.primary),
        ("SMS CO", NameKind.aka),
        ("SEAGATE SHIPPING", NameKind.fka),
    ]
    assert company.addresses == ["Nampho, Democratic People's Republic of Korea"]
    assert company.countries == ["PRK"]
    assert company.programs == ["DPRK"]
    assert company.birth_dates == company.nationalities == []
    organization = found["un-QDe.901"]
    assert organization.schema == Schema.organization
    assert organization.programs == ["Al-Qaida"]  # from the reference number's prefix
    no_reference = found["un-900103"]  # falls back to DATAID
    assert no_reference.programs == ["Somalia"]
    assert no_reference.listed_on is None


def test_records_without_name_or_reference_are_skipped(tmp_path: Path) -> None:
    body = _list(
        individuals="""
        <INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>Ana</FIRST_NAME>
          <REFERENCE_NUMBER>CDi.901</REFERENCE_NUMBER></INDIVIDUAL>
        <INDIVIDUAL><DATAID>2</DATAID><FIRST_NAME/><REFERENCE_NUMBER>CDi.902</REFERENCE_NUMBER>
        </INDIVIDUAL>
        <INDIVIDUAL><FIRST_NAME>Nobody</FIRST_NAME></INDIVIDUAL>""",
        entities="<ENTITY><DATAID>7</DATAID></ENTITY>",
    )
    path = _write(tmp_path, body)
    first, no_name, no_reference, no_entity_name = _read(path)
    assert isinstance(first, Entity)
    assert first.names[0].value == "Ana"
    assert (first.names[0].first_name, first.names[0].last_name) == (None, None)
    assert no_name == Skipped(
        f"{path}: INDIVIDUAL CDi.902", "no name (FIRST_NAME .. FOURTH_NAME are empty)"
    )
    assert no_reference == Skipped(
        f"{path}: CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL[3]", "no REFERENCE_NUMBER or DATAID"
    )
    assert no_entity_name == Skipped(f"{path}: ENTITY 7", "no name (FIRST_NAME is empty)")


def test_several_files_in_order(tmp_path: Path) -> None:
    one = _write(tmp_path, _list(PERSON), "one.xml")
    two = _write(tmp_path, _list(entities=ENTITIES), "two.xml")
    assert [e.key for e in _read(one, two) if isinstance(e, Entity)] == [
        "un-QDi.901",
        "un-KPe.901",
        "un-QDe.901",
        "un-900103",
    ]


# -------------------------------------------------------------------------- malformed input


def test_truncated_file_names_the_line_after_the_records_before(tmp_path: Path) -> None:
    text = _list(PERSON + PERSON.replace("QDi.901", "QDi.902"))
    cut = text.index("QDi.902") + 40
    path = _write(tmp_path, text[:cut])
    records = un_xml.read([path])
    assert isinstance(next(records), Entity)  # streamed before the damage is reached
    with pytest.raises(ImportFormatError) as caught:
        next(records)
    assert caught.value.path == str(path)
    assert caught.value.where == f"line {(HEAD + text[:cut]).count(chr(10)) + 1}"
    assert caught.value.message.startswith("unclosed token")


def test_mismatched_tag(tmp_path: Path) -> None:
    path = _write(tmp_path, "<CONSOLIDATED_LIST>\n<INDIVIDUALS>\n</ENTITIES>\n")
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert caught.value.where == "line 4"
    assert "mismatched tag" in caught.value.message


def test_wrong_root(tmp_path: Path) -> None:
    path = _write(tmp_path, "<sdnList><sdnEntry/></sdnList>")
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert (caught.value.where, caught.value.message) == (
        "/sdnList",
        "expected root element <CONSOLIDATED_LIST>",
    )


@pytest.mark.parametrize("content", ["", "DATAID,NAME\n1,Someone\n", "\x00\x01"])
def test_not_xml(tmp_path: Path, content: str) -> None:
    path = tmp_path / "un.xml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert caught.value.where == "line 1"


def test_doctype_and_entities_are_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        + _list(PERSON.replace("Seen in", "&x;")),
    )
    with pytest.raises(ImportFormatError) as caught:
        _read(path)
    assert caught.value.where == "line 2"
    assert "DOCTYPE" in caught.value.message
