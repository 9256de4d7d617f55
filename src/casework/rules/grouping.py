"""Alerts gathered into one open case per group: what rule hits write, with
``processing.alerts`` opening the cases.

A group is a customer, or a rule and a customer, as the tenant's setting says. Its
row in ``alert_groups`` names its open case and is locked while alerts join it: two
workers with hits for one group take turns, and the second finds the case the first
opened. Groups are locked in key order, so workers never wait on each other in a
circle. A case that has been resolved takes no more alerts; the group opens a new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases.schemas import CaseCreate
from casework.infra.ids import new_id
from casework.infra.persist import in_chunks, insert_or_ignore
from casework.models import (
    Alert,
    AlertGroup,
    Case,
    CaseConfig,
    CaseTransaction,
    Check,
    Customer,
)
from casework.models.enums import (
    CheckType,
    Outcome,
    Priority,
    ProcessingStatus,
    ReviewStatus,
)
from casework.rules.engine import Found
from casework.rules.schemas import MonitoringSettings

ACTOR = "transaction monitoring"
GROUP_BY_TYPE = {"customer": "byApplicant", "rule_and_customer": "byRuleAndApplicant"}
# The alerts a TRANSACTION_RISK check lists in its evidence; all are at /v1/alerts.
EVIDENCE_ALERTS = 200
FINISHED = (ReviewStatus.resolved, ReviewStatus.closed)  # take no more alerts


def group_key(found: Found, group_by: str) -> str:
    if group_by == "rule_and_customer":
        return f"rule:{found.rule.id}:customer:{found.customer_id}"
    return f"customer:{found.customer_id}"


def not_yet_recorded(session: Session, found: Sequence[Found]) -> list[Found]:
    """Leave out hits already stored as alerts (work done twice after a lost lease)."""
    rule_ids = sorted({f.rule.id for f in found})
    txn_ids = sorted({f.txn.id for f in found})
    stored: set[tuple[str, str]] = set()
    for chunk in in_chunks(txn_ids):
        stmt = select(Alert.rule_id, Alert.transaction_id).where(
            Alert.rule_id.in_(rule_ids), Alert.transaction_id.in_(chunk)
        )
        stored.update((r.rule_id, r.transaction_id) for r in session.execute(stmt))
    return [f for f in found if (f.rule.id, f.txn.id) not in stored]


def lock_groups(
    session: Session, tenant_id: str, keys: list[str], now: datetime
) -> dict[str, AlertGroup]:
    locked: dict[str, AlertGroup] = {}
    for chunk in in_chunks(keys):
        session.execute(
            insert_or_ignore(session, AlertGroup)
            .values([{"tenant_id": tenant_id, "key": k, "updated_at": now} for k in chunk])
            .on_conflict_do_nothing(index_elements=["tenant_id", "key"])
        )
        stmt = (
            select(AlertGroup)
            .where(AlertGroup.tenant_id == tenant_id, AlertGroup.key.in_(chunk))
            .order_by(AlertGroup.key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        locked.update((g.key, g) for g in session.scalars(stmt))
    return locked


def lock_cases(session: Session, case_ids: list[str]) -> dict[str, Case]:
    found: dict[str, Case] = {}
    for chunk in in_chunks(case_ids):
        stmt = (
            select(Case)
            .where(Case.id.in_(chunk))
            .order_by(Case.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        found.update((c.id, c) for c in session.scalars(stmt))
    return found


def case_config(session: Session, tenant_id: str, slug: str | None) -> CaseConfig | None:
    if slug is None:
        return None
    # A config retired after the setting was made is passed over rather than stopping
    # every case of the tenant.
    return session.scalar(
        select(CaseConfig).where(
            CaseConfig.tenant_id == tenant_id,
            CaseConfig.slug == slug,
            CaseConfig.is_active.is_(True),
        )
    )


def _opener(items: list[Found]) -> Found:
    """The hit a case is said to be created by: the most severe, then the strongest."""
    ranked = [(f.rule.severity, f.hit.score, -i) for i, f in enumerate(items)]
    return items[ranked.index(max(ranked))]


def case_request(
    session: Session,
    items: list[Found],
    settings: MonitoringSettings,
    config: CaseConfig | None,
    now: datetime,
) -> CaseCreate:
    """The case a group with no open case asks for, described by its strongest hit."""
    opener = _opener(items)
    rule = opener.rule
    customer = session.get(Customer, opener.customer_id)
    who = customer.full_name if customer is not None else opener.customer_id
    due = None
    if not (config and config.sla_hours) and settings.sla_hours:
        due = now + timedelta(hours=settings.sla_hours)
    return CaseCreate.model_validate(
        {
            "title": f"{rule.title}: {who}"[:300],
            "description": (
                f"Opened by rule {rule.name} (revision {rule.revision}): {opener.hit.reason}."
            )[:20_000],
            "customer_id": opener.customer_id,
            "priority": max(Priority(i.rule.severity) for i in items).name,
            "config": config.slug if config else None,
            "module": None if config else "transaction-monitoring",
            "due_date": due,
        }
    )


def stamp(case: Case, items: list[Found], settings: MonitoringSettings) -> None:
    """Mark a case opened for ``items`` as the rule's, grouped as the setting says."""
    rule = _opener(items).rule
    case.created_by_rule_id = rule.id
    case.created_by_rule = rule.provenance()
    case.group_by_type = GROUP_BY_TYPE[settings.group_by]
    case.total_amount_in_default_currency = Decimal(0)


