from __future__ import annotations

import json
from datetime import date
from importlib import resources

import pycountry
import pytest
from pydantic import ValidationError

from casework.checks.country_risk import (
    TENANT_LIST_DEFAULT_RISK,
    TENANT_LIST_ID,
    CountryRiskTable,
    CountryRiskView,
    Override,
    load_table,
    normalise_country,
    with_overrides,
)

CFA = "fatf_call_for_action"
GREY = "fatf_increased_monitoring"
EU = "eu_high_risk_third_countries"


@pytest.fixture(scope="module")
def table() -> CountryRiskTable:
    return load_table()


def _ids(view: CountryRiskTable | CountryRiskView, country: str, on: date) -> list[str]:
    return [listing.list_id for listing in view.listings(country, on)]


# The shipped table


def test_table_loads_with_the_three_lists(table: CountryRiskTable) -> None:
    assert {risk_list.id for risk_list in table.lists} == {CFA, GREY, EU}
    assert date.fromisoformat(table.version)
    assert "FATF" in table.notes
    assert "2016/1675" in table.notes
    assert load_table() is table  # read once


def test_every_code_is_a_real_alpha3(table: CountryRiskTable) -> None:
    real = {country.alpha_3 for country in pycountry.countries}
    for risk_list in table.lists:
        for version in risk_list.versions:
            assert set(version.countries) <= real, (risk_list.id, version.effective_from)


def test_raw_file_codes_are_uppercase_alpha3() -> None:
    raw = json.loads(
        resources.files("casework.checks").joinpath("data/country_risk.json").read_text("utf-8")
    )
    real = {country.alpha_3 for country in pycountry.countries}
    for risk_list in raw["lists"]:
        assert 0.0 <= risk_list["risk"] <= 1.0
        for version in risk_list["versions"]:
            assert version["source"]
            assert all(code in real for code in version["countries"])


def test_versions_are_sorted_and_the_table_version_is_the_latest(table: CountryRiskTable) -> None:
    latest = []
    for risk_list in table.lists:
        dates = [version.effective_from for version in risk_list.versions]
        assert dates == sorted(dates)
        assert len(set(dates)) == len(dates)
        latest.append(dates[-1])
    assert max(latest) == date.fromisoformat(table.version)


def test_default_risks(table: CountryRiskTable) -> None:
    risks = {risk_list.id: risk_list.risk for risk_list in table.lists}
    assert risks == {CFA: 0.95, EU: 0.7, GREY: 0.6}


def test_turkiye_left_the_grey_list_in_june_2024(table: CountryRiskTable) -> None:
    assert _ids(table, "TUR", date(2024, 6, 27)) == [GREY]
    assert table.risk("TUR", date(2024, 6, 27)) == 0.6
    assert _ids(table, "TUR", date(2024, 6, 28)) == []
    assert table.risk("TUR", date(2024, 6, 28)) == 0.0


def test_kenya_joined_the_grey_list_in_february_2024(table: CountryRiskTable) -> None:
    assert GREY not in _ids(table, "KEN", date(2024, 2, 22))
    assert GREY in _ids(table, "KEN", date(2024, 2, 23))


def test_south_africa_grey_listed_february_2023_to_october_2025(table: CountryRiskTable) -> None:
    assert GREY in _ids(table, "ZAF", date(2025, 10, 23))
    assert GREY not in _ids(table, "ZAF", date(2025, 10, 24))


def test_eu_list_amendments_apply_from_entry_into_force(table: CountryRiskTable) -> None:
    # Delegated Regulation (EU) 2025/1184 added Monaco and removed the UAE.
    assert EU not in _ids(table, "MCO", date(2025, 8, 4))
    assert EU in _ids(table, "MCO", date(2025, 8, 5))
    assert EU in _ids(table, "ARE", date(2025, 8, 4))
    assert EU not in _ids(table, "ARE", date(2025, 8, 5))


