from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest

from casework.checks.country_risk import CountryRiskView, Override, load_table, with_overrides
from casework.checks.runners.jurisdiction import (
    COUNTERPARTY_WEIGHT,
    NO_COUNTRY_SCORE,
    OWNER_WEIGHT,
    JurisdictionResult,
    run_jurisdiction,
)

ON = date(2025, 9, 1)


@pytest.fixture(scope="module")
def view() -> CountryRiskView:
    return CountryRiskView(load_table())


def run(
    view: CountryRiskView,
    customer: list[str] | None = None,
    owners: dict[str, list[str]] | None = None,
    counterparties: dict[str, list[str]] | None = None,
    on: date = ON,
) -> JurisdictionResult:
    return run_jurisdiction(
        customer_countries=customer or [],
        owner_countries=owners or {},
        counterparty_countries=counterparties or {},
        view=view,
        on=on,
    )


def kinds(result: JurisdictionResult) -> list[str]:
    return [finding["kind"] for finding in result.findings]


def test_customer_in_a_call_for_action_country(view: CountryRiskView) -> None:
    result = run(view, ["IRN", "DEU"])
    assert result.risk_score == 0.95
    assert "Customer country IRN: FATF call for action (since 2023-02-24)" in result.reasoning[0]
    assert result.reasoning[0].endswith("— risk 0.95")
    assert result.reasoning[1] == "Customer country DEU: on no list — risk 0.00"
    assert result.reasoning[-1].startswith("Score 0.95")
    assert result.title == "Customer country IRN: FATF call for action"
    (finding,) = result.findings
    assert finding["kind"] == "listed_country"
    assert finding["country"] == "IRN"
    assert finding["lists"] == ["fatf_call_for_action", "eu_high_risk_third_countries"]
    assert result.dataset_versions == {"country_risk": load_table().version}


def test_evidence_is_json_and_lists_every_country(view: CountryRiskView) -> None:
    result = run(view, ["IRN", "DEU"], {"Jane Roe": ["BGR"]}, {"Acme Ltd": ["FRA"]})
    evidence: dict[str, Any] = json.loads(json.dumps(result.evidence))
    assert evidence["on"] == "2025-09-01"
    assert evidence["table_version"] == load_table().version
    assert [c["country"] for c in evidence["customer"]["countries"]] == ["IRN", "DEU"]
    iran = evidence["customer"]["countries"][0]
    assert iran["risk"] == 0.95
    assert iran["listings"][0]["list_id"] == "fatf_call_for_action"
    assert iran["listings"][0]["effective_from"] == "2023-02-24"
    (owner,) = evidence["owners"]
    assert owner["name"] == "Jane Roe"
    assert owner["unknown"] == []
    assert owner["countries"][0]["country"] == "BGR"
    assert owner["countries"][0]["weighted_risk"] == pytest.approx(0.6 * OWNER_WEIGHT)
    assert evidence["counterparties"][0]["countries"][0]["listings"] == []
    json.dumps(result.findings)


def test_owner_only_hit_is_weighted(view: CountryRiskView) -> None:
    result = run(view, ["DEU"], {"Jane Roe": ["PRK"]})
    assert result.risk_score == pytest.approx(0.95 * OWNER_WEIGHT)
    line = next(line for line in result.reasoning if line.startswith("Owner Jane Roe"))
    assert line.endswith("risk 0.95 \N{MULTIPLICATION SIGN} 0.9 = 0.855")
    assert result.title == "Owner Jane Roe country PRK: FATF call for action"
    (finding,) = result.findings
    assert finding["role"] == "owner"
    assert finding["subject"] == "Jane Roe"
    assert finding["weighted_risk"] == pytest.approx(0.855)


def test_counterparty_hit_is_weighted_lower(view: CountryRiskView) -> None:
    result = run(view, ["DEU"], {}, {"Acme Ltd": ["VEN"]})
    # Venezuela: FATF grey list (0.6) and EU list (0.7) in September 2025.
    assert result.risk_score == pytest.approx(0.7 * COUNTERPARTY_WEIGHT)
    assert any(line.startswith("Counterparty Acme Ltd country VEN") for line in result.reasoning)
    assert result.findings[0]["role"] == "counterparty"


