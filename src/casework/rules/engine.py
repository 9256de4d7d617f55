"""Running a tenant's rules over transactions: the same code for the live path (a
stored batch), for a backtest (a past period) and for a case's TRANSACTION_RISK check
(its linked transactions), so a backtest or a check says what the live path would have
done."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from casework.checks.country_risk import CountryRiskView
from casework.checks.risk_table import tenant_country_risk
from casework.infra.persist import in_chunks
from casework.models import Rule, RuleRevision
from casework.models.enums import Priority
from casework.rules import conditions, history, repository
from casework.rules.conditions import Condition
from casework.rules.evaluate import Check, HighRisk, Hit, Txn, check_of
from casework.rules.history import Histories, order

# A counterparty country is high risk from this rating in the tenant's country-risk
# table: the FATF's call for action and the EU's high-risk third countries, not the
# FATF's increased monitoring (0.6). A tenant's override can raise or lower a country.
HIGH_RISK_FROM = 0.7


@dataclass(frozen=True)
class CompiledRule:
    id: str
    name: str
    title: str
    revision: int
    severity: Priority
    condition: Condition
    check: Check = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", check_of(self.condition))

    def provenance(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "title": self.title, "revision": self.revision}


@dataclass(frozen=True)
class Found:
    rule: CompiledRule
    customer_id: str
    txn: Txn
    hit: Hit


@lru_cache(maxsize=1024)
def _parsed(text: str) -> Condition:
    return conditions.parse(json.loads(text))


def parsed(condition: dict[str, Any]) -> Condition:
    """A stored condition, parsed once per process."""
    return _parsed(json.dumps(condition, sort_keys=True))


def compile_revision(rule: Rule, revision: RuleRevision) -> CompiledRule:
    return CompiledRule(
        id=rule.id,
        name=rule.name,
        title=revision.title,
        revision=revision.revision,
        severity=Priority(revision.severity),
        condition=parsed(revision.condition),
    )


def enabled_rules(session: Session, *, tenant_id: str) -> list[CompiledRule]:
    """The tenant's enabled rules at their current revisions, by name."""
    return [
        compile_revision(rule, revision)
        for rule, revision in repository.enabled_with_revisions(session, tenant_id=tenant_id)
    ]


class CountryRisk:
    """Whether a country is high risk for the tenant on a day, each answer worked out
    once."""

    def __init__(self, view: CountryRiskView) -> None:
        self.view = view
        self._answers: dict[tuple[str, date], bool] = {}
        self._days: dict[date, HighRisk] = {}

    @classmethod
    def of(cls, session: Session, tenant_id: str) -> CountryRisk:
        return cls(tenant_country_risk(session, tenant_id))

    def on(self, day: date) -> HighRisk:
        found = self._days.get(day)
        if found is None:

            def high(country: str) -> bool:
                key = (country, day)
                answer = self._answers.get(key)
                if answer is None:
                    answer = self._answers[key] = self.view.risk(country, day) >= HIGH_RISK_FROM
                return answer

            found = self._days[day] = high
        return found


def run(
    rules: Sequence[CompiledRule],
    evaluated: dict[str, list[Txn]],
    histories: Histories,
    risk: CountryRisk,
) -> list[Found]:
    """Every hit of ``rules`` on the ``evaluated`` transactions (by customer), each seen
    against the customer's history before it: earlier in time, or at the same time
    and stored before it."""
    found: list[Found] = []
    for customer_id, items in evaluated.items():
        combined = histories.by_customer.get(customer_id, [])
        position = {t.id: i for i, t in enumerate(combined)}
        for t in sorted(items, key=order):
            i = position.get(t.id)
            before = combined[:i] if i is not None else [c for c in combined if order(c) < order(t)]
            high_risk = risk.on(t.occurred_at.date())
            for rule in rules:
                hit = rule.check(t, before, high_risk)
                if hit is not None:
                    found.append(Found(rule, customer_id, t, hit))
    return found


@dataclass
class Evaluated:
    found: list[Found]
    amounts: dict[str, Decimal]
    transactions: int


@dataclass(frozen=True)
class Loaded:
    """Stored transactions ready for ``run``: by customer (in id order), each customer's
    in time order, with the history the rules read before them."""

    evaluated: dict[str, list[Txn]]
    histories: Histories

    @property
    def transactions(self) -> int:
        return sum(len(items) for items in self.evaluated.values())


def load_evaluated(
    session: Session,
    *,
    tenant_id: str,
    rules: Sequence[CompiledRule],
    transaction_ids: Sequence[str],
) -> Loaded:
    """The tenant's stored ``transaction_ids`` as ``rules`` see them, with the history of
    their customers that ``rules`` read (pure reads). Another tenant's transactions, and
    those whose customer was deleted meanwhile, are left out."""
    # Which customers, and from when: the transactions themselves come with the history.
    wanted: dict[str, set[str]] = defaultdict(set)
    earliest = latest = None
    for chunk in in_chunks(transaction_ids):
        for row in repository.transaction_heads(session, chunk):
            if row.tenant_id != tenant_id:
                continue
            wanted[row.customer_id].add(row.id)
            earliest = row.occurred_at if earliest is None else min(earliest, row.occurred_at)
            latest = row.occurred_at if latest is None else max(latest, row.occurred_at)
    if earliest is None or latest is None:
        return Loaded({}, Histories({}, datetime.min.replace(tzinfo=UTC)))
    needs = history.Needs.of(rule.condition for rule in rules)
    # Nothing after the batch's last transaction can be history of any of them.
    histories = history.load(
        session,
        tenant_id=tenant_id,
        customers=list(wanted),
        earliest=earliest,
        needs=needs,
        until=latest + timedelta(microseconds=1),
    )
    batch: dict[str, list[Txn]] = {
        customer_id: [t for t in histories.by_customer.get(customer_id, []) if t.id in ids]
        for customer_id, ids in sorted(wanted.items())
    }
    history.deepen(session, tenant_id=tenant_id, histories=histories, evaluated=batch, needs=needs)
    return Loaded(batch, histories)


def evaluate_stored(session: Session, *, tenant_id: str, transaction_ids: list[str]) -> Evaluated:
    """The tenant's enabled rules on these stored transactions (pure reads)."""
    rules = enabled_rules(session, tenant_id=tenant_id)
    if not rules:
        return Evaluated([], {}, 0)
    loaded = load_evaluated(
        session, tenant_id=tenant_id, rules=rules, transaction_ids=transaction_ids
    )
    if not loaded.evaluated:
        return Evaluated([], {}, 0)  # their customers were deleted meanwhile
    found = run(rules, loaded.evaluated, loaded.histories, CountryRisk.of(session, tenant_id))
    return Evaluated(found, loaded.histories.amounts(), loaded.transactions)