def test_iran_listing_says_since_when_and_from_which_publication(table: CountryRiskTable) -> None:
    listings = table.listings("IRN", date(2025, 1, 1))
    assert [listing.list_id for listing in listings] == [CFA, EU]  # highest risk first
    call = listings[0]
    assert call.effective_from == date(2023, 2, 24)  # the table's first version
    assert "October 2024" in call.source  # the publication in force on that date
    assert table.risk("IRN", date(2025, 1, 1)) == 0.95


def test_each_listing_has_its_own_since_date(table: CountryRiskTable) -> None:
    kenya = table.listings("KEN", date(2025, 9, 1))
    assert {listing.list_id: listing.effective_from for listing in kenya} == {
        GREY: date(2024, 2, 23),
        EU: date(2025, 8, 5),
    }


def test_dates_before_the_table_are_uncovered(table: CountryRiskTable) -> None:
    assert table.listings("IRN", date(2022, 12, 31)) == []
    assert {risk_list.id for risk_list in table.uncovered(date(2022, 12, 31))} == {CFA, GREY, EU}
    assert [risk_list.id for risk_list in table.uncovered(date(2023, 3, 1))] == [EU]
    assert table.uncovered(date(2026, 1, 1)) == []


def test_unlisted_and_lowercase_countries(table: CountryRiskTable) -> None:
    assert table.risk("DEU", date(2026, 1, 1)) == 0.0
    assert table.risk("irn", date(2026, 1, 1)) == 0.95


def test_normalise_country() -> None:
    assert normalise_country("IRN") == "IRN"
    assert normalise_country(" ir ") == "IRN"
    assert normalise_country("de") == "DEU"
    assert normalise_country("364") == "IRN"
    assert normalise_country("ZZ") is None
    assert normalise_country("XXX") is None
    assert normalise_country("Iran") is None
    assert normalise_country("") is None


def test_a_bad_table_is_rejected() -> None:
    version = {"effective_from": "2024-01-01", "source": "s", "countries": ["IRN"]}
    good = {"id": "x", "title": "X", "label": "x", "risk": 0.5, "versions": [version]}
    CountryRiskTable.model_validate({"version": "2024-01-01", "notes": "", "lists": [good]})
    bad_code = {**good, "versions": [{**version, "countries": ["IR"]}]}
    unsorted = {**good, "versions": [{**version, "effective_from": "2024-02-01"}, version]}
    for bad in (bad_code, unsorted, {**good, "risk": 1.5}):
        with pytest.raises(ValidationError):
            CountryRiskTable.model_validate({"version": "2024-01-01", "notes": "", "lists": [bad]})


# Overrides


def test_override_raises_a_listed_country(table: CountryRiskTable) -> None:
    view = with_overrides(table, [Override(country="BGR", risk=0.9, note="board decision")])
    on = date(2025, 1, 1)
    assert view.risk("BGR", on) == 0.9
    assert _ids(view, "BGR", on) == [GREY]  # the published listing still explains it
    assessment = view.assess("BGR", on)
    assert [o.note for o in assessment.overrides] == ["board decision"]
    assert [listing.list_id for listing in assessment.table_listings] == [GREY]


def test_override_with_risk_zero_clears_a_country(table: CountryRiskTable) -> None:
    view = with_overrides(table, [Override(country="IRN", risk=0.0)])
    on = date(2025, 1, 1)
    assert view.risk("IRN", on) == 0.0
    assert view.listings("IRN", on) == []
    assert [listing.list_id for listing in view.assess("IRN", on).table_listings] == [CFA, EU]


def test_override_for_an_unlisted_country_adds_a_tenant_listing(table: CountryRiskTable) -> None:
    view = with_overrides(
        table, [Override(country="CHE", risk=0.3, note="private banking exposure")]
    )
    (listing,) = view.listings("CHE", date(2025, 1, 1))
    assert listing.list_id == TENANT_LIST_ID
    assert listing.tenant
    assert listing.risk == 0.3
    assert listing.note == "private banking exposure"
    assert view.risk("CHE", date(2025, 1, 1)) == 0.3