def test_customer_outweighs_an_owner_in_the_same_country(view: CountryRiskView) -> None:
    result = run(view, ["BGR"], {"Jane Roe": ["BGR"]})
    assert result.risk_score == 0.6
    assert result.title.startswith("Customer country BGR")


def test_alpha2_and_lowercase_input(view: CountryRiskView) -> None:
    result = run(view, ["ir", " KP "], {"Jane Roe": ["mm"]})
    countries = [c["country"] for c in result.evidence["customer"]["countries"]]
    assert countries == ["IRN", "PRK"]
    assert [c["input"] for c in result.evidence["customer"]["countries"]] == ["ir", " KP "]
    assert result.evidence["owners"][0]["countries"][0]["country"] == "MMR"
    assert result.risk_score == 0.95
    assert "unknown_country" not in kinds(result)


def test_duplicates_are_assessed_once(view: CountryRiskView) -> None:
    result = run(view, ["IRN", "IR", "irn"])
    assert len(result.evidence["customer"]["countries"]) == 1
    assert kinds(result) == ["listed_country"]


def test_unknown_code_is_a_finding_not_a_crash(view: CountryRiskView) -> None:
    result = run(view, ["DEU", "ZZ"], {"Jane Roe": ["Narnia"]})
    unknown = [f for f in result.findings if f["kind"] == "unknown_country"]
    assert [(f["role"], f["subject"], f["value"]) for f in unknown] == [
        ("customer", None, "ZZ"),
        ("owner", "Jane Roe", "Narnia"),
    ]
    assert result.evidence["customer"]["unknown"] == ["ZZ"]
    assert result.risk_score == 0.0
    assert result.title == "No listed jurisdiction"
    assert "2 code(s) not recognised" in result.note


def test_empty_input_scores_moderate(view: CountryRiskView) -> None:
    result = run(view)
    assert result.risk_score == NO_COUNTRY_SCORE
    assert kinds(result) == ["no_country"]
    assert result.findings[0]["message"] == "no country given for the customer"
    assert result.title == "No customer country given"


def test_only_unknown_customer_codes_count_as_no_country(view: CountryRiskView) -> None:
    result = run(view, ["??"])
    assert kinds(result) == ["unknown_country", "no_country"]
    assert result.risk_score == NO_COUNTRY_SCORE


def test_owner_hit_above_the_no_country_score_still_counts(view: CountryRiskView) -> None:
    result = run(view, [], {"Jane Roe": ["IRN"]})
    assert result.risk_score == pytest.approx(0.855)
    assert "no_country" in kinds(result)
    assert result.title.startswith("Owner Jane Roe country IRN")


def test_dates_matter(view: CountryRiskView) -> None:
    assert run(view, ["TUR"], on=date(2024, 6, 27)).risk_score == 0.6
    assert run(view, ["TUR"], on=date(2024, 6, 28)).risk_score == 0.0


def test_date_before_the_table_is_reported(view: CountryRiskView) -> None:
    result = run(view, ["IRN"], on=date(2022, 6, 1))
    gaps = [f for f in result.findings if f["kind"] == "table_not_covering_date"]
    assert {f["list"] for f in gaps} == {
        "fatf_call_for_action",
        "fatf_increased_monitoring",
        "eu_high_risk_third_countries",
    }
    assert result.evidence["uncovered_lists"]


def test_tenant_overrides_show_in_reasoning() -> None:
    view = with_overrides(
        load_table(),
        [
            Override(
                country="IRN", risk=0.0, note="legacy account", effective_from=date(2025, 1, 1)
            ),
            Override(country="CHE", risk=0.4),
        ],
    )
    result = run(view, ["IRN", "CHE"])
    assert result.risk_score == 0.4
    iran = result.reasoning[0]
    assert "FATF call for action (since 2023-02-24)" in iran
    assert "tenant override from 2025-01-01: rated 0.00 (legacy account)" in iran
    assert iran.endswith("— risk 0.00")
    assert result.title == "Customer country CHE: tenant rating"
    assert "2 tenant override(s) applied" in result.note
    evidence_iran = result.evidence["customer"]["countries"][0]
    assert evidence_iran["listings"] == []
    assert evidence_iran["overrides"][0]["note"] == "legacy account"


def test_result_is_frozen(view: CountryRiskView) -> None:
    result = run(view, ["IRN"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.risk_score = 0.0  # type: ignore[misc]
