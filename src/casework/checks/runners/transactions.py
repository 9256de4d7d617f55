"""The TRANSACTION_RISK check: the tenant's enabled rules evaluated over the case's
linked transactions, each transaction seen against its customer's history before it,
by the code live monitoring runs (``rules.engine.run``). Nothing is written: a hit here
is no alert and opens no case.

Pure: it reads only its inputs (the rules, the transactions and history read with them,
the tenant's country-risk view), so the same data always gives the same result.

The risk is the highest score of any hit (each rule test scores its own hit: 0.5 just
at a threshold, up to 1.0 well past it), 0 when nothing hit. A hit is a reason to look,
never a decision, as with a rule's alerts: a check with hits needs a person (PENDING),
one without is ACCEPTED. A check with nothing to evaluate, no linked transaction or no
enabled rule, cannot run, and says why, rather than report a clean result.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from casework.checks.country_risk import CountryRiskView, load_table, with_overrides
from casework.checks.runners.base import (
    CheckFailed,
    CheckInputs,
    CheckResult,
    LinkedTransactions,
    RunContext,
)
from casework.models.enums import Outcome
from casework.rules import engine
from casework.rules.conditions import HighRiskCountryTest
from casework.rules.engine import CompiledRule, Found
from casework.rules.history import tests_of

NAMED = 20  # transactions named in one line of reasoning; the evidence holds the rest
REASONED_HITS = 50  # hits with a line of reasoning each
EVIDENCE_HITS = 200  # hits listed in the evidence; all are counted
EVIDENCE_TRANSACTIONS = 1000  # linked transactions listed in the evidence
_TITLE_LENGTH = 300  # the checks table's title column

NO_TRANSACTIONS = (
    "no transactions are linked to the case, so no rule was evaluated: open the case on "
    "ingested transactions to check them"
)


def run_transaction_risk(inputs: CheckInputs, context: RunContext) -> CheckResult:
    data = inputs.transactions
    count = data.loaded.transactions if data is not None else 0
    if data is None or count == 0:
        if data is not None and not data.rules:
            raise CheckFailed(
                f"{NO_TRANSACTIONS}; the tenant has no enabled transaction-monitoring rule either",
                title="Not checked: no linked transactions and no enabled rule",
            )
        raise CheckFailed(NO_TRANSACTIONS, title="Not checked: no linked transactions")
    if not data.rules:
        raise CheckFailed(
            f"the tenant has no enabled transaction-monitoring rule, so the case's {count} "
            "linked transaction(s) were not checked: enable a rule (/v1/rules) and rerun "
            "the check",
            title="Not checked: no enabled rule",
        )
    view = context.country_risk or with_overrides(load_table(), ())
    found = engine.run(
        data.rules, data.loaded.evaluated, data.loaded.histories, engine.CountryRisk(view)
    )
    return _result(data, found, view)


class _Names:
    """Transactions by the external ids their senders know them by."""

    def __init__(self, data: LinkedTransactions) -> None:
        self.external_ids = data.external_ids

    def one(self, txn_id: str) -> str:
        return self.external_ids.get(txn_id, txn_id)

    def some(self, ids: Sequence[str]) -> str:
        named = ", ".join(self.one(i) for i in ids[:NAMED])
        return named + (f" and {len(ids) - NAMED} more" if len(ids) > NAMED else "")


def _label(rule: CompiledRule) -> str:
    return f"{rule.title} (rule {rule.name}, revision {rule.revision})"


def _result(data: LinkedTransactions, found: list[Found], view: CountryRiskView) -> CheckResult:
    names = _Names(data)
    rules = data.rules
    linked = [t for items in data.loaded.evaluated.values() for t in items]
    linked_ids = {t.id for t in linked}
    history = sum(
        1
        for items in data.loaded.histories.by_customer.values()
        for t in items
        if t.id not in linked_ids
    )
    hits_by_rule = {rule.id: 0 for rule in rules}
    for item in found:
        hits_by_rule[item.rule.id] += 1
    hit_rules = [rule for rule in rules if hits_by_rule[rule.id]]
    quiet = [rule for rule in rules if not hits_by_rule[rule.id]]

    reasoning = [
        f"Evaluated {len(rules)} enabled rule(s) over {len(linked)} linked transaction(s): "
        f"{names.some([t.id for t in linked])}.",
        f"Each transaction was seen against its customer's earlier transactions, as live "
        f"monitoring sees it; {history} other transaction(s) were read as history.",
    ]
    for item in found[:REASONED_HITS]:
        reasoning.append(
            f"Hit: {_label(item.rule)} on {names.one(item.txn.id)}: {item.hit.reason} "
            f"(score {item.hit.score:.2f}); transactions {names.some(item.hit.transactions)}."
        )
    if len(found) > REASONED_HITS:
        reasoning.append(
            f"{len(found) - REASONED_HITS} more hit(s) not listed here; the evidence lists "
            f"the first {EVIDENCE_HITS}."
        )
    reasoning += [f"No hit: {_label(rule)}." for rule in quiet]

    if found:
        top = max(found, key=lambda item: item.hit.score)  # the first of equal scores
        risk = round(top.hit.score, 4)
        reasoning.append(
            f"Risk {risk:.2f}: the highest hit score, {top.rule.title} on "
            f"{names.one(top.txn.id)}. A rule hit is a reason to look: a person reviews it."
        )
        title = (
            f"{len(found)} rule hit(s) from {len(hit_rules)} rule(s): "
            f"{', '.join(rule.title for rule in hit_rules)}"
        )
        note = (
            f"{len(found)} hit(s) from {len(hit_rules)} of {len(rules)} enabled rule(s) on "
            f"{len(linked)} linked transaction(s); highest score {risk:.2f}."
        )
    else:
        risk = 0.0
        reasoning.append("Risk 0.00: no rule hit the linked transactions.")
        title = f"No rule hit on {len(linked)} linked transaction(s)"
        note = (
            f"{len(rules)} enabled rule(s) evaluated over {len(linked)} linked "
            "transaction(s); none hit."
        )

    evidence: dict[str, Any] = {
        "rules_evaluated": [
            {
                "id": rule.id,
                "name": rule.name,
                "title": rule.title,
                "revision": rule.revision,
                "severity": rule.severity.name,
                "hits": hits_by_rule[rule.id],
            }
            for rule in rules
        ],
        "transaction_count": len(linked),
        "transactions": [
            {"id": t.id, "external_id": names.one(t.id), "occurred_at": t.occurred_at.isoformat()}
            for t in linked[:EVIDENCE_TRANSACTIONS]
        ],
        "history_transactions": history,
        "hit_count": len(found),
        "hits": [_hit(item, names) for item in found[:EVIDENCE_HITS]],
    }
    versions: dict[str, Any] = {"rules": {rule.name: rule.revision for rule in rules}}
    if any(isinstance(t, HighRiskCountryTest) for rule in rules for t in tests_of(rule.condition)):
        versions["country_risk"] = view.table.version
    return CheckResult(
        risk_score=risk,
        # A hit needs a person, as an unreviewed screening match does; none accepts.
        outcome=Outcome.pending if found else Outcome.accepted,
        title=title[:_TITLE_LENGTH],
        note=note,
        reasoning=reasoning,
        evidence=evidence,
        dataset_versions=versions,
    )


def _hit(item: Found, names: _Names) -> dict[str, Any]:
    return {
        "rule_id": item.rule.id,
        "rule_name": item.rule.name,
        "rule_title": item.rule.title,
        "rule_revision": item.rule.revision,
        "customer_id": item.customer_id,
        "transaction_id": item.txn.id,
        "external_id": names.one(item.txn.id),
        "occurred_at": item.txn.occurred_at.isoformat(),
        "transaction_ids": list(item.hit.transactions),
        "external_ids": [names.one(t) for t in item.hit.transactions],
        "score": item.hit.score,
        "reason": item.hit.reason,
    }
