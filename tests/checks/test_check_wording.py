"""The checks' titles and reasoning read as sentences: counterparties nobody named are
"Counterparty country IRN", a PEP is "PEP" whatever the case, and the JURISDICTION check
takes the customer's country from ``input_details.country`` too."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from casework.checks import runners
from casework.checks.policy import OutcomePolicy
from casework.checks.runners import CheckFailed, CheckInputs, CustomerFacts, RunContext
from casework.checks.runners.screening import assess
from casework.models.enums import CheckType, CustomerType, MatchDecision

ON = date(2025, 9, 1)
CONTEXT = RunContext(matcher=None, lists=[], policy=OutcomePolicy.of(None))


def _jurisdiction(
    details: dict[str, Any], countries: tuple[str, ...] = (), customer_details: Any = None
) -> runners.CheckResult:
    customer = CustomerFacts(
        customer_type=CustomerType.individual,
        name="Dariush Karimi",
        countries=countries,
        input_details=customer_details or {},
    )
    inputs = CheckInputs(
        check_type=CheckType.jurisdiction,
        params={},
        input_details=details,
        customer=customer,
        documents={},
        today=ON,
    )
    return runners.run(inputs, CONTEXT)


def test_an_unnamed_counterparty_is_not_named_twice():
    result = _jurisdiction({"counterparty_countries": ["IRN", "DEU"]}, countries=("NOR",))
    assert result.title == "Counterparty country IRN: FATF call for action"
    assert [line for line in result.reasoning if line.startswith("Counterparty")] == [
        "Counterparty country IRN: FATF call for action (since 2023-02-24), EU high-risk "
        "third country (since 2024-02-07) — risk 0.95 \N{MULTIPLICATION SIGN} 0.8 = 0.76",
        "Counterparty country DEU: on no list — risk 0.00",
    ]
    assert not any("ounterparty counterparty" in line for line in result.reasoning)
    assert result.reasoning[-1].endswith("from counterparty country IRN")
    finding = next(f for f in result.evidence["findings"] if f["kind"] == "listed_country")
    assert finding["message"].startswith("Counterparty country IRN: ")
    assert finding["subject"] is None


@pytest.mark.parametrize("where", ["check", "customer"])
def test_input_details_country_is_the_customers_country(where: str):
    details = {"country": "IRN"}
    result = (
        _jurisdiction(details) if where == "check" else _jurisdiction({}, customer_details=details)
    )
    assert result.title == "Customer country IRN: FATF call for action"
    assert result.risk_score == 0.95
    assert not [f for f in result.evidence["findings"] if f["kind"] == "no_country"]


def test_input_details_country_adds_to_the_stored_one_once():
    result = _jurisdiction({"country": "ir"}, countries=("IRN", "NOR"))
    assert [c["country"] for c in result.evidence["customer"]["countries"]] == ["IRN", "NOR"]


def test_an_unreadable_input_details_country_is_said_so():
    result = _jurisdiction({"country": "Persia"})
    assert "Customer country 'Persia': not an ISO 3166 country code, not assessed" in (
        result.reasoning
    )
    assert result.title == "No customer country given"
    with pytest.raises(CheckFailed, match=r"input_details\.country must be a country code"):
        _jurisdiction({"country": 364})


@pytest.mark.parametrize(
    ("check_type", "label"),
    [
        (CheckType.pep, "PEP"),
        (CheckType.sanctions, "sanctions"),
        (CheckType.adverse_media, "adverse media"),
    ],
)
def test_screening_titles_name_what_was_looked_for(check_type: CheckType, label: str):
    assert assess(check_type, ["Dariush Karimi (customer)"], []).title == f"No {label} match"
    match = ("Dariush Karimi", "Dariush Karimi", 0.9, MatchDecision.unreviewed)
    assert assess(check_type, [], [match]).title == f"1 potential {label} match(es) to review"
    cleared = (*match[:3], MatchDecision.false_positive)
    assessed = assess(check_type, ["Dariush Karimi (customer)"], [cleared])
    assert assessed.title == f"No {label} match (1 cleared)"
    assert assessed.reasoning[0] == f"Screened for {label}: Dariush Karimi (customer)."