def test_override_is_date_bounded_inclusive(table: CountryRiskTable) -> None:
    override = Override(
        country="DEU", risk=0.4, effective_from=date(2025, 1, 1), effective_to=date(2025, 3, 31)
    )
    view = with_overrides(table, [override])
    assert view.risk("DEU", date(2024, 12, 31)) == 0.0
    assert view.risk("DEU", date(2025, 1, 1)) == 0.4
    assert view.risk("DEU", date(2025, 3, 31)) == 0.4
    assert view.risk("DEU", date(2025, 4, 1)) == 0.0


def test_override_puts_on_and_takes_off_lists(table: CountryRiskTable) -> None:
    on = date(2025, 1, 1)
    view = with_overrides(
        table,
        [
            # Apply the EU listing before the Commission's amendment takes effect.
            Override(country="MCO", lists={EU: True}, effective_from=date(2024, 6, 28)),
            Override(country="NGA", lists={EU: False}),
            Override(country="GBR", lists={"internal_watch": True}),
            Override(country="FRA", lists={"internal_watch": True}, risk=0.35),
        ],
    )
    monaco = view.listings("MCO", on)
    assert {listing.list_id for listing in monaco} == {EU, GREY}
    assert view.risk("MCO", on) == 0.7
    eu_listing = next(listing for listing in monaco if listing.list_id == EU)
    assert eu_listing.tenant
    assert eu_listing.effective_from == date(2024, 6, 28)
    assert _ids(view, "NGA", on) == [GREY]
    assert view.risk("NGA", on) == 0.6
    assert _ids(view, "GBR", on) == ["internal_watch"]
    assert view.risk("GBR", on) == TENANT_LIST_DEFAULT_RISK
    assert view.risk("FRA", on) == 0.35


def test_later_overrides_win(table: CountryRiskTable) -> None:
    view = with_overrides(
        table, [Override(country="ITA", risk=0.2), Override(country="ITA", risk=0.6)]
    )
    assert view.risk("ITA", date(2025, 1, 1)) == 0.6


def test_other_countries_are_untouched(table: CountryRiskTable) -> None:
    view = with_overrides(table, [Override(country="IRN", risk=0.0)])
    assert view.risk("PRK", date(2025, 1, 1)) == 0.95
    assert CountryRiskView(table).risk("IRN", date(2025, 1, 1)) == 0.95


def test_override_round_trips_through_json() -> None:
    override = Override(
        country="IRN",
        risk=0.5,
        lists={EU: False},
        note="n",
        effective_from=date(2025, 1, 1),
        effective_to=date(2025, 12, 31),
    )
    data = json.loads(json.dumps(override.model_dump(mode="json")))
    assert data["effective_from"] == "2025-01-01"
    assert Override.model_validate(data) == override


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country": "IR", "risk": 0.5}, "country"),
        ({"country": "irn", "risk": 0.5}, "country"),
        ({"country": "XXX", "risk": 0.5}, "country"),
        ({"country": "IRN", "risk": 1.5}, "risk"),
        ({"country": "IRN", "risk": -0.1}, "risk"),
        ({"country": "IRN", "lists": {"Bad List": True}}, "lists"),
        ({"country": "IRN", "lists": {TENANT_LIST_ID: True}}, "lists"),
        (
            {
                "country": "IRN",
                "risk": 0.5,
                "effective_from": "2025-02-01",
                "effective_to": "2025-01-01",
            },
            "effective_to",
        ),
    ],
)
def test_override_errors_name_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Override.model_validate(fields)
    assert [error["loc"][0] for error in caught.value.errors()] == [field]


def test_override_must_do_something() -> None:
    with pytest.raises(ValidationError, match="risk or lists"):
        Override(country="IRN")
