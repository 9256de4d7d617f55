"""Replaying a rule, or a draft of one, over a past period without writing anything.

Customers are replayed a chunk at a time through the live path's own code (history
loading and ``engine.run``), each transaction seen against the history before it and
nothing after the period; cases are counted as groups, as if none were resolved
meanwhile. The one difference from the live path: live, a transaction is evaluated
when it arrives, so one that arrives after later ones were evaluated does not change
their answers; a replay sees every transaction stored by the time it runs.
"""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.infra.errors import NotFound, ValidationFailed
from casework.infra.tenancy import owned
from casework.models import Customer, Tenant
from casework.models.enums import Priority
from casework.rules import conditions, engine, history, repository, service
from casework.rules.grouping import group_key
from casework.rules.schemas import BacktestIn, BacktestOut, SampleAlert

MAX_PERIOD = timedelta(days=731)
_CUSTOMERS = 500


def backtest(
    session: Session, *, actor: Principal, rule_id: str | None, data: BacktestIn
) -> BacktestOut:
    started = time.perf_counter()
    rule = _subject(session, actor, rule_id, data)
    if data.end - data.start > MAX_PERIOD:
        raise ValidationFailed.on("to", "the period may be at most 731 days")
    if (
        data.customer_id
        and owned(session, Customer, data.customer_id, tenant_id=actor.tenant_id) is None
    ):
        raise ValidationFailed.on("customer_id", f"no customer {data.customer_id}")
    tenant = session.get(Tenant, actor.tenant_id)
    if tenant is None:
        raise NotFound("tenant not found")
    group_by = data.group_by or service.settings_of(tenant).group_by
    needs = history.Needs.of([rule.condition])
    risk = engine.CountryRisk.of(session, actor.tenant_id)

    evaluated = alerts = 0
    customers: set[str] = set()
    groups: set[str] = set()
    amount = Decimal(0)
    samples: list[SampleAlert] = []
    for chunk in _customer_chunks(session, actor.tenant_id, data):
        histories = history.load(
            session,
            tenant_id=actor.tenant_id,
            customers=chunk,
            earliest=data.start,
            needs=needs,
            until=data.end,
        )
        period = {
            c: [t for t in items if t.occurred_at >= data.start]
            for c, items in histories.by_customer.items()
        }
        history.deepen(
            session, tenant_id=actor.tenant_id, histories=histories, evaluated=period, needs=needs
        )
        evaluated += sum(len(items) for items in period.values())
        for found in engine.run([rule], period, histories, risk):
            alerts += 1
            customers.add(found.customer_id)
            groups.add(group_key(found, group_by))
            amount += found.txn.amount
            if len(samples) < data.sample:
                samples.append(
                    SampleAlert(
                        customer_id=found.customer_id,
                        transaction_id=found.txn.id,
                        transaction_ids=list(found.hit.transactions),
                        occurred_at=found.txn.occurred_at,
                        score=found.hit.score,
                        reason=found.hit.reason,
                    )
                )
    return BacktestOut(
        rule_id=rule_id,
        revision=rule.revision if data.condition is None else None,
        start=data.start,
        end=data.end,
        group_by=group_by,
        transactions_evaluated=evaluated,
        alerts=alerts,
        customers=len(customers),
        cases=len(groups),
        alerted_amount_in_default_currency=amount,
        samples=samples,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 1),
    )


def _subject(
    session: Session, actor: Principal, rule_id: str | None, data: BacktestIn
) -> engine.CompiledRule:
    """The rule to replay: the stored one, or the draft condition given."""
    draft = conditions.parse(data.condition) if data.condition is not None else None
    if rule_id is None:
        if draft is None:
            raise ValidationFailed.on("condition", "a draft backtest needs a condition")
        return engine.CompiledRule("draft", "draft", "Draft", 0, Priority.medium, draft)
    stored, revision = service.get_rule(session, actor=actor, rule_id=rule_id)
    compiled = engine.compile_revision(stored, revision)
    if draft is None:
        return compiled
    return engine.CompiledRule(
        compiled.id, compiled.name, compiled.title, 0, compiled.severity, draft
    )


def _customer_chunks(session: Session, tenant_id: str, data: BacktestIn) -> list[list[str]]:
    if data.customer_id:
        return [[data.customer_id]]
    ids = repository.customers_with_transactions(
        session, tenant_id=tenant_id, start=data.start, end=data.end
    )
    return [ids[i : i + _CUSTOMERS] for i in range(0, len(ids), _CUSTOMERS)]
