"""Driving one tenant's transaction monitoring through the HTTP API, for the tests in
this folder: transactions at chosen offsets from T0, in EUR, USD and GBP on rates that
convert exactly."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.models import Alert, PendingEvaluation
from casework.models.base import utcnow
from tests.factories import TenantKit

# USD and GBP per EUR from this day on: every later day used here takes these rates,
# and every conversion is exact (USD / 1.25, GBP / 0.80).
RATES_FROM = date(2024, 10, 1)
T0 = datetime(2024, 10, 14, 12, 0, tzinfo=UTC)  # a Monday; the country-risk table covers it
SECOND = timedelta(seconds=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


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


def parse_time(value: str) -> datetime:
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


def case_total(api: Api, case: dict[str, Any]) -> Decimal:
    return Decimal(case["total_amount_in_default_currency"])


def only_case(api: Api, customer_id: str) -> dict[str, Any]:
    found = api.cases(customer_id)
    assert len(found) == 1, found
    return found[0]


def alert_count(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count()).select_from(Alert).where(Alert.tenant_id == tenant_id)
            )
            or 0
        )


def pending_row(db: Database, tenant_id: str, transaction_ids: list[str], **fields: Any) -> str:
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
