"""What a rescreen's hits write: new matches on the customer's ongoing-monitoring case,
opened (linked to the case that enrolled the customer) when there is none."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.cases import service as cases
from casework.cases.schemas import CaseCreate
from casework.checks import service as checks
from casework.checks.rollup import update_case
from casework.checks.runners.screening import LABELS, TOPICS, Subject
from casework.infra.ids import new_id
from casework.models import Case, CaseConfig, Check, MonitoredCustomer
from casework.models.enums import CheckType, CreatedByType, ProcessingStatus
from casework.monitoring import repository
from casework.monitoring.ongoing import ACTOR, with_searched
from casework.monitoring.rescreen import Delta, Hit
from casework.processing.finish import announce
from casework.screening.scope import SearchedList
from casework.webhooks import jobs as webhooks


@dataclass(frozen=True)
class Recorded:
    case: Case | None  # None: every hit was already known
    opened: bool = False
    new_matches: int = 0


def record_hits(
    session: Session,
    *,
    monitored: MonitoredCustomer,
    hits: list[Hit],
    delta: Delta,
    now: datetime,
    searched: SearchedList | None = None,
) -> Recorded:
    """Put the hits nobody has seen yet on the customer's open ongoing case, opening one
    (linked to the case that enrolled the customer) when there is none. ``searched`` is
    the list version the hits come from, as the checks' evidence names it."""
    known = repository.known_entities(
        session, tenant_id=monitored.tenant_id, customer_id=monitored.customer_id
    )
    fresh: dict[CheckType, list[Hit]] = defaultdict(list)
    seen: set[tuple[CheckType, str, str, str]] = set()
    for hit in hits:
        ref = (hit.match.dataset, hit.match.entity_key)
        once = (hit.check_type, *ref, hit.match.subject)
        if ref not in known and once not in seen:
            seen.add(once)
            fresh[hit.check_type].append(hit)
    if not fresh:
        return Recorded(None)
    # Before the audit trail is touched (see webhooks.repository.active_endpoints).
    endpoints = webhooks.active_endpoints(session, tenant_id=monitored.tenant_id)
    actor = Principal.system(monitored.tenant_id, ACTOR)
    case = repository.open_ongoing_case(
        session, tenant_id=monitored.tenant_id, customer_id=monitored.customer_id
    )
    opened = case is None
    if case is None:
        case = _open_case(session, actor=actor, monitored=monitored, fresh=fresh, delta=delta)
    was = case.processing_status
    touched: list[Check] = []
    for check_type, group in sorted(fresh.items()):
        check = repository.latest_check(session, case_id=case.id, check_type=check_type)
        if check is None:
            check = _new_check(session, case, check_type, monitored, group, now)
        checks.append_matches(check, [h.match for h in group])
        check.dataset_versions = {**check.dataset_versions, delta.dataset: delta.version}
        if searched is not None:
            check.evidence = with_searched(check.evidence, searched)
        check.finished_at = now
        checks.reassess_screening(check)
        touched.append(check)
    rollup = update_case(session, case)
    count = sum(len(g) for g in fresh.values())
    audit.record(
        session,
        actor=actor,
        action="monitoring.hit",
        entity_type="case",
        entity_id=case.id,
        case_id=case.id,
        message=f"{count} new match(es) in {delta.dataset} version {delta.version}",
        after={
            "dataset": delta.dataset,
            "version": delta.version,
            "matches": [
                {"check": h.check_type, "entity": h.match.entity_ref, "score": h.match.score}
                for group in fresh.values()
                for h in group
            ],
            "related_case_id": case.related_case_id,
        }
        | rollup,
    )
    announce(session, case, was, touched, endpoints)
    return Recorded(case, opened=opened, new_matches=count)


def _open_case(
    session: Session,
    *,
    actor: Principal,
    monitored: MonitoredCustomer,
    fresh: dict[CheckType, list[Hit]],
    delta: Delta,
) -> Case:
    earlier = session.get(Case, monitored.case_id) if monitored.case_id else None
    names = sorted({h.match.caption for group in fresh.values() for h in group})
    kinds = ", ".join(LABELS[t] for t in sorted(fresh))
    data = CaseCreate.model_validate(
        {
            "title": f"Ongoing monitoring: new {kinds} match"[:300],
            "description": (
                f"Rescreening after {delta.dataset} version {delta.version} found "
                f"{', '.join(names)}"
                + (f"; the customer was screened on case {earlier.number}." if earlier else ".")
            )[:20_000],
            "customer_id": monitored.customer_id,
            "priority": "high" if CheckType.sanctions in fresh else "medium",
        }
    )
    case = cases.create_case(
        session,
        actor=actor,
        data=data,
        created_by_type=CreatedByType.by_ongoing_aml_hit,
        related_case_id=earlier.id if earlier else None,
    )
    if earlier is not None:  # the same outcome policy and module as the screening it continues
        case.config = session.get(CaseConfig, earlier.config_id) if earlier.config_id else None
        case.module, case.custom_module = earlier.module, earlier.custom_module
    return case


def _new_check(
    session: Session,
    case: Case,
    check_type: CheckType,
    monitored: MonitoredCustomer,
    hits: list[Hit],
    now: datetime,
) -> Check:
    screened = [f"{s.name} ({s.role})" for s in map(Subject.of_dict, monitored.subjects)]
    check = Check(
        id=new_id(),
        tenant_id=case.tenant_id,
        case_id=case.id,
        type=check_type,
        attempt=1,
        status=ProcessingStatus.completed,
        params={"threshold": hits[0].threshold},
        evidence={
            "screened": screened,
            "threshold": hits[0].threshold,
            "topics": sorted(TOPICS[check_type]),
            "monitoring": True,
        },
        dataset_versions={},
        reasoning=[],
        document_ids=[],
        queued_at=now,
        started_at=now,
        finished_at=now,
        delete_after=case.delete_after,
    )
    check.matches = []
    session.add(check)
    return check
