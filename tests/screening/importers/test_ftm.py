"""FollowTheMoney JSON lines: the real OpenSanctions-shaped files, and small written ones."""

# Names in Cyrillic and Greek are the point of these tests.
# ruff: noqa: RUF001

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

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
from casework.screening.importers import ftm


def _split(results: list[Entity | Skipped]) -> tuple[dict[str, Entity], list[Skipped]]:
    entities = {r.key: r for r in results if isinstance(r, Entity)}
    skipped = [r for r in results if isinstance(r, Skipped)]
    return entities, skipped


def _real(watchlists: Path, name: str, **options: Any) -> list[Entity | Skipped]:
    return list(
        ftm.read([watchlists / "opensanctions_ftm" / f"{name}.entities.ftm.json"], **options)
    )


def _write(path: Path, *records: dict[str, Any] | str) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _thing(entity_id: str, schema: str = "Person", **properties: Any) -> dict[str, Any]:
    return {
        "id": entity_id,
        "schema": schema,
        "properties": {k: v if isinstance(v, list) else [v] for k, v in properties.items()},
    }


# The real files


@pytest.mark.parametrize(
    ("name", "entities", "skipped"),
    [
        (
            "zala",
            {"Person": 6, "Company": 8},
            {
                "not a screenable schema: Ownership": 14,
                "not a screenable schema: Address": 11,
                "not a screenable schema: Family": 4,
                "not a screenable schema: Directorship": 3,
                "not a screenable schema: Passport": 1,
                "related party, not a target of the list": 3,
            },
        ),
        (
            "t1",
            {"Person": 4, "Organization": 2},
            {"not a screenable schema: Address": 1},
        ),
        (
            "parteispenden",
            {"Person": 22, "Company": 56, "Organization": 18},
            {"not a screenable schema: Address": 89, "not a screenable schema: Payment": 290},
        ),
    ],
)
def test_real_files_count_by_schema(
    watchlists: Path, name: str, entities: dict[str, int], skipped: dict[str, int]
) -> None:
    found, dropped = _split(_real(watchlists, name))
    assert Counter(e.schema.value for e in found.values()) == entities
    assert Counter(s.reason for s in dropped) == skipped


def test_related_parties_are_imported_on_request(watchlists: Path) -> None:
    found, dropped = _split(_real(watchlists, "zala", include_related=True))
    assert Counter(e.schema.value for e in found.values()) == {"Person": 6, "Company": 11}
    assert not any("target" in s.reason for s in dropped)
    related = found["ru-inn-5920040846"]
    assert related.names == [Name('ОБЩЕСТВО С ОГРАНИЧЕННОЙ ОТВЕТСТВЕННОСТЬЮ "ЦСТ"')]
    assert Identifier("registration", "1135920001260", "RUS") in related.identifiers


def test_every_sanction_in_the_cluster_is_merged_into_its_target(watchlists: Path) -> None:
    found, dropped = _split(_real(watchlists, "zala"))
    merged = sum(len(e.source.get("sanctions", [])) for e in found.values())
    assert merged == 41
    assert not any("sanction" in s.reason for s in dropped)


def test_real_person_with_merged_sanctions(watchlists: Path) -> None:
    found, _ = _split(_real(watchlists, "zala"))
    person = found["NK-aU5ybkbRFJucf8YMwsJvDw"]
    assert person.schema == Schema.person
    assert person.caption == "Alexander Vyacheslavovich ZAKHAROV"
    kinds = Counter(n.kind for n in person.names)
    assert kinds == {NameKind.primary: 11, NameKind.aka: 6}
    assert Name("Александр Вячеславович Захаров") in person.names
    assert Name("Zakharov Oleksandr Viacheslavovych", NameKind.aka) in person.names
    assert person.birth_dates == ["1965-09-21"]
    assert person.gender == "male"
    assert person.nationalities == ["RUS"]
    assert person.countries == ["RUS"]
    assert "Izhevsk, Russian Federation" in person.birth_places
    assert person.identifiers[0] == Identifier("tax_id", "183111242406", "RUS")
    assert "Position: Owner of LLC CST" in person.notes
    assert person.topics == ["debarment", "corp.disqual", "sanction"]
    # "Reciprocal" is named only by a Sanction entity; the codes come from the person too.
    assert person.programs == [
        "UA-SA1644",
        "US-RUSHAR",
        "NZ-RSA2022",
        "SECO-UKRAINE",
        "GB-RUS",
        "EU-UKR",
        "Reciprocal",
    ]
    sanctions = person.source["sanctions"]
    assert len(sanctions) == 13
    eu = next(s for s in sanctions if s.get("authorityId") == ["EU.12789.10"])
    assert eu["programId"] == ["EU-UKR"]
    assert eu["listingDate"] == ["2025-02-24"]
    # The earliest listing any authority gives: the Ukrainian one of 1 July 2023.
    assert person.listed_on == "2023-07-01"
    assert person.addresses[0] == "272 Pushkinskaya Street, Apt 41, Izhevsk, 426008"
    assert person.source["id"] == person.key


