"""What rule hits leave behind: cases with their provenance, linked transactions,
total, priority, due date and TRANSACTION_RISK check, grouped by customer or by rule
and customer, and new cases once a case is resolved."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from casework.infra.db import Database
from casework.models.base import utcnow
from tests.rules.pipeline import (
    HOUR,
    SECOND,
    Api,
    alert_count,
    case_total,
    only_case,
    parse_time,
    tx,
)

# -- 2. case provenance -------------------------------------------------------------------


def test_case_provenance_total_priority_due_date_and_check(api: Api):
    large = api.rule({"test": "amount", "at_least": "10000"}, title="Large transfer")
    risky = api.rule({"test": "high_risk_country"}, severity="high", title="High-risk country")
    c = api.customer("Ada Lovelace")

    before = utcnow()
    (t1,) = api.post(tx(c, "12500.00", currency="USD", counterparty_country="DEU"))
    api.settle()
    after = utcnow()
    case = only_case(api, c)
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
    assert case_total(api, case) == Decimal("10000")
    assert api.linked(case["id"]) == {t1: Decimal("10000")}
    (alert,) = api.alerts(customer_id=c)
    assert alert["case_id"] == case["id"]
    # Default SLA: 72 hours from when the alert was written.
    due = parse_time(case["due_date"])
    assert due == parse_time(alert["created_at"]) + timedelta(hours=72)
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
    case = only_case(api, c)
    assert case["priority"] == "high"
    assert case_total(api, case) == Decimal("10500")
    assert api.linked(case["id"]) == {t1: Decimal("10000"), t2: Decimal("500")}
    assert parse_time(case["due_date"]) == due  # the SLA runs from the opening
    assert case["created_by_rule"]["id"] == large["id"]

    # A new revision of the first rule: its later alerts name it, the case keeps the
    # revision that opened it; a medium alert does not lower the priority.
    large = api.patch_rule(large["id"], title="Large transfer (EUR)")
    assert large["revision"] == 2
    (t3,) = api.post(tx(c, "20000", at=2 * HOUR, counterparty_country="DEU"))
    # One transaction tripping both rules: two alerts, linked once.
    (t4,) = api.post(tx(c, "15000", at=3 * HOUR, counterparty_country="PRK"))
    api.settle()
    case = only_case(api, c)
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
    assert case_total(api, case) == sum(api.linked(case["id"]).values()) == Decimal("45500")
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
    case = only_case(api, c)
    assert case_total(api, case) == Decimal(205)
    check = api.risk_check(case["id"])
    assert check["evidence"]["alert_count"] == 205
    assert [a["transaction_ids"] for a in check["evidence"]["alerts"]] == [[i] for i in ids[5:]]
    assert len(check["reasoning"]) == 20
    assert alert_count(db, api.kit.tenant_id) == 205


def test_a_case_is_opened_by_its_most_severe_hit(api: Api):
    # Rules run in name order: the weaker one is found first.
    large = api.rule({"test": "amount", "at_least": "10000"}, severity="low", name="a-large")
    risky = api.rule({"test": "high_risk_country"}, severity="high", name="z-risky")
    c = api.customer()
    (t,) = api.post(tx(c, "40000", counterparty_country="IRN"))  # the amount scores 1.0
    api.settle()
    case = only_case(api, c)
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
    case = only_case(api, c)
    assert api.linked(case["id"]) == {a: Decimal(80), b: Decimal(125), t: Decimal(7)}
    assert case_total(api, case) == Decimal(212)


def test_due_date_from_the_settings_or_the_case_config(api: Api):
    api.rule({"test": "amount", "at_least": "1"})

    def opened() -> tuple[dict[str, Any], datetime, datetime]:
        c = api.customer()
        start = utcnow()
        api.post(tx(c, "1"))
        api.settle()
        return only_case(api, c), start, utcnow()

    api.settings(sla_hours=10)
    case, start, end = opened()
    (alert,) = api.alerts(customer_id=case["customer"]["id"])
    assert parse_time(case["due_date"]) == parse_time(alert["created_at"]) + timedelta(hours=10)

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
    assert start + timedelta(hours=24) <= parse_time(case["due_date"]) <= end + timedelta(hours=24)
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
    assert parse_time(case["due_date"]) == parse_time(alert["created_at"]) + timedelta(hours=48)

    # A retired config is passed over: no config, the setting's SLA.
    api.settings(case_config=slug, sla_hours=12)
    r = api.client.patch(
        f"/v1/case-configs/{config_id}", json={"is_active": False}, headers=api.kit.admin.headers
    )
    assert r.status_code == 200, r.text
    case, _, _ = opened()
    (alert,) = api.alerts(customer_id=case["customer"]["id"])
    assert case["config"] is None
    assert parse_time(case["due_date"]) == parse_time(alert["created_at"]) + timedelta(hours=12)

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
    case = only_case(api, c)
    assert case["group_by_type"] == "byApplicant"
    assert {a["case_id"] for a in api.alerts(customer_id=c)} == {case["id"]}
    assert len(api.alerts(customer_id=c)) == 2
    assert case_total(api, case) == Decimal("10300.01")

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
    assert case_total(api, by_rule[big["id"]]) == Decimal("30000.01")
    assert case_total(api, by_rule[round_["id"]]) == Decimal("20300")
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
    first = only_case(api, c)

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
    assert case_total(api, api.case(first["id"])) == Decimal(3000)

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
    assert case_total(api, new) == Decimal(4000)
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
    first = only_case(api, c)
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
