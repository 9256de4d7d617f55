"""Every rule type through the API and the background evaluation, with transactions
at the edges of its windows and thresholds, in EUR, USD and GBP."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from fastapi import FastAPI
from fastapi.testclient import TestClient

from casework.infra.db import Database
from tests.factories import TenantKit, make_tenant_kit
from tests.rules.pipeline import DAY, HOUR, RATES_FROM, SECOND, T0, Api, case_total, only_case, tx

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
        case = only_case(api, customers[key])
        assert case_total(api, case) == amount, key
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
            case = only_case(api, customers[key])
            assert case_total(api, case) == Decimal("800"), key


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
    case = only_case(api, inside)
    assert api.linked(case["id"]) == {i1: Decimal("8"), i2: Decimal("12.5"), i3: Decimal("1")}
    assert case_total(api, case) == Decimal("21.5")
    burst_case = only_case(api, burst)
    assert set(api.linked(burst_case["id"])) == set(b)
    assert case_total(api, burst_case) == Decimal("20")  # each linked once


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
    case = only_case(api, at_edge)
    assert api.linked(case["id"]) == {a1: Decimal(2500), a2: Decimal(2500)}
    assert case_total(api, case) == Decimal(5000)


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
    case = only_case(api, inside)
    assert case_total(api, case) == Decimal("9000") + Decimal("9000") + Decimal("9999.9875")


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
            assert only_case(api, c)["priority"] == "high"

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
    case = only_case(api, inside)
    assert case_total(api, case) == Decimal("19000")
    for customer in (outside, short, small):
        assert api.alerted(customer) == []
    (split_hit,) = api.alerts(customer_id=split)
    assert split_hit["transaction_ids"] == [*split_in, split_out1, split_out2]
    assert case_total(api, only_case(api, split)) == Decimal("19000")


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
    case = only_case(api, exact)
    assert api.linked(case["id"]) == {old[0]: Decimal("10"), now[0]: Decimal("1000")}
    assert case_total(api, case) == Decimal("1010")
    assert case_total(api, only_case(api, dollars)) == Decimal("1010")


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
    case = only_case(api, c)
    assert case_total(api, case) == Decimal("20000")


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