def test_real_company_programmes_from_sanctions_only_stay_short(watchlists: Path) -> None:
    found, _ = _split(_real(watchlists, "zala"))
    company = found["NK-abdzbEBkqyT29GyREbiURZ"]
    assert company.schema == Schema.company
    assert company.caption == "LLC CST"
    assert len(company.source["sanctions"]) == 28
    assert "Reciprocal" in company.programs
    assert all(len(p) <= 64 for p in company.programs)
    assert Name("ZALA", NameKind.weak) in company.names
    assert Identifier("registration", "1101841007938", "RUS") in company.identifiers
    assert company.listed_on == "2021-10-30"


def test_real_multilingual_names_are_all_kept(watchlists: Path) -> None:
    found, _ = _split(_real(watchlists, "t1"))
    org = found["NK-2GdmHtZTeNXjNVrBGEXZNj"]
    assert org.schema == Schema.organization
    assert org.caption == "RAB „Inter Tobacco“"
    assert len(org.names) == 12
    assert {n.kind for n in org.names} == {NameKind.primary}
    values = {n.value for n in org.names}
    assert "Εταιρία περιορισμένης ευθύνης “Inter Tobacco”" in values
    assert "Общество с ограниченной ответственностью “Интер Тобако”" in values
    assert org.countries == ["BLR"]
    assert org.identifiers == [Identifier("registration", "808000714")]
    assert org.topics == ["sanction"]
    assert org.listed_on == "2022-06-03"
    assert org.notes == ["Belarus (Minsk Free Economic Zone)"]

    person = found["NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert [n.value for n in person.names] == [
        "Vitaly Yurievich KUZMENKO",
        "Vitalij Kuzmenko",
        "Виталий Юрьевич КУЗЬМЕНКО",
    ]
    assert person.birth_dates == ["1971-01-22"]
    assert person.nationalities == ["RUS"]
    assert person.identifiers == [Identifier("tax_id", "366510784303")]
    assert "Position: General Director of JSC 163 Armor Repair Plant" in person.notes

    officer = found["NK-2Myxbs6wX9xFKGoQn3sLaY"]
    assert "Title: Colonel" in officer.notes
    assert officer.birth_places == ["BELARUS, Komsomolskaya"]


def test_real_dataset_without_target_flags(watchlists: Path) -> None:
    found, _ = _split(_real(watchlists, "parteispenden"))
    donor = found["f9c295f21b233ac878fbac4d271bb6fd13d7952a"]
    assert donor.schema == Schema.person
    assert donor.names == [Name("Frau Lina Dachner")]
    assert donor.countries == ["DEU"]
    assert donor.topics == []
    assert donor.programs == []
    assert donor.addresses == ["Schillerstraße 19, 76135 Karlsruhe"]


def test_real_entities_round_trip_as_documents(watchlists: Path) -> None:
    for name in ("zala", "t1", "parteispenden"):
        found, _ = _split(_real(watchlists, name))
        for entity in found.values():
            again = Entity.from_document(json.loads(json.dumps(entity.to_document())))
            assert again == entity
            assert again.content_hash() == entity.content_hash()


# Written files


