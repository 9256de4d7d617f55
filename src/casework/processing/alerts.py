"""What rule hits write: alerts, gathered into one open case per group (see
``rules.grouping``), the case opened here when its group has none, then rolled up and
announced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import service as case_service
from casework.checks.rollup import update_cases
from casework.models import Case, CaseConfig
from casework.models.enums import CreatedByType, Priority
from casework.processing.finish import announce
from casework.rules import grouping
from casework.rules.engine import Found
from casework.rules.schemas import MonitoringSettings
from casework.webhooks import jobs as webhooks


@dataclass
class Recorded:
    alerts: int = 0
    opened: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def record(
    session: Session,
    *,
    tenant_id: str,
    found: Sequence[Found],
    amounts: dict[str, Decimal],
    settings: MonitoringSettings,
    now: datetime,
) -> Recorded:
    """Write ``found`` as alerts on their groups' open cases; ``amounts`` holds the
    default-currency amount of every transaction the hits name."""
    fresh = grouping.not_yet_recorded(session, found)
    if not fresh:
        return Recorded()
    groups: dict[str, list[Found]] = defaultdict(list)
    for item in fresh:
        groups[grouping.group_key(item, settings.group_by)].append(item)
    locked = grouping.lock_groups(session, tenant_id, sorted(groups), now)
    cases = grouping.lock_cases(session, sorted({g.case_id for g in locked.values() if g.case_id}))
    # Before the audit trail is touched (see webhooks.repository.active_endpoints).
    endpoints = webhooks.active_endpoints(session, tenant_id=tenant_id)
    actor = Principal.system(tenant_id, grouping.ACTOR)
    config = grouping.case_config(session, tenant_id, settings.case_config)
    result = Recorded(alerts=len(fresh))
    per_case: dict[str, tuple[Case, list[Found]]] = {}
    for key in sorted(groups):
        group, items = locked[key], groups[key]
        case = cases.get(group.case_id) if group.case_id else None
        if case is None or case.review_status in grouping.FINISHED:
            case = _open_case(session, actor, items, settings, config, now)
            group.case_id, group.updated_at = case.id, now
            result.opened.append(case.id)
        else:
            result.updated.append(case.id)
        held = per_case.setdefault(case.id, (case, []))
        held[1].extend(items)
    session.flush()
    was = {case_id: case.processing_status for case_id, (case, _) in per_case.items()}
    alerts = grouping.insert_alerts(session, tenant_id, per_case, now)
    linked = grouping.link_transactions(session, tenant_id, per_case, amounts, now)
    risk_checks = grouping.update_checks(session, per_case, alerts, now)
    rollups = update_cases(session, [case for case, _ in per_case.values()])
    entries = []
    for case_id, (case, items) in per_case.items():
        top = max(Priority(i.rule.severity) for i in items)
        if top > case.priority:
            case.priority = top
        case.updated_at = now
        entries.append(grouping.entry(actor, case, items, linked[case_id], rollups[case_id]))
    audit.record_many(session, entries)
    for case_id, (case, _) in per_case.items():
        announce(session, case, was[case_id], [risk_checks[case_id]], endpoints)
    return result


def _open_case(
    session: Session,
    actor: Principal,
    items: list[Found],
    settings: MonitoringSettings,
    config: CaseConfig | None,
    now: datetime,
) -> Case:
    data = grouping.case_request(session, items, settings, config, now)
    case = case_service.create_case(
        session, actor=actor, data=data, created_by_type=CreatedByType.by_rule
    )
    grouping.stamp(case, items, settings)
    return case
