# ruff: noqa: RUF001
# (look-alike letters of other scripts are what these tests are about)
"""Listed names disguised one technique at a time are still found: by the engine, through
``POST /v1/screenings`` and by the SANCTIONS check on a case. The list is a small one the
tests write; the variants of real listed names are in test_evasion_lists."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.infra.jobs import EmbeddedRunner
from casework.screening.engine import Matcher, Query
from casework.screening.entity import Entity, Name, NameKind, Schema
from casework.screening.index_tables import TableIndex
from casework.screening.normalize import tokenize
from casework.screening.recut import Recutter
from casework.screening.service import import_dataset
from tests.factories import TenantKit, case_body, make_tenant_kit
from tests.install import listed, write_list

P, C = Schema.person, Schema.company

LISTED: list[tuple[str, Schema, list[str]]] = [
    ("saddam", P, ["Saddam Hussein Al-Tikriti"]),
    ("putin", P, ["Vladimir Vladimirovich Putin", "Владимир Владимирович Путин"]),
    ("shoigu", P, ["Sergei Kuzhugetovich Shoigu"]),
    ("bin-laden", P, ["Usama bin Laden", "Osama bin Laden"]),
    ("kim", P, ["Kim Jong Un"]),
    ("sidorov", P, ["Ivan Petrovich Sidorov"]),
    ("kestrel", C, ["Kestrel Ridge Trading FZE"]),
]

# (technique, query, schema, listed key): one or more per technique.
VARIANTS: list[tuple[str, str, Schema, str]] = [
    ("Cyrillic look-alikes", "Ѕaddam Нussein Al-Tikriti", P, "saddam"),
    ("Greek look-alikes", "Saddam Ηussein Αl-Tikriti", P, "saddam"),
    ("other-script look-alikes", "ꓢaddam Husseiո Al-Tikriti", P, "saddam"),
    ("mixed script", "КІМ Jong Un", P, "kim"),
    ("mixed script", "Vladimir РUТІN", P, "putin"),
    ("full-width", "Ｓａｄｄａｍ Ｈｕｓｓｅｉｎ Al-Tikriti", P, "saddam"),
    ("compatibility forms", "𝐒𝐚𝐝𝐝𝐚𝐦 Ⓗⓤⓢⓢⓔⓘⓝ Al-Tikriti", P, "saddam"),
    ("zero-width characters", "Saddam\u200bHussein Al-Tikriti", P, "saddam"),
    ("zero-width characters", "Sad\u200ddam Hus\u200csein Al\u2060-Tikriti", P, "saddam"),
    ("soft hyphens", "Sad\u00addam Hus\u00adsein Al-Tik\u00adriti", P, "saddam"),
    ("bidi controls", "Sad\u200edam Hus\u202bsein\u202c Al-Tikriti", P, "saddam"),
    ("bidi controls", "\u202eitirkiT-lA niessuH maddaS\u202c", P, "saddam"),
    ("other invisibles", "Sad\ufe0fdam Hus\U000e0041sein Al\u034f-Tikriti", P, "saddam"),
    ("other invisibles", "Saddam\u3164Hussein Al-Tikriti", P, "saddam"),
    ("combining marks", "S\u0336a\u0301\u0301d\u0308dam H\u0489ussein Al-Tikriti", P, "saddam"),
    ("odd spaces", "Saddam\u00a0Hussein\u3000Al-Tikriti", P, "saddam"),
    ("joined words", "VladimirPutin", P, "putin"),
    ("joined words", "VLADIMIRPUTIN", P, "putin"),
    ("joined words", "SaddamHusseinAlTikriti", P, "saddam"),
    ("joined words", "KimJongUn", P, "kim"),
    ("joined words", "KestrelRidgeTradingFZE", C, "kestrel"),
    ("hyphenated words", "Vladimir-Putin", P, "putin"),
    ("split words", "Ser Gei Sho Igu", P, "shoigu"),
    ("split words", "Osa Ma Bin La Den", P, "bin-laden"),
    ("split words", "Kes Trel Ridge Tra Ding", C, "kestrel"),
    ("punctuation stuffing", "V.l.a.d.i.m.i.r P-u-t-i-n", P, "putin"),
    ("punctuation stuffing", "Vladimir P_u_t_i_n", P, "putin"),
    ("punctuation stuffing", "Vladimir Pu.tin", P, "putin"),
    ("doubled letters", "Vlaadimir Puuutin", P, "putin"),
    ("two techniques", "VladimirРutin", P, "putin"),
    ("two techniques", "Ѕer Gei Sho\u200bIgu", P, "shoigu"),
    ("two techniques", "S.a.d.d.a.m Ηussein Al-Tikriti", P, "saddam"),
    ("written in Cyrillic", "Иван Петрович Сидоров", P, "sidorov"),
]
IDS = [f"{technique}: {query}" for technique, query, _, _ in VARIANTS]


def _entity(key: str, schema: Schema, names: list[str]) -> Entity:
    return Entity(
        key=key,
        schema=schema,
        names=[Name(n, NameKind.primary if i == 0 else NameKind.aka) for i, n in enumerate(names)],
        topics=["sanction"],
    )


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("list", _entity(key, schema, names)) for key, schema, names in LISTED])


@pytest.mark.parametrize(("technique", "query", "schema", "key"), VARIANTS, ids=IDS)
def test_the_engine_finds_disguised_names(
    matcher: Matcher, technique: str, query: str, schema: Schema, key: str
) -> None:
    found = matcher.search(Query(schema=schema, name=query))
    assert [m.entity_key for m in found][:1] == [key], technique


@pytest.mark.parametrize("query", ["VladimirPutin", "Vla Dimir Pu Tin", "V.l.a.d.i.m.i.r Putin"])
def test_the_cheap_gate_lets_cut_names_through(matcher: Matcher, query: str) -> None:
    """Ongoing monitoring asks ``could_match`` before searching a customer again."""
    assert matcher.could_match(Query(schema=P, name=query), threshold=0.7)


def test_remembered_word_lookups_change_no_cut(matcher: Matcher) -> None:
    """Cutting remembers which words are listed. Given room for two words only, it forgets
    over and over, and every cut is still the one a recutter that remembers nothing makes."""
    index = matcher.index
    assert isinstance(index, TableIndex)
    forgetful = Recutter([(index, None)], cached=2)
    queries = [tuple(tokenize(query)) for _, query, _, _ in VARIANTS] * 2
    assert any(forgetful.recut(tokens) for tokens in queries)
    for tokens in queries:
        assert forgetful.recut(tokens) == Recutter([(index, None)], cached=2).recut(tokens)


def test_a_name_cut_differently_only_counts_where_the_new_words_match() -> None:
    """ "Hendrickson" could be read "Hendrick Son", but no listed name with those two words
    has the query's other word, so "Peter Hendrickson" is not "Peter Son"."""
    listed_names = Matcher.build(
        [
            ("list", _entity("hs", P, ["Hendrick Son"])),
            ("list", _entity("ps", P, ["Peter Son"])),
        ]
    )
    assert listed_names.search(Query(schema=P, name="Peter Hendrickson")) == []
    assert listed_names.search(Query(schema=P, name="Peter Son"))[0].entity_key == "ps"
    assert listed_names.search(Query(schema=P, name="HendrickSon"))[0].entity_key == "hs"


