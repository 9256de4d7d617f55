"""Transaction monitoring end to end: rules made through the API, transactions in
several currencies at the edges of windows and thresholds, the evaluation in the
background, and the alerts and cases it leaves behind.

Every test works in a tenant of its own (``kit``), so rules, settings and country-risk
overrides never reach another test; customers are fresh for every scenario.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from casework.config import Settings
from casework.db import Database
from casework.fx.ecb import Quote
from casework.fx.service import upsert_rates
from casework.ids import new_id
from casework.jobs import EmbeddedRunner, JobContext
from casework.models import Alert, Case, PendingEvaluation, Transaction
from casework.models.base import utcnow
from casework.rules import tasks
from casework.rules.service import EVALUATE
from tests.factories import TenantKit, make_tenant_kit

# USD and GBP per EUR from this day on: every later day used here takes these rates,
# and every conversion is exact (USD / 1.25, GBP / 0.80).
RATES_FROM = date(2024, 10, 1)
T0 = datetime(2024, 10, 14, 12, 0, tzinfo=UTC)  # a Monday; the country-risk table covers it
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


@pytest.fixture(scope="module", autouse=True)
def rates(db: Database) -> None:
    with db.transaction() as session:
        upsert_rates(
            session,
            [
                Quote("USD", RATES_FROM, Decimal("1.2500")),
                Quote("GBP", RATES_FROM, Decimal("0.8000")),
            ],
            source="test",
        )


def tx(
    customer_id: str,
    amount: str,
    *,
    at: timedelta | datetime | str = timedelta(0),
    currency: str = "EUR",
    direction: str = "out",
    **fields: Any,
) -> dict[str, Any]:
    """A transaction ``at`` after T0 (or at the time given)."""
    when = (T0 + at).isoformat() if isinstance(at, timedelta) else at
    if isinstance(when, datetime):
        when = when.isoformat()
    return {
        "external_id": f"tx-{secrets.token_hex(8)}",
        "customer_id": customer_id,
        "amount": amount,
        "currency": currency,
        "direction": direction,
        "occurred_at": when,
        **fields,
    }


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class Api:
    """One tenant, driven through the HTTP API."""

    def __init__(self, client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> None:
        self.client, self.app, self.db, self.kit = client, app, db, kit

    # -- configuration -------------------------------------------------------------

    def rule(
        self,
        condition: dict[str, Any],
        *,
        severity: str = "medium",
        title: str | None = None,
        enabled: bool = True,
        name: str = "rule",
    ) -> dict[str, Any]:
        name = f"{name}-{secrets.token_hex(4)}"
        body = {
            "name": name,
            "title": title or f"Rule {name}",
            "severity": severity,
            "condition": condition,
            "enabled": enabled,
        }
        r = self.client.post("/v1/rules", json=body, headers=self.kit.admin.headers)
        assert r.status_code == 201, r.text
        return dict(r.json())

    def patch_rule(self, rule_id: str, **body: Any) -> dict[str, Any]:
        r = self.client.patch(f"/v1/rules/{rule_id}", json=body, headers=self.kit.admin.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def settings(self, **body: Any) -> dict[str, Any]:
        r = self.client.put(
            "/v1/settings/transaction-monitoring", json=body, headers=self.kit.admin.headers
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    def overrides(self, *overrides: dict[str, Any]) -> None:
        r = self.client.put(
            "/v1/country-risk/overrides",
            json={"overrides": list(overrides)},
            headers=self.kit.admin.headers,
        )
        assert r.status_code == 200, r.text

    # -- data in -------------------------------------------------------------------

    def customer(self, name: str | None = None) -> str:
        body = {
            "full_name": name or f"Customer {secrets.token_hex(3)}",
            "external_id": f"c-{secrets.token_hex(6)}",
        }
        r = self.client.post("/v1/customers", json=body, headers=self.kit.analyst.headers)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def post(self, *items: dict[str, Any]) -> list[str]:
        r = self.client.post(
            "/v1/transactions/batch",
            json={"transactions": list(items)},
            headers=self.kit.analyst.headers,
        )
        assert r.status_code == 201, r.text
        assert r.json()["inserted"] == len(items)
        return [item["id"] for item in r.json()["items"]]

    def settle(self) -> None:
        """Run every deferred job; a job that failed (its error is only logged) would
        leave its batch behind."""
        self.app.state.jobs.join()
        assert self.pending() == 0, "a batch was left unevaluated"

    # -- reads ---------------------------------------------------------------------

    def pending(self) -> int:
        with self.db.transaction(write=False) as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(PendingEvaluation)
                    .where(PendingEvaluation.tenant_id == self.kit.tenant_id)
                )
                or 0
            )

    def _all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        r = self.client.get(path, params={**params, "limit": 200}, headers=self.kit.analyst.headers)
        assert r.status_code == 200, r.text
        assert r.json()["next_cursor"] is None
        return list(r.json()["items"])

    def alerts(self, **params: Any) -> list[dict[str, Any]]:
        """Oldest first."""
        return self._all("/v1/alerts", **params)[::-1]

    def alerted(self, customer_id: str, rule: dict[str, Any] | None = None) -> list[str]:
        """The evaluated transactions of the customer's alerts, oldest first."""
        params = {"customer_id": customer_id} | ({"rule_id": rule["id"]} if rule else {})
        return [a["transaction_id"] for a in self.alerts(**params)]

    def cases(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's rule-made cases, oldest first."""
        return self._all("/v1/cases", customer_id=customer_id, created_by_type="byRule")[::-1]

    def case(self, case_id: str) -> dict[str, Any]:
        r = self.client.get(f"/v1/cases/{case_id}", headers=self.kit.analyst.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def linked(self, case_id: str) -> dict[str, Decimal]:
        """The case's transactions: id -> amount in EUR."""
        return {
            t["id"]: Decimal(t["amount_in_default_currency"])
            for t in self._all("/v1/transactions", case_id=case_id)
        }

    def transaction(self, transaction_id: str) -> dict[str, Any]:
        r = self.client.get(f"/v1/transactions/{transaction_id}", headers=self.kit.analyst.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def risk_check(self, case_id: str) -> dict[str, Any]:
        r = self.client.get(f"/v1/cases/{case_id}/checks", headers=self.kit.analyst.headers)
        assert r.status_code == 200, r.text
        found = [c for c in r.json()["items"] if c["type"] == "TRANSACTION_RISK"]
        assert len(found) == 1, r.json()
        return dict(found[0])

    def resolve(self, case_id: str) -> dict[str, Any]:
        r = self.client.post(
            f"/v1/cases/{case_id}/transition",
            json={"to": "resolved", "resolution": "false_positive", "note": "Explained"},
            headers=self.kit.analyst.headers,
        )
        assert r.status_code == 200, r.text
        return dict(r.json())


@pytest.fixture
def api(client: TestClient, app: FastAPI, db: Database, kit: TenantKit) -> Api:
    return Api(client, app, db, kit)


@pytest.fixture
def context(db: Database, settings: Settings) -> JobContext:
    return JobContext(database=db, settings=settings)


@pytest.fixture
def jobs_by_hand(app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is deferred to the embedded runner (nor by its periodic sweep): the test
    runs the evaluation job itself."""
    runner = app.state.jobs
    assert isinstance(runner, EmbeddedRunner)
    runner.join()
    monkeypatch.setattr(runner, "defer", lambda *_args, **_kwargs: None)


def _total(api: Api, case: dict[str, Any]) -> Decimal:
    return Decimal(case["total_amount_in_default_currency"])


def _only_case(api: Api, customer_id: str) -> dict[str, Any]:
    found = api.cases(customer_id)
    assert len(found) == 1, found
    return found[0]


# -- 1. every rule type at the edges, in EUR, USD and GBP --------------------------------


def test_conversions_are_exact_on_the_seeded_rates(api: Api):
    c = api.customer()
    usd, gbp, eur = api.post(
        tx(c, "12499.99", currency="USD"),
        tx(c, "7999.99", currency="GBP", at=DAY),
        tx(c, "10000", at=2 * DAY),
    )
    got = {i: api.transaction(i) for i in (usd, gbp, eur)}
    assert got[usd]["amount_in_default_currency"] == "9999.9920"
    assert got[gbp]["amount_in_default_currency"] == "9999.9875"
    assert got[eur]["amount_in_default_currency"] == "10000.0000"
    assert got[usd]["fx_rate_date"] == got[gbp]["fx_rate_date"] == RATES_FROM.isoformat()


def test_amount_threshold_applies_to_the_converted_amount(api: Api):
    rule = api.rule({"test": "amount", "at_least": "10000"})
    scenarios = {  # (amount, currency): trips?
        ("10000.00", "EUR"): True,  # exactly at the threshold
        ("9999.99", "EUR"): False,
        ("12500.00", "USD"): True,  # 10000.0000 EUR
        ("12499.99", "USD"): False,  # 9999.9920 EUR
        ("8000.00", "GBP"): True,  # 10000.0000 EUR
        ("7999.99", "GBP"): False,  # 9999.9875 EUR
        ("10000.00", "USD"): False,  # 8000 EUR: the figure alone is not the amount
        ("10000.00", "GBP"): True,  # 12500 EUR
    }
    customers = {key: api.customer() for key in scenarios}
    ids = api.post(*(tx(customers[k], k[0], currency=k[1]) for k in scenarios))
    api.settle()
    for (key, trips), tid in zip(scenarios.items(), ids, strict=True):
        alerts = api.alerts(customer_id=customers[key])
        if not trips:
            assert alerts == [], key
            assert api.cases(customers[key]) == [], key
            continue
        (alert,) = alerts
        assert (alert["rule_id"], alert["transaction_id"], alert["transaction_ids"]) == (
            rule["id"],
            tid,
            [tid],
        ), key
        amount = Decimal(api.transaction(tid)["amount_in_default_currency"])
        # 0.5 just at the threshold, rising with the amount in EUR.
        assert alert["score"] == round(0.5 + 0.5 * (float(amount / 10000) - 1), 4), key
        case = _only_case(api, customers[key])
        assert _total(api, case) == amount, key
        assert api.linked(case["id"]) == {tid: amount}, key


def test_amount_threshold_in_a_tenant_whose_currency_is_not_the_euro(
    client: TestClient, app: FastAPI, db: Database
):
    api = Api(client, app, db, make_tenant_kit(db, currency="GBP"))
    rule = api.rule({"test": "amount", "at_least": "800"})
    scenarios = {
        ("1000.00", "EUR"): True,  # 800 GBP
        ("999.99", "EUR"): False,  # 799.992 GBP
        ("1250.00", "USD"): True,  # 1000 EUR, 800 GBP
        ("1249.99", "USD"): False,  # 799.9936 GBP
        ("800.00", "GBP"): True,
        ("799.99", "GBP"): False,
    }
    customers = {key: api.customer() for key in scenarios}
    ids = api.post(*(tx(customers[k], k[0], currency=k[1]) for k in scenarios))
    api.settle()
    for (key, trips), tid in zip(scenarios.items(), ids, strict=True):
        assert api.alerted(customers[key], rule) == ([tid] if trips else []), key
        if trips:
            case = _only_case(api, customers[key])
            assert _total(api, case) == Decimal("800"), key


def test_velocity_count_in_a_half_open_window(api: Api):
    rule = api.rule({"test": "velocity", "window": "24h", "count_at_least": 3})
    inside, outside, spread, burst = (api.customer() for _ in range(4))
    # Earlier transactions arrive in batches of their own: the history comes from the
    # database, not from the batch being evaluated.
    (i1,) = api.post(tx(inside, "10", at=-DAY + SECOND, currency="USD"))
    api.post(tx(outside, "10", at=-DAY, currency="USD"))  # exactly a day before
    api.post(tx(spread, "10", at=-2 * DAY))
    i2, _, _ = api.post(
        tx(inside, "10", at=-5 * HOUR, currency="GBP"),
        tx(outside, "10", at=-5 * HOUR, currency="GBP"),
        tx(spread, "10", at=-5 * HOUR),
    )
    i3, _, _ = api.post(tx(inside, "1", at=timedelta(0)), tx(outside, "1"), tx(spread, "1"))
    # Four at one instant: the window ends at the transaction, included, so the third
    # (in storing order) is the first to count three.
    b = api.post(*(tx(burst, "5") for _ in range(4)))
    api.settle()

    (hit,) = api.alerts(customer_id=inside)
    assert (hit["transaction_id"], hit["transaction_ids"], hit["score"]) == (
        i3,
        [i1, i2, i3],
        0.5,
    )
    assert "3 transactions" in hit["reason"]
    assert api.alerted(outside) == [] and api.alerted(spread) == []
    assert api.cases(outside) == [] and api.cases(spread) == []
    assert api.alerted(burst, rule) == [b[2], b[3]]
    assert [a["transaction_ids"] for a in api.alerts(customer_id=burst)] == [b[:3], b]
    case = _only_case(api, inside)
    assert api.linked(case["id"]) == {i1: Decimal("8"), i2: Decimal("12.5"), i3: Decimal("1")}
    assert _total(api, case) == Decimal("21.5")
    burst_case = _only_case(api, burst)
    assert set(api.linked(burst_case["id"])) == set(b)
    assert _total(api, burst_case) == Decimal("20")  # each linked once


def test_velocity_window_is_measured_in_utc_whatever_the_offset(api: Api):
    api.rule({"test": "velocity", "window": "24h", "count_at_least": 2})
    exactly, inside = api.customer(), api.customer()
    # 2024-10-13T12:00:00Z written in New York and 2024-10-14T12:00:00Z written in Berlin.
    api.post(tx(exactly, "1", at="2024-10-13T08:00:00-04:00"))
    api.post(tx(inside, "1", at="2024-10-13T08:00:01-04:00"))
    api.post(tx(exactly, "1", at="2024-10-14T14:00:00+02:00"))
    (late_inside,) = api.post(tx(inside, "1", at="2024-10-14T14:00:00+02:00"))
    api.settle()
    assert api.alerted(exactly) == []
    assert api.alerted(inside) == [late_inside]


def test_velocity_sum_in_eur_across_currencies(api: Api):
    rule = api.rule({"test": "velocity", "window": "7d", "sum_at_least": "5000"})
    at_edge, outside, short = api.customer(), api.customer(), api.customer()
    (a1,) = api.post(tx(at_edge, "3125.00", currency="USD", at=-7 * DAY + SECOND))  # 2500
    api.post(tx(outside, "3125.00", currency="USD", at=-7 * DAY))
    api.post(tx(short, "3125.00", currency="USD", at=-6 * DAY))
    a2, _, _ = api.post(
        tx(at_edge, "2000.00", currency="GBP"),  # 2500: 5000 in all, exactly
        tx(outside, "2000.00", currency="GBP"),
        tx(short, "1999.99", currency="GBP"),  # 2499.9875: 4999.9875 in all
    )
    api.settle()
    (hit,) = api.alerts(customer_id=at_edge)
    assert (hit["rule_id"], hit["transaction_id"], hit["transaction_ids"]) == (
        rule["id"],
        a2,
        [a1, a2],
    )
    assert hit["score"] == 0.5
    assert "5000" in hit["reason"]
    assert api.alerted(outside) == [] and api.alerted(short) == []
    case = _only_case(api, at_edge)
    assert api.linked(case["id"]) == {a1: Decimal(2500), a2: Decimal(2500)}
    assert _total(api, case) == Decimal(5000)


def test_structuring_counts_converted_amounts_just_under_the_threshold(api: Api):
    rule = api.rule(
        {
            "test": "structuring",
            "threshold": "10000",
            "below_by": "0.1",
            "window": "72h",
            "count_at_least": 3,
        }
    )
    inside, outside, too_low, at_threshold = (api.customer() for _ in range(4))
    (i1,) = api.post(tx(inside, "9000.00", at=-3 * DAY + SECOND))  # the lowest that counts
    api.post(tx(outside, "9000.00", at=-3 * DAY))  # exactly 72h before: outside
    api.post(tx(too_low, "8999.99", at=-2 * DAY))
    api.post(tx(at_threshold, "9500", at=-2 * DAY))
    i2, _, _, _ = api.post(
        tx(inside, "11250.00", currency="USD", at=-DAY),  # 9000 EUR
        tx(outside, "11250.00", currency="USD", at=-DAY),
        tx(too_low, "9999.99", at=-DAY),
        tx(at_threshold, "9999.99", at=-DAY),
    )
    i3, _, _, _ = api.post(
        tx(inside, "7999.99", currency="GBP"),  # 9999.9875 EUR: just under
        tx(outside, "7999.99", currency="GBP"),
        tx(too_low, "9000"),
        tx(at_threshold, "12500.00", currency="USD"),  # 10000 EUR: not under
    )
    api.settle()
    (hit,) = api.alerts(customer_id=inside)
    assert (hit["rule_id"], hit["transaction_id"], hit["transaction_ids"], hit["score"]) == (
        rule["id"],
        i3,
        [i1, i2, i3],
        0.5,
    )
    for customer in (outside, too_low, at_threshold):
        assert api.alerted(customer) == []
        assert api.cases(customer) == []
    case = _only_case(api, inside)
    assert _total(api, case) == Decimal("9000") + Decimal("9000") + Decimal("9999.9875")


def test_high_risk_country_with_the_table_and_the_tenants_overrides(
    client: TestClient, app: FastAPI, db: Database, api: Api, other_kit: TenantKit
):
    api.overrides(
        {"country": "PRK", "risk": 0, "note": "cleared for this test"},
        {"country": "NOR", "risk": 0.7},
        {"country": "CHE", "risk": 0.69},
        {"country": "DNK", "risk": 0.9, "effective_from": "2024-10-15"},
    )
    rule = api.rule({"test": "high_risk_country", "at_least": "1000"}, severity="high")
    scenarios = [  # (country, amount, currency, when, trips?)
        ("IRN", "1250.00", "USD", T0, True),  # 1000 EUR, listed at 0.95
        ("IRN", "1249.99", "USD", T0, False),  # 999.992 EUR: below at_least
        ("SYR", "800.00", "GBP", T0, True),  # rated exactly 0.7 on the day
        ("KEN", "5000", "EUR", T0, False),  # increased monitoring only (0.6)
        ("DEU", "5000", "EUR", T0, False),
        ("PRK", "5000", "EUR", T0, False),  # the tenant cleared it
        ("NOR", "5000", "EUR", T0, True),  # the tenant rated it 0.7
        ("CHE", "5000", "EUR", T0, False),  # 0.69
        ("DNK", "5000", "EUR", T0, False),  # the override starts the next day
        ("DNK", "5000", "EUR", T0 + DAY, True),
        (None, "5000", "EUR", T0, False),
    ]
    customers = [api.customer() for _ in scenarios]
    ids = api.post(
        *(
            tx(
                c,
                amount,
                currency=cur,
                at=when,
                **({"counterparty_country": country} if country else {}),
            )
            for c, (country, amount, cur, when, _) in zip(customers, scenarios, strict=True)
        )
    )
    api.settle()
    for c, tid, (country, _, _, when, trips) in zip(customers, ids, scenarios, strict=True):
        alerts = api.alerts(customer_id=c)
        assert [a["transaction_id"] for a in alerts] == ([tid] if trips else []), (country, when)
        if trips:
            assert alerts[0]["rule_id"] == rule["id"]
            assert alerts[0]["score"] == 0.8
            assert f"high-risk {country}" in alerts[0]["reason"]
            assert _only_case(api, c)["priority"] == "high"

    # Another tenant sees the published table: PRK is high risk there.
    other = Api(client, app, db, other_kit)
    other.rule({"test": "high_risk_country"})
    c = other.customer()
    (prk,) = other.post(tx(c, "1", counterparty_country="PRK"))
    other.settle()
    assert other.alerted(c) == [prk]


def test_round_amounts_are_round_in_eur(api: Api):
    rule = api.rule({"test": "round_amount", "multiple_of": "1000", "at_least": "5000"})
    scenarios = {
        ("5000.00", "EUR"): True,
        ("4000.00", "EUR"): False,  # round, too small
        ("5000.01", "EUR"): False,
        ("6250.00", "USD"): True,  # 5000 EUR
        ("6000.00", "USD"): False,  # 4800 EUR: round only in dollars
        ("4000.00", "GBP"): True,  # 5000 EUR
        ("5000.00", "GBP"): False,  # 6250 EUR
    }
    customers = {key: api.customer() for key in scenarios}
    ids = api.post(*(tx(customers[k], k[0], currency=k[1]) for k in scenarios))
    api.settle()
    for (key, trips), tid in zip(scenarios.items(), ids, strict=True):
        assert api.alerted(customers[key], rule) == ([tid] if trips else []), key
        if trips:
            (alert,) = api.alerts(customer_id=customers[key])
            assert alert["score"] == 0.6


def test_pass_through_in_the_window_and_at_the_ratio(api: Api):
    rule = api.rule(
        {"test": "pass_through", "window": "48h", "ratio": "0.9", "in_at_least": "10000"}
    )
    inside, outside, short, small, split = (api.customer() for _ in range(5))
    (in_inside,) = api.post(tx(inside, "10000", direction="in", at=-2 * DAY + SECOND))
    api.post(tx(outside, "10000", direction="in", at=-2 * DAY))
    api.post(tx(short, "8000.00", currency="GBP", direction="in", at=-DAY))
    api.post(tx(small, "12499.99", currency="USD", direction="in", at=-DAY))
    split_in = api.post(
        tx(split, "6000", direction="in", at=-30 * HOUR),
        tx(split, "4000", direction="in", at=-20 * HOUR),
    )
    (split_out1,) = api.post(tx(split, "4500", at=-10 * HOUR))  # 0.45 of what came in
    out_inside, _, _, _, split_out2 = api.post(
        tx(inside, "11250.00", currency="USD"),  # 9000 EUR: 0.9 of 10000, exactly
        tx(outside, "9000"),
        tx(short, "7199.99", currency="GBP"),  # 8999.9875 EUR
        tx(small, "9999.99"),  # came 9999.992 EUR: under in_at_least
        tx(split, "4500"),  # 9000 out of 10000
    )
    api.settle()
    (hit,) = api.alerts(customer_id=inside)
    assert (hit["rule_id"], hit["transaction_id"], hit["transaction_ids"], hit["score"]) == (
        rule["id"],
        out_inside,
        [in_inside, out_inside],
        0.9,
    )
    case = _only_case(api, inside)
    assert _total(api, case) == Decimal("19000")
    for customer in (outside, short, small):
        assert api.alerted(customer) == []
    (split_hit,) = api.alerts(customer_id=split)
    assert split_hit["transaction_ids"] == [*split_in, split_out1, split_out2]
    assert _total(api, _only_case(api, split)) == Decimal("19000")


def test_dormant_reactivation_after_exactly_the_inactive_days(api: Api):
    rule = api.rule({"test": "dormant_reactivation", "inactive_days": 180, "at_least": "1000"})
    exact, recent, small, dollars, first, active = (api.customer() for _ in range(6))
    old = api.post(
        tx(exact, "10", at=-180 * DAY),
        tx(recent, "10", at=-180 * DAY + SECOND),
        tx(small, "10", at=-200 * DAY),
        tx(dollars, "10", at=-200 * DAY),
        tx(active, "10", at=-200 * DAY),
        tx(active, "10", at=-DAY),
    )
    api.settle()
    assert api.alerts() == []
    now = api.post(
        tx(exact, "1000"),
        tx(recent, "1000"),
        tx(small, "1249.99", currency="USD"),  # 999.992 EUR
        tx(dollars, "1250.00", currency="USD"),  # 1000 EUR
        tx(first, "5000"),  # a first transaction is no reactivation
        tx(active, "5000"),
    )
    api.settle()
    (hit,) = api.alerts(customer_id=exact)
    assert (hit["rule_id"], hit["transaction_id"], hit["transaction_ids"], hit["score"]) == (
        rule["id"],
        now[0],
        [old[0], now[0]],
        0.7,
    )
    assert "180 days" in hit["reason"]
    assert api.alerted(dollars) == [now[3]]
    for customer in (recent, small, first, active):
        assert api.alerted(customer) == []
    # The transaction before the quiet spell is linked and counted too.
    case = _only_case(api, exact)
    assert api.linked(case["id"]) == {old[0]: Decimal("10"), now[0]: Decimal("1000")}
    assert _total(api, case) == Decimal("1010")
    assert _total(api, _only_case(api, dollars)) == Decimal("1010")


def test_dormant_reactivation_with_a_windowed_rule_beside_it(api: Api):
    """History is read for the longest window; the last activity before it is looked up
    only when the window holds none."""
    api.rule({"test": "dormant_reactivation", "inactive_days": 30, "at_least": "100"})
    api.rule({"test": "velocity", "window": "7d", "count_at_least": 50})
    quiet, busy = api.customer(), api.customer()
    api.post(tx(quiet, "10", at=-40 * DAY), tx(busy, "10", at=-40 * DAY))
    api.post(tx(busy, "10", at=-3 * DAY))
    q, _ = api.post(tx(quiet, "100"), tx(busy, "100"))
    api.settle()
    assert api.alerted(quiet) == [q]
    assert api.alerted(busy) == []


def test_dormant_reactivation_with_two_transactions_at_one_instant(api: Api):
    rule = api.rule({"test": "dormant_reactivation", "inactive_days": 180, "at_least": "1000"})
    c = api.customer()
    api.post(tx(c, "10", at=-200 * DAY))
    api.settle()
    # Back after 200 days with two payments at one instant: a small one stored first.
    _, big = api.post(tx(c, "10"), tx(c, "5000"))
    api.settle()
    # A backtest whose period reaches the old transaction finds the reactivation ...
    r = api.client.post(
        f"/v1/rules/{rule['id']}/backtest",
        json={
            "from": (T0 - 300 * DAY).isoformat(),
            "to": (T0 + DAY).isoformat(),
            "customer_id": c,
        },
        headers=api.kit.admin.headers,
    )
    assert r.status_code == 200, r.text
    assert [s["transaction_id"] for s in r.json()["samples"]] == [big]
    # ... and so should the live evaluation.
    assert api.alerted(c, rule) == [big]


def test_new_counterparty_by_account_else_name(api: Api):
    rule = api.rule({"test": "new_counterparty", "at_least": "5000"})
    c, other = api.customer(), api.customer()
    api.post(
        tx(c, "10", at=-300 * DAY, counterparty_account="DE-ACC-1", counterparty_name="Anna"),
        tx(c, "10", at=-300 * DAY, counterparty_name="Bob Known"),
    )
    api.settle()
    assert api.alerts() == []
    ids = api.post(
        tx(c, "5000", at=1 * HOUR, counterparty_account="DE-ACC-1"),  # seen 300 days ago
        tx(c, "5000", at=2 * HOUR, counterparty_account="DE-ACC-2"),  # new: trips
        tx(c, "4999.99", at=3 * HOUR, counterparty_account="DE-ACC-3"),  # too small
        tx(c, "6250.00", currency="USD", at=4 * HOUR, counterparty_account="DE-ACC-4"),
        tx(c, "5000", at=5 * HOUR, counterparty_name="Bob Known"),  # seen, by name
        tx(c, "5000", at=6 * HOUR, counterparty_name="Bob Known", counterparty_account="X-5"),
        tx(c, "5000", at=7 * HOUR, counterparty_account="DE-ACC-6"),
        tx(c, "9000", at=8 * HOUR, counterparty_account="DE-ACC-6"),  # seen an hour ago
        tx(c, "5000", at=9 * HOUR, counterparty_account="DE-ACC-3"),  # seen, if small
        tx(c, "5000", at=10 * HOUR),  # no counterparty at all
    )
    (fresh,) = api.post(tx(other, "5000", counterparty_account="DE-ACC-1"))
    api.settle()
    assert api.alerted(c, rule) == [ids[1], ids[3], ids[5], ids[6]]
    assert api.alerted(other, rule) == [fresh]
    case = _only_case(api, c)
    assert _total(api, case) == Decimal("20000")


def test_all_and_any_of_tests_through_the_api(api: Api):
    rule = api.rule(
        {
            "all": [
                {"test": "amount", "at_least": "5000"},
                {
                    "any": [
                        {"test": "high_risk_country"},
                        {"test": "round_amount", "multiple_of": "1000"},
                    ]
                },
            ]
        }
    )
    scenarios = [
        ("6250.00", "USD", "IRN", True),  # 5000 EUR, high risk
        ("6249.99", "USD", "IRN", False),
        ("7000", "EUR", "DEU", True),  # round
        ("7000.50", "EUR", "DEU", False),
        ("999999", "EUR", None, False),
    ]
    customers = [api.customer() for _ in scenarios]
    ids = api.post(
        *(
            tx(c, amount, currency=cur, **({"counterparty_country": country} if country else {}))
            for c, (amount, cur, country, _) in zip(customers, scenarios, strict=True)
        )
    )
    api.settle()
    for c, tid, (amount, cur, country, trips) in zip(customers, ids, scenarios, strict=True):
        assert api.alerted(c, rule) == ([tid] if trips else []), (amount, cur, country)


# -- 2. case provenance -------------------------------------------------------------------


def test_case_provenance_total_priority_due_date_and_check(api: Api):
    large = api.rule({"test": "amount", "at_least": "10000"}, title="Large transfer")
    risky = api.rule({"test": "high_risk_country"}, severity="high", title="High-risk country")
    c = api.customer("Ada Lovelace")

    before = utcnow()
    (t1,) = api.post(tx(c, "12500.00", currency="USD", counterparty_country="DEU"))
    api.settle()
    after = utcnow()
    case = _only_case(api, c)
    assert case["created_by_type"] == "byRule"
    assert case["created_by_rule"] == {
        "id": large["id"],
        "name": large["name"],
        "title": "Large transfer",
        "revision": 1,
    }
    assert case["group_by_type"] == "byApplicant"
    assert case["customer"]["id"] == c
    assert case["title"] == "Large transfer: Ada Lovelace"
    assert case["review_status"] == "open"
    assert case["priority"] == "medium"
    assert case["module"] == "transaction-monitoring"
    assert case["config"] is None
    assert _total(api, case) == Decimal("10000")
    assert api.linked(case["id"]) == {t1: Decimal("10000")}
    (alert,) = api.alerts(customer_id=c)
    assert alert["case_id"] == case["id"]
    # Default SLA: 72 hours from when the alert was written.
    due = _time(case["due_date"])
    assert due == _time(alert["created_at"]) + timedelta(hours=72)
    assert before + timedelta(hours=72) <= due <= after + timedelta(hours=72)
    check = api.risk_check(case["id"])
    assert (check["status"], check["outcome"]) == ("COMPLETED", "PENDING")
    assert check["evidence"]["alert_count"] == 1
    assert [a["id"] for a in check["evidence"]["alerts"]] == [alert["id"]]
    assert check["evidence"]["alerts"][0]["transaction_ids"] == [t1]
    assert check["evidence"]["rules"] == {
        large["id"]: {"alerts": 1, "max_score": 0.5, "revision": 1}
    }
    assert check["risk_score"] == 0.5

    # A high-severity alert joins the medium case: one case still, priority rises.
    (t2,) = api.post(tx(c, "400.00", currency="GBP", at=HOUR, counterparty_country="IRN"))
    api.settle()
    case = _only_case(api, c)
    assert case["priority"] == "high"
    assert _total(api, case) == Decimal("10500")
    assert api.linked(case["id"]) == {t1: Decimal("10000"), t2: Decimal("500")}
    assert _time(case["due_date"]) == due  # the SLA runs from the opening
    assert case["created_by_rule"]["id"] == large["id"]

    # A new revision of the first rule: its later alerts name it, the case keeps the
    # revision that opened it; a medium alert does not lower the priority.
    large = api.patch_rule(large["id"], title="Large transfer (EUR)")
    assert large["revision"] == 2
    (t3,) = api.post(tx(c, "20000", at=2 * HOUR, counterparty_country="DEU"))
    # One transaction tripping both rules: two alerts, linked once.
    (t4,) = api.post(tx(c, "15000", at=3 * HOUR, counterparty_country="PRK"))
    api.settle()
    case = _only_case(api, c)
    assert case["priority"] == "high"
    assert case["created_by_rule"] == {
        "id": large["id"],
        "name": large["name"],
        "title": "Large transfer",
        "revision": 1,
    }
    assert api.linked(case["id"]) == {
        t1: Decimal("10000"),
        t2: Decimal("500"),
        t3: Decimal("20000"),
        t4: Decimal("15000"),
    }
    assert _total(api, case) == sum(api.linked(case["id"]).values()) == Decimal("45500")
    alerts = api.alerts(customer_id=c)
    assert sorted(
        (a["transaction_id"], a["rule_id"], a["rule_revision"]) for a in alerts
    ) == sorted(
        [
            (t1, large["id"], 1),
            (t2, risky["id"], 1),
            (t3, large["id"], 2),
            (t4, large["id"], 2),
            (t4, risky["id"], 1),
        ]
    )
    assert {a["case_id"] for a in alerts} == {case["id"]}
    check = api.risk_check(case["id"])
    assert (check["status"], check["outcome"]) == ("COMPLETED", "PENDING")
    assert check["evidence"]["alert_count"] == 5
    assert sorted(a["id"] for a in check["evidence"]["alerts"]) == sorted(a["id"] for a in alerts)
    assert check["evidence"]["rules"] == {
        large["id"]: {"alerts": 3, "max_score": 1.0, "revision": 2},
        risky["id"]: {"alerts": 2, "max_score": 0.8, "revision": 1},
    }
    log = api.client.get(f"/v1/cases/{case['id']}/log", headers=api.kit.analyst.headers).json()
    assert [e["action"] for e in log].count("case.alerts_added") == 4


def test_the_check_lists_the_latest_alerts_and_counts_them_all(api: Api, db: Database):
    api.rule({"test": "amount", "at_least": "1"})
    c = api.customer()
    ids = api.post(*(tx(c, "1", at=n * SECOND) for n in range(205)))
    api.settle()
    case = _only_case(api, c)
    assert _total(api, case) == Decimal(205)
    check = api.risk_check(case["id"])
    assert check["evidence"]["alert_count"] == 205
    assert [a["transaction_ids"] for a in check["evidence"]["alerts"]] == [[i] for i in ids[5:]]
    assert len(check["reasoning"]) == 20
    assert _alert_count(db, api.kit.tenant_id) == 205


def test_a_case_is_opened_by_its_most_severe_hit(api: Api):
    # Rules run in name order: the weaker one is found first.
    large = api.rule({"test": "amount", "at_least": "10000"}, severity="low", name="a-large")
    risky = api.rule({"test": "high_risk_country"}, severity="high", name="z-risky")
    c = api.customer()
    (t,) = api.post(tx(c, "40000", counterparty_country="IRN"))  # the amount scores 1.0
    api.settle()
    case = _only_case(api, c)
    assert case["created_by_rule"]["id"] == risky["id"]
    assert case["priority"] == "high"
    assert api.linked(case["id"]) == {t: Decimal("40000")}
    assert {a["rule_id"] for a in api.alerts(customer_id=c)} == {large["id"], risky["id"]}


def test_a_later_alert_links_only_what_the_case_does_not_hold_yet(api: Api):
    api.rule({"test": "velocity", "window": "24h", "count_at_least": 2})
    c = api.customer()
    a, b = api.post(tx(c, "100.00", currency="USD"), tx(c, "100.00", currency="GBP", at=HOUR))
    api.settle()
    (t,) = api.post(tx(c, "7", at=2 * HOUR))
    api.settle()
    assert [x["transaction_ids"] for x in api.alerts(customer_id=c)] == [[a, b], [a, b, t]]
    case = _only_case(api, c)
    assert api.linked(case["id"]) == {a: Decimal(80), b: Decimal(125), t: Decimal(7)}
    assert _total(api, case) == Decimal(212)


def test_due_date_from_the_settings_or_the_case_config(api: Api):
    api.rule({"test": "amount", "at_least": "1"})

    def opened() -> tuple[dict[str, Any], datetime, datetime]:
        c = api.customer()
        start = utcnow()
        api.post(tx(c, "1"))
        api.settle()
        return _only_case(api, c), start, utcnow()

    api.settings(sla_hours=10)
    case, start, end = opened()
    (alert,) = api.alerts(customer_id=case["customer"]["id"])
    assert _time(case["due_date"]) == _time(alert["created_at"]) + timedelta(hours=10)

    api.settings(sla_hours=None)
    case, _, _ = opened()
    assert case["due_date"] is None

    slug = f"tm-{secrets.token_hex(3)}"
    r = api.client.post(
        "/v1/case-configs",
        json={
            "slug": slug,
            "name": "Monitoring review",
            "module": "aml",
            "sla_hours": 24,
            "checklist": ["Review the alerts"],
        },
        headers=api.kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    config_id = r.json()["id"]
    # The config's SLA wins over the setting's.
    api.settings(case_config=slug, sla_hours=72)
    case, start, end = opened()
    assert case["config"] == slug
    assert case["module"] == "aml"
    assert [t["text"] for t in case["tasks"]] == ["Review the alerts"]
    assert start + timedelta(hours=24) <= _time(case["due_date"]) <= end + timedelta(hours=24)
    assert case["group_by_type"] == "byApplicant"
    assert api.risk_check(case["id"])["outcome"] == "PENDING"

    # A config without an SLA leaves the setting's in force.
    other = f"tm-{secrets.token_hex(3)}"
    r = api.client.post(
        "/v1/case-configs",
        json={"slug": other, "name": "No SLA"},
        headers=api.kit.admin.headers,
    )
    assert r.status_code == 201, r.text
    api.settings(case_config=other, sla_hours=48)
    case, _, _ = opened()
    (alert,) = api.alerts(customer_id=case["customer"]["id"])
    assert case["config"] == other
    assert _time(case["due_date"]) == _time(alert["created_at"]) + timedelta(hours=48)

    # A retired config is passed over: no config, the setting's SLA.
    api.settings(case_config=slug, sla_hours=12)
    r = api.client.patch(
        f"/v1/case-configs/{config_id}", json={"is_active": False}, headers=api.kit.admin.headers
    )
    assert r.status_code == 200, r.text
    case, _, _ = opened()
    (alert,) = api.alerts(customer_id=case["customer"]["id"])
    assert case["config"] is None
    assert _time(case["due_date"]) == _time(alert["created_at"]) + timedelta(hours=12)

    for refused in ("no-such-config", slug):  # unknown, and retired
        r = api.client.put(
            "/v1/settings/transaction-monitoring",
            json={"case_config": refused},
            headers=api.kit.admin.headers,
        )
        assert r.status_code == 422
        assert [e["field"] for e in r.json()["errors"]] == ["case_config"]


# -- 3. grouping --------------------------------------------------------------------------


def test_grouping_by_customer_then_by_rule_and_customer(api: Api):
    big = api.rule({"test": "amount", "at_least": "10000"})
    round_ = api.rule({"test": "round_amount", "multiple_of": "100"}, severity="low")
    c = api.customer()
    api.post(tx(c, "10000.01"), tx(c, "300", at=HOUR))
    api.settle()
    case = _only_case(api, c)
    assert case["group_by_type"] == "byApplicant"
    assert {a["case_id"] for a in api.alerts(customer_id=c)} == {case["id"]}
    assert len(api.alerts(customer_id=c)) == 2
    assert _total(api, case) == Decimal("10300.01")

    assert api.settings(group_by="rule_and_customer")["group_by"] == "rule_and_customer"
    d = api.customer()
    d1, d2 = api.post(tx(d, "10000.01"), tx(d, "300", at=HOUR))
    (d3,) = api.post(tx(d, "20000", at=2 * HOUR))  # both rules
    api.settle()
    cases = api.cases(d)
    assert len(cases) == 2
    assert {x["group_by_type"] for x in cases} == {"byRuleAndApplicant"}
    by_rule = {x["created_by_rule"]["id"]: x for x in cases}
    assert set(by_rule) == {big["id"], round_["id"]}
    assert api.linked(by_rule[big["id"]]["id"]) == {d1: Decimal("10000.01"), d3: Decimal(20000)}
    assert api.linked(by_rule[round_["id"]]["id"]) == {d2: Decimal(300), d3: Decimal(20000)}
    assert _total(api, by_rule[big["id"]]) == Decimal("30000.01")
    assert _total(api, by_rule[round_["id"]]) == Decimal("20300")
    assert by_rule[big["id"]]["priority"] == "medium"
    assert by_rule[round_["id"]]["priority"] == "low"
    for alert in api.alerts(customer_id=d):
        assert alert["case_id"] == by_rule[alert["rule_id"]]["id"]
    # The first customer's case is as it was.
    assert (
        api.case(case["id"])["total_amount_in_default_currency"]
        == (case["total_amount_in_default_currency"])
    )


def test_a_resolved_case_takes_no_more_alerts(api: Api):
    api.rule({"test": "amount", "at_least": "1000"})
    c = api.customer()
    (t1,) = api.post(tx(c, "1000"))
    api.settle()
    first = _only_case(api, c)

    # Worked on, not finished: alerts still join it.
    r = api.client.post(
        f"/v1/cases/{first['id']}/transition",
        json={"to": "in_progress"},
        headers=api.kit.analyst.headers,
    )
    assert r.status_code == 200, r.text
    (t2,) = api.post(tx(c, "2000", at=HOUR))
    api.settle()
    assert [x["id"] for x in api.cases(c)] == [first["id"]]
    assert _total(api, api.case(first["id"])) == Decimal(3000)

    resolved = api.resolve(first["id"])
    resolved = api.case(first["id"])
    (t3,) = api.post(tx(c, "4000", at=2 * HOUR))
    api.settle()
    cases = api.cases(c)
    assert len(cases) == 2
    old, new = cases
    assert old["id"] == first["id"]
    assert api.case(first["id"]) == resolved
    assert api.linked(first["id"]) == {t1: Decimal(1000), t2: Decimal(2000)}
    assert api.risk_check(first["id"])["evidence"]["alert_count"] == 2
    assert new["review_status"] == "open"
    assert new["created_by_type"] == "byRule"
    assert api.linked(new["id"]) == {t3: Decimal(4000)}
    assert _total(api, new) == Decimal(4000)
    assert api.risk_check(new["id"])["evidence"]["alert_count"] == 1
    assert [a["case_id"] for a in api.alerts(customer_id=c)] == [old["id"], old["id"], new["id"]]

    # Later alerts go to the new case, not to a second new one.
    (t4,) = api.post(tx(c, "5000", at=3 * HOUR))
    api.settle()
    assert [x["id"] for x in api.cases(c)] == [old["id"], new["id"]]
    assert api.linked(new["id"]) == {t3: Decimal(4000), t4: Decimal(5000)}


def test_a_closed_case_takes_no_more_alerts_either(api: Api):
    api.rule({"test": "amount", "at_least": "1000"})
    c = api.customer()
    api.post(tx(c, "1000"))
    api.settle()
    first = _only_case(api, c)
    api.resolve(first["id"])
    r = api.client.post(
        f"/v1/cases/{first['id']}/transition",
        json={"to": "closed"},
        headers=api.kit.analyst.headers,
    )
    assert r.status_code == 200, r.text
    closed = api.case(first["id"])
    api.post(tx(c, "1000", at=HOUR))
    api.settle()
    assert len(api.cases(c)) == 2
    assert api.case(first["id"]) == closed


# -- 4. evaluating twice, leases and the sweep ------------------------------------------


def _pending_row(db: Database, tenant_id: str, transaction_ids: list[str], **fields: Any) -> str:
    row_id = new_id()
    with db.transaction() as session:
        session.add(
            PendingEvaluation(
                id=row_id,
                tenant_id=tenant_id,
                transaction_ids=transaction_ids,
                created_at=fields.pop("created_at", utcnow()),
                **fields,
            )
        )
    return row_id


def _row(db: Database, row_id: str) -> PendingEvaluation | None:
    with db.transaction(write=False) as session:
        return session.get(PendingEvaluation, row_id)


def _alert_count(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.tenant_id == tenant_id)
            )
            or 0
        )


def test_evaluating_a_batch_again_changes_nothing(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    api.rule({"test": "amount", "at_least": "1000"})
    api.rule({"test": "velocity", "window": "24h", "count_at_least": 2}, severity="high")
    c = api.customer()
    ids = api.post(tx(c, "1250.00", currency="USD"), tx(c, "800.00", currency="GBP", at=HOUR))
    # Deferring is off: the batch's own row is evaluated by hand, here.
    with db.transaction(write=False) as session:
        (own,) = session.scalars(
            select(PendingEvaluation.id).where(PendingEvaluation.tenant_id == api.kit.tenant_id)
        )
    tasks.evaluate_pending(context, pending_id=own)
    assert _row(db, own) is None
    case = _only_case(api, c)
    alerts = api.alerts(customer_id=c)
    assert len(alerts) == 3  # the amount twice, the velocity once
    check = api.risk_check(case["id"])
    assert _total(api, case) == Decimal(2000)

    again = _pending_row(db, api.kit.tenant_id, ids)
    tasks.evaluate_pending(context, pending_id=again)
    assert _row(db, again) is None
    assert api.alerts(customer_id=c) == alerts
    assert api.cases(c) == [case]
    assert api.risk_check(case["id"]) == check
    assert api.linked(case["id"]) == {ids[0]: Decimal(1000), ids[1]: Decimal(1000)}

    # Once more after the case was resolved: still nothing new, no second case.
    resolved = api.resolve(case["id"])
    again = _pending_row(db, api.kit.tenant_id, list(reversed(ids)))
    tasks.evaluate_pending(context, pending_id=again)
    assert api.alerts(customer_id=c) == alerts
    assert [x["id"] for x in api.cases(c)] == [case["id"]]
    assert api.case(case["id"])["updated_at"] == resolved["updated_at"]
    # A row naming nothing that still exists is simply done with.
    gone = _pending_row(db, api.kit.tenant_id, ["0" * 24])
    tasks.evaluate_pending(context, pending_id=gone)
    assert _row(db, gone) is None
    tasks.evaluate_pending(context, pending_id=gone)  # and a row already gone is no error


def test_a_batch_sent_again_is_not_evaluated_again(api: Api, db: Database):
    api.rule({"test": "amount", "at_least": "1000"})
    c = api.customer()
    first = [tx(c, "1000"), tx(c, "2000", at=HOUR)]
    ids = api.post(*first)
    api.settle()
    case = _only_case(api, c)
    alerts = api.alerts(customer_id=c)
    r = api.client.post(
        "/v1/transactions/batch", json={"transactions": first}, headers=api.kit.analyst.headers
    )
    assert r.status_code == 200, r.text
    assert (r.json()["inserted"], r.json()["duplicates"]) == (0, 2)
    assert api.pending() == 0  # nothing new: nothing queued
    # Half old, half new: only the new one is evaluated, into the same case.
    r = api.client.post(
        "/v1/transactions/batch",
        json={"transactions": [first[0], tx(c, "3000", at=2 * HOUR)]},
        headers=api.kit.analyst.headers,
    )
    assert r.status_code == 201, r.text
    new = r.json()["items"][1]["id"]
    api.settle()
    assert api.alerts(customer_id=c)[:2] == alerts
    assert api.alerted(c) == [*ids, new]
    assert [x["id"] for x in api.cases(c)] == [case["id"]]
    assert _total(api, api.case(case["id"])) == Decimal(6000)
    assert _alert_count(db, api.kit.tenant_id) == 3


def test_a_live_lease_keeps_the_batch_and_an_expired_one_frees_it(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    rule = api.rule({"test": "amount", "at_least": "1000"})
    # Transactions stored while the rule is off are not queued ...
    api.patch_rule(rule["id"], enabled=False)
    c = api.customer()
    ids = api.post(tx(c, "1000"), tx(c, "2000", at=HOUR))
    assert api.pending() == 0
    api.patch_rule(rule["id"], enabled=True)

    # ... so the rows here stand for batches in various states.
    held = _pending_row(
        db,
        api.kit.tenant_id,
        ids[:1],
        claim_id=new_id(),
        lease_expires_at=utcnow() + timedelta(hours=1),
        attempts=1,
    )
    fresh = _pending_row(db, api.kit.tenant_id, ids[1:])
    lost = _pending_row(db, api.kit.tenant_id, ids[1:], created_at=utcnow() - timedelta(minutes=5))

    swept = [
        kwargs["pending_id"] for name, kwargs in tasks.unevaluated(context) if name == EVALUATE
    ]
    assert held not in swept  # a live worker has it
    assert fresh not in swept  # its job is surely still on the way
    assert lost in swept  # nobody took it

    tasks.evaluate_pending(context, pending_id=held)
    row = _row(db, held)
    assert row is not None and row.attempts == 1
    assert api.alerted(c) == []

    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == held)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    swept = [
        kwargs["pending_id"] for name, kwargs in tasks.unevaluated(context) if name == EVALUATE
    ]
    assert held in swept
    tasks.evaluate_pending(context, pending_id=held)
    assert _row(db, held) is None
    assert api.alerted(c) == [ids[0]]

    tasks.evaluate_pending(context, pending_id=lost)
    tasks.evaluate_pending(context, pending_id=fresh)
    assert _row(db, lost) is None and _row(db, fresh) is None
    assert api.alerted(c) == ids
    case = _only_case(api, c)
    assert _total(api, case) == Decimal(3000)
    assert api.risk_check(case["id"])["evidence"]["alert_count"] == 2


def test_a_worker_whose_lease_ran_out_writes_nothing(
    api: Api, db: Database, context: JobContext, jobs_by_hand: None
):
    rule = api.rule({"test": "amount", "at_least": "1"}, enabled=False)
    c = api.customer()
    ids = api.post(tx(c, "5"))
    api.patch_rule(rule["id"], enabled=True)
    row_id = _pending_row(db, api.kit.tenant_id, ids)

    first = tasks._claim(context, row_id)
    assert first is not None
    assert tasks._claim(context, row_id) is None  # the lease is live
    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == row_id)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    second = tasks._claim(context, row_id)
    assert second is not None and second.claim_id != first.claim_id
    row = _row(db, row_id)
    assert row is not None and row.attempts == 2
    # The whole job with the second lease live: it is not taken a third time.
    tasks.evaluate_pending(context, pending_id=row_id)
    assert _row(db, row_id) is not None
    assert api.alerted(c) == []
    # Once that lease runs out too, the batch is evaluated after all.
    with db.transaction() as session:
        session.execute(
            update(PendingEvaluation)
            .where(PendingEvaluation.id == row_id)
            .values(lease_expires_at=utcnow() - SECOND)
        )
    tasks.evaluate_pending(context, pending_id=row_id)
    assert _row(db, row_id) is None
    assert api.alerted(c) == ids


# -- 5. bad input changes nothing ---------------------------------------------------------

BAD = [
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "CHF"}, "currency"),  # a real currency without rates
    ({"amount": "-5"}, "amount"),
    ({"amount": "ten"}, "amount"),
    ({"amount": "0"}, "amount"),
    ({"customer_id": "0" * 24}, "customer_id"),
    ({"customer_id": None, "customer_external_id": "nobody"}, "customer_external_id"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD, ids=[f"{f}-{o}" for o, f in BAD])
def test_bad_input_stores_nothing_and_raises_nothing(
    api: Api, db: Database, overrides: dict[str, Any], field: str
):
    api.rule({"test": "amount", "at_least": "1"})
    c = api.customer()
    good = tx(c, "5000", currency="USD")
    bad = {k: v for k, v in (tx(c, "5000") | overrides).items() if v is not None}
    r = api.client.post(
        "/v1/transactions/batch",
        json={"transactions": [good, bad]},
        headers=api.kit.analyst.headers,
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == [f"transactions[1].{field}"]
    api.settle()
    with db.transaction(write=False) as session:
        stored = session.scalar(
            select(func.count())
            .select_from(Transaction)
            .where(Transaction.tenant_id == api.kit.tenant_id)
        )
        cases = session.scalar(
            select(func.count()).select_from(Case).where(Case.tenant_id == api.kit.tenant_id)
        )
    assert (stored, api.pending(), _alert_count(db, api.kit.tenant_id), cases) == (0, 0, 0, 0)
    # The rule was live all along: the good item alone trips it.
    (tid,) = api.post(good)
    api.settle()
    assert api.alerted(c) == [tid]