def insert_alerts(
    session: Session,
    tenant_id: str,
    per_case: dict[str, tuple[Case, list[Found]]],
    now: datetime,
) -> dict[str, list[dict[str, Any]]]:
    """Insert the alerts; return their rows by case."""
    rows: dict[str, list[dict[str, Any]]] = {}
    for case_id, (_, items) in per_case.items():
        rows[case_id] = [
            {
                "id": new_id(),
                "tenant_id": tenant_id,
                "rule_id": f.rule.id,
                "rule_revision": f.rule.revision,
                "customer_id": f.customer_id,
                "transaction_id": f.txn.id,
                "transaction_ids": list(f.hit.transactions),
                "score": f.hit.score,
                "reason": f.hit.reason,
                "case_id": case_id,
                "occurred_at": f.txn.occurred_at,
                "created_at": now,
            }
            for f in items
        ]
    everything = [row for case_rows in rows.values() for row in case_rows]
    session.connection().execute(insert(cast(Table, Alert.__table__)), everything)
    return rows


def link_transactions(
    session: Session,
    tenant_id: str,
    per_case: dict[str, tuple[Case, list[Found]]],
    amounts: dict[str, Decimal],
    now: datetime,
) -> dict[str, list[str]]:
    """Link the hits' transactions to their cases and add what joined to each case's
    total; return the newly linked ids by case."""
    wanted = {
        case_id: list(dict.fromkeys(t for f in items for t in f.hit.transactions))
        for case_id, (_, items) in per_case.items()
    }
    case_ids = sorted(wanted)
    already: set[tuple[str, str]] = set()
    for chunk in in_chunks(case_ids):
        stmt = select(CaseTransaction.case_id, CaseTransaction.transaction_id).where(
            CaseTransaction.case_id.in_(chunk)
        )
        already.update((r.case_id, r.transaction_id) for r in session.execute(stmt))
    linked: dict[str, list[str]] = {}
    rows = []
    for case_id in case_ids:
        new = [t for t in wanted[case_id] if (case_id, t) not in already and t in amounts]
        linked[case_id] = new
        case = per_case[case_id][0]
        case.total_amount_in_default_currency = (
            case.total_amount_in_default_currency or Decimal(0)
        ) + sum((amounts[t] for t in new), Decimal(0))
        rows += [
            {"case_id": case_id, "transaction_id": t, "tenant_id": tenant_id, "linked_at": now}
            for t in new
        ]
    if rows:
        session.connection().execute(insert(cast(Table, CaseTransaction.__table__)), rows)
    return linked


def update_checks(
    session: Session,
    per_case: dict[str, tuple[Case, list[Found]]],
    alerts: dict[str, list[dict[str, Any]]],
    now: datetime,
) -> dict[str, Check]:
    """Each case's TRANSACTION_RISK check holds its alerts as evidence: made with the
    first alerts, added to by later ones."""
    existing: dict[str, Check] = {}
    for check in session.scalars(
        select(Check)
        .where(
            Check.tenant_id == next(iter(per_case.values()))[0].tenant_id,
            Check.case_id.in_(list(per_case)),
            Check.type == CheckType.transaction_risk,
        )
        .order_by(Check.attempt)
    ):
        existing[check.case_id] = check  # the latest attempt wins
    for case_id, (case, _) in per_case.items():
        found = existing.get(case_id)
        if found is not None:
            check = found
        else:
            check = Check(
                id=new_id(),
                tenant_id=case.tenant_id,
                case_id=case_id,
                type=CheckType.transaction_risk,
                attempt=1,
                status=ProcessingStatus.completed,
                params={},
                evidence={"alerts": [], "alert_count": 0, "rules": {}},
                dataset_versions={},
                reasoning=[],
                document_ids=[],
                queued_at=now,
                started_at=now,
                delete_after=case.delete_after,
            )
            session.add(check)
        _assess(check, alerts[case_id], now)
        existing[case_id] = check
    return existing


def _assess(check: Check, new: list[dict[str, Any]], now: datetime) -> None:
    evidence = dict(check.evidence or {})
    listed = [
        {
            "id": a["id"],
            "rule_id": a["rule_id"],
            "rule_revision": a["rule_revision"],
            "transaction_ids": a["transaction_ids"],
            "score": a["score"],
            "reason": a["reason"],
            "occurred_at": a["occurred_at"].isoformat(),
        }
        for a in new
    ]
    alerts = [*evidence.get("alerts", []), *listed][-EVIDENCE_ALERTS:]
    rules: dict[str, Any] = dict(evidence.get("rules", {}))
    for a in new:
        entry = rules.get(a["rule_id"], {"alerts": 0, "max_score": 0.0})
        rules[a["rule_id"]] = {
            "alerts": entry["alerts"] + 1,
            "max_score": max(entry["max_score"], a["score"]),
            "revision": a["rule_revision"],
        }
    count = int(evidence.get("alert_count", 0)) + len(new)
    check.evidence = {"alerts": alerts, "alert_count": count, "rules": rules}
    check.risk_score = max(r["max_score"] for r in rules.values())
    # A rule hit is a reason to look, never a decision: a person works every alert.
    check.outcome = Outcome.pending
    check.title = f"{count} transaction-monitoring alert(s) from {len(rules)} rule(s)"
    check.reasoning = [f"{a['reason']} (score {a['score']:.2f})" for a in listed[-20:]]
    check.finished_at = now


def entry(
    actor: Principal,
    case: Case,
    items: list[Found],
    linked: list[str],
    rollup: dict[str, Any],
) -> audit.Entry:
    rules = sorted({f"{f.rule.name} r{f.rule.revision}" for f in items})
    return audit.Entry(
        actor=actor,
        action="case.alerts_added",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=f"{len(items)} alert(s) from {', '.join(rules)}"[:1000],
        after={
            "alerts": len(items),
            "rules": rules,
            "transactions": linked,
            "total_amount_in_default_currency": case.total_amount_in_default_currency,
            "priority": Priority(case.priority).name,
        }
        | rollup,
    )