@pytest.fixture(scope="module")
def owner(db: Database, tmp_path_factory: pytest.TempPathFactory) -> tuple[TenantKit, str]:
    """A tenant with the small list as a list of its own, which no other tenant sees."""
    kit = make_tenant_kit(db)
    name = f"evasion-{secrets.token_hex(3)}"
    records = [
        listed(
            key, schema.value, names[0], ["sanction"], **({"alias": names[1]} if names[1:] else {})
        )
        for key, schema, names in LISTED
    ]
    path = write_list(tmp_path_factory.mktemp("evasion") / "list.json", *records)
    with db.transaction() as session:
        import_dataset(
            session, name=name, format_name="ftm", paths=[Path(path)], tenant_id=kit.tenant_id
        )
    return kit, name


@pytest.mark.parametrize(("technique", "query", "schema", "key"), VARIANTS, ids=IDS)
def test_the_api_finds_disguised_names(
    client: TestClient,
    owner: tuple[TenantKit, str],
    technique: str,
    query: str,
    schema: Schema,
    key: str,
) -> None:
    kit, name = owner
    body = {"name": query, "schema": schema.value, "datasets": [name]}
    r = client.post("/v1/screenings", json=body, headers=kit.viewer.headers)
    assert r.status_code == 200, r.text
    matches = r.json()["matches"]
    assert matches, f"{technique}: nothing found"
    assert matches[0]["entity_id"] == f"{name}:{key}" and matches[0]["match"], technique


def _customer(query: str, schema: Schema) -> dict[str, Any]:
    if schema is Schema.person:
        return {"customer_type": "INDIVIDUAL", "full_name": query}
    return {"customer_type": "BUSINESS", "full_name": query}


def test_the_sanctions_check_finds_disguised_names(
    app: FastAPI, client: TestClient, owner: tuple[TenantKit, str]
) -> None:
    kit, name = owner
    created = []
    for technique, query, schema, key in VARIANTS:
        body = case_body(customer=_customer(query, schema), checks=[{"type": "SANCTIONS"}])
        r = client.post("/v1/cases", json=body, headers=kit.analyst.headers)
        assert r.status_code == 201, r.text
        created.append((technique, query, key, r.json()["id"]))
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    missed = []
    for technique, query, key, case_id in created:
        r = client.get(f"/v1/cases/{case_id}/checks", headers=kit.viewer.headers)
        assert r.status_code == 200, r.text
        (check,) = r.json()["items"]
        assert check["status"] == "COMPLETED", check
        found = {m["entity_id"] for m in check["matches"]}
        if f"{name}:{key}" not in found:
            missed.append(f"{technique}: {query!r}")
    assert not missed