def test_name_kinds_parts_and_identifiers(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "people.ftm.json",
        _thing(
            "p-1",
            name="Anna Example",
            alias=["Anna Exampel", "Anna Example"],
            previousName="Anna Oldname",
            weakAlias="Annie",
            firstName="Anna",
            lastName="Example",
            birthDate=["1980-02-03T00:00:00", "1979"],
            gender="female",
            nationality=["fr", "suhh"],
            citizenship="xk",
            country="zz",
            passportNumber="P100",
            idNumber="ID200",
            taxNumber="T300",
        ),
    )
    (entity,) = ftm.read([path])
    assert isinstance(entity, Entity)
    assert entity.names == [
        Name("Anna Example", first_name="Anna", last_name="Example"),
        Name("Anna Exampel", NameKind.aka),
        Name("Anna Oldname", NameKind.fka),
        Name("Annie", NameKind.weak),
    ]
    assert entity.birth_dates == ["1980-02-03", "1979"]
    assert entity.gender == "female"
    assert entity.nationalities == ["FRA", "XKX"]
    assert entity.countries == []
    assert entity.identifiers == [
        Identifier("passport", "P100"),
        Identifier("national_id", "ID200"),
        Identifier("tax_id", "T300"),
    ]
    assert entity.source["properties"]["weakAlias"] == ["Annie"]


def test_names_from_parts_when_no_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "e.json", _thing("p-2", firstName="Jan", lastName="Probe"))
    (entity,) = ftm.read([path])
    assert isinstance(entity, Entity)
    assert entity.names == [Name("Jan Probe", first_name="Jan", last_name="Probe")]


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ("Person", Schema.person),
        ("Company", Schema.company),
        ("Organization", Schema.organization),
        ("PublicBody", Schema.organization),
        ("LegalEntity", Schema.legal_entity),
        ("Vessel", Schema.vessel),
        ("Airplane", Schema.aircraft),
    ],
)
def test_screenable_schemas(tmp_path: Path, schema: str, expected: Schema) -> None:
    path = _write(tmp_path / "e.json", _thing("x-1", schema, name="Example Thing"))
    (entity,) = ftm.read([path])
    assert isinstance(entity, Entity)
    assert entity.schema == expected


def test_vessel_identifiers_and_flag(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "v.json",
        _thing(
            "v-1", "Vessel", name="SEA EXAMPLE", imoNumber="1234567", mmsi="123456789", flag="pa"
        ),
    )
    (vessel,) = ftm.read([path])
    assert isinstance(vessel, Entity)
    assert vessel.identifiers == [Identifier("imo", "1234567"), Identifier("mmsi", "123456789")]
    assert vessel.countries == ["PAN"]


def test_sanctions_merge_in_either_order_and_through_referents(tmp_path: Path) -> None:
    before = {
        "id": "s-1",
        "schema": "Sanction",
        "properties": {
            "entity": ["c-1"],
            "programId": ["EX-ONE"],
            "authority": ["Example Treasury"],
            "listingDate": ["2020-05-01"],
            "reason": ["a long statement of reasons"],
        },
    }
    company = _thing("c-1", "Company", name="Example Holdings Ltd", programId="EX-ZERO")
    company["referents"] = ["old-c-1"]
    company["target"] = True
    after = {
        "id": "s-2",
        "schema": "Sanction",
        "properties": {
            "entity": ["old-c-1"],
            "program": ["Example Regime"],
            "startDate": ["2019-01-02"],
        },
    }
    path = _write(tmp_path / "c.json", before, company, after)
    results = list(ftm.read([path]))
    assert len(results) == 1
    entity = results[0]
    assert isinstance(entity, Entity)
    assert entity.programs == ["EX-ZERO", "EX-ONE", "Example Regime"]
    assert entity.listed_on == "2019-01-02"
    assert entity.source["sanctions"] == [
        {"authority": ["Example Treasury"], "programId": ["EX-ONE"], "listingDate": ["2020-05-01"]},
        {"program": ["Example Regime"], "startDate": ["2019-01-02"]},
    ]


def test_sanctions_and_addresses_across_files(tmp_path: Path) -> None:
    things = _write(
        tmp_path / "a.json",
        _thing("o-1", "Organization", name="Example Bureau", addressEntity=["ad-1", "ad-old"]),
    )
    facts = _write(
        tmp_path / "b.json",
        {"id": "s-9", "schema": "Sanction", "properties": {"entity": ["o-1"], "programId": ["EX"]}},
        {"id": "ad-1", "schema": "Address", "properties": {"full": ["1 Example Road, Sampletown"]}},
        {
            "id": "ad-2",
            "schema": "Address",
            "referents": ["ad-old"],
            "properties": {"street": ["2 Sample Lane"], "city": ["Testville"]},
        },
    )
    results = list(ftm.read([things, facts]))
    entities, skipped = _split(results)
    org = entities["o-1"]
    assert org.programs == ["EX"]
    assert org.addresses == ["1 Example Road, Sampletown", "2 Sample Lane, Testville"]
    assert [s.reason for s in skipped] == ["not a screenable schema: Address"] * 2


def test_unusable_sanctions_are_reported(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "s.json",
        {"id": "s-1", "schema": "Sanction", "properties": {"entity": ["nobody"]}},
        {"id": "s-2", "schema": "Sanction", "properties": {"program": ["X"]}},
    )
    assert list(ftm.read([path])) == [
        Skipped(f"{path}: line 2", "sanction names no entity"),
        Skipped(f"{path}: line 1 (entity nobody)", "sanction on an entity not in the files"),
    ]


def test_skips_duplicates_nameless_and_related_things(tmp_path: Path) -> None:
    related = _thing("p-3", name="Related Person")
    related["target"] = False
    path = _write(
        tmp_path / "e.json",
        _thing("p-1", name="Once"),
        "",
        _thing("p-1", name="Twice"),
        _thing("p-2", birthDate="1990"),
        related,
        _thing("own-1", "Ownership", owner="p-1", asset="p-2"),
    )
    entities, skipped = _split(list(ftm.read([path])))
    assert [e.caption for e in entities.values()] == ["Once"]
    assert skipped == [
        Skipped(f"{path}: line 3 (id p-1)", "duplicate id"),
        Skipped(f"{path}: line 4", "no name"),
        Skipped(f"{path}: line 5", "related party, not a target of the list"),
        Skipped(f"{path}: line 6", "not a screenable schema: Ownership"),
    ]


def test_tolerates_odd_property_values(tmp_path: Path) -> None:
    record = {
        "id": "p-1",
        "schema": "Person",
        "properties": {"name": "Single String", "alias": [" ", None, {"nested": True}, 3]},
    }
    (entity,) = ftm.read([_write(tmp_path / "e.json", record)])
    assert isinstance(entity, Entity)
    assert entity.names == [Name("Single String")]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "p-2", "schema": "Person", ', "invalid JSON"),
        ('["p-2", "Person"]', "not a FollowTheMoney entity: a JSON array, not an object"),
        ('{"id": "p-2", "properties": {}}', "not a FollowTheMoney entity: no 'schema'"),
        ('{"id": "", "schema": "Person"}', "not a FollowTheMoney entity: no 'id'"),
        ("null", "not a FollowTheMoney entity: a JSON null, not an object"),
        ("42", "not a FollowTheMoney entity: a JSON number, not an object"),
        ('{"id": "p-2", "schema": "Person", "properties": []}', "'properties' is not an object"),
    ],
)
def test_malformed_lines(tmp_path: Path, line: str, message: str) -> None:
    path = _write(tmp_path / "bad.json", _thing("p-1", name="Fine"), line)
    with pytest.raises(ImportFormatError) as caught:
        list(ftm.read([path]))
    assert caught.value.path == str(path)
    assert caught.value.where == "line 2"
    assert message in caught.value.message


def test_malformed_sanction_line_fails_before_anything_is_emitted(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.json", _thing("p-1", name="Fine"), '{"schema": "Sanction"')
    results = ftm.read([path])
    with pytest.raises(ImportFormatError) as caught:
        next(results)
    assert caught.value.where == "line 2"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"id": "p-1", "schema": "Person", "properties": {"name": ["Jos\xe9"]}}\n')
    with pytest.raises(ImportFormatError, match="line 1: not UTF-8"):
        list(ftm.read([path]))


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text("")
    assert list(ftm.read([path])) == []
