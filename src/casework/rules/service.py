"""Rules and their revisions, the tenant's monitoring settings, and queueing newly
stored transactions for evaluation.

A rule's definition (title, description, severity, condition) is never changed in
place: an edit writes revision n+1 and moves the rule to it, so an alert, and the case
it opened, always name a revision that still says what it tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.audit.chain import jsonable
from casework.auth.principal import Principal
from casework.configs import repository as configs
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.infra.ids import new_id
from casework.infra.jobs import Job
from casework.models import (
    Alert,
    PendingEvaluation,
    Rule,
    RuleRevision,
    Tenant,
)
from casework.models.base import utcnow
from casework.models.enums import Priority
from casework.rules import conditions, repository
from casework.rules.schemas import MonitoringSettings, RuleCreate, RuleUpdate

EVALUATE = Job("rules.evaluate")
SETTING = "transaction_monitoring"


# Keys whose values are amounts or fractions: stored as decimal strings however they
# came (JSON 1000 and "1000" are one condition), counts stay integers.
_DECIMAL_KEYS = frozenset(
    {"at_least", "sum_at_least", "threshold", "below_by", "ratio", "multiple_of", "in_at_least"}
)


def _condition(data: dict[str, Any], field: str) -> dict[str, Any]:
    """The condition as stored: validated, with amounts as decimal strings."""
    conditions.parse(data, field=field)
    stored: dict[str, Any] = _decimal_strings(jsonable(data))
    return stored


def _decimal_strings(value: Any) -> Any:
    if isinstance(value, list):
        return [_decimal_strings(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        key: (
            str(item)
            if key in _DECIMAL_KEYS and isinstance(item, int | float) and not isinstance(item, bool)
            else _decimal_strings(item)
        )
        for key, item in value.items()
    }


def create_rule(
    session: Session, *, actor: Principal, data: RuleCreate
) -> tuple[Rule, RuleRevision]:
    condition = _condition(data.condition, "condition")
    if repository.name_taken(session, tenant_id=actor.tenant_id, name=data.name):
        raise _name_taken(data.name)
    now = utcnow()
    rule = Rule(
        id=new_id(),
        tenant_id=actor.tenant_id,
        name=data.name,
        revision=1,
        enabled=data.enabled,
        created_at=now,
        updated_at=now,
    )
    revision = RuleRevision(
        id=new_id(),
        tenant_id=actor.tenant_id,
        rule_id=rule.id,
        revision=1,
        title=data.title,
        description=data.description,
        severity=Priority[data.severity],
        condition=condition,
        created_by=actor.display_name,
        created_at=now,
    )
    session.add(rule)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise _name_taken(data.name) from None
    session.add(revision)
    audit.record(
        session,
        actor=actor,
        action="rule.created",
        entity_type="rule",
        entity_id=rule.id,
        message=f"Rule {rule.name} created",
        after=_snapshot(rule, revision),
    )
    return rule, revision


def _name_taken(name: str) -> Conflict:
    message = f"a rule named {name!r} already exists"
    return Conflict(message, errors=[FieldError("name", message)])


def _snapshot(rule: Rule, revision: RuleRevision) -> dict[str, Any]:
    return {
        "name": rule.name,
        "enabled": rule.enabled,
        "revision": revision.revision,
        "title": revision.title,
        "description": revision.description,
        "severity": Priority(revision.severity).name,
        "condition": revision.condition,
    }


def get_rule(session: Session, *, actor: Principal, rule_id: str) -> tuple[Rule, RuleRevision]:
    rule = repository.get(session, tenant_id=actor.tenant_id, rule_id=rule_id)
    return rule, _revision(session, rule.id, rule.revision)


def _revision(session: Session, rule_id: str, number: int) -> RuleRevision:
    found = repository.revision(session, rule_id=rule_id, number=number)
    if found is None:
        raise NotFound(f"revision {number} of rule {rule_id} not found")
    return found


def get_revision(
    session: Session, *, actor: Principal, rule_id: str, revision: int
) -> RuleRevision:
    rule, _ = get_rule(session, actor=actor, rule_id=rule_id)
    return _revision(session, rule.id, revision)


def list_revisions(session: Session, *, actor: Principal, rule_id: str) -> list[RuleRevision]:
    rule, _ = get_rule(session, actor=actor, rule_id=rule_id)
    return repository.revisions(session, rule_id=rule.id)


def list_rules(
    session: Session,
    *,
    actor: Principal,
    enabled: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[tuple[Rule, RuleRevision]], str | None]:
    rules, next_cursor = repository.page(
        session, tenant_id=actor.tenant_id, enabled=enabled, cursor=cursor, limit=limit
    )
    current = repository.current_revisions(session, rules)
    return [(r, current[r.id]) for r in rules], next_cursor


def update_rule(
    session: Session, *, actor: Principal, rule_id: str, data: RuleUpdate
) -> tuple[Rule, RuleRevision]:
    rule = repository.get(session, tenant_id=actor.tenant_id, rule_id=rule_id)
    session.refresh(rule, with_for_update=True)  # edits of one rule take turns
    current = _revision(session, rule.id, rule.revision)
    before = _snapshot(rule, current)
    changes = data.model_fields_set
    proposed = {
        "title": data.title if "title" in changes else current.title,
        "description": data.description if "description" in changes else current.description,
        "severity": Priority[data.severity] if data.severity else current.severity,
        "condition": (
            _condition(data.condition, "condition")
            if data.condition is not None
            else current.condition
        ),
    }
    now = utcnow()
    revised = any(getattr(current, k) != v for k, v in proposed.items())
    if revised:
        current = RuleRevision(
            id=new_id(),
            tenant_id=rule.tenant_id,
            rule_id=rule.id,
            revision=rule.revision + 1,
            created_by=actor.display_name,
            created_at=now,
            **proposed,
        )
        session.add(current)
        rule.revision = current.revision
    if data.enabled is not None:
        rule.enabled = data.enabled
    after = _snapshot(rule, current)
    if after == before:
        return rule, current
    rule.updated_at = now
    changed_before, changed_after = audit.changes(before, after)
    audit.record(
        session,
        actor=actor,
        action="rule.updated",
        entity_type="rule",
        entity_id=rule.id,
        message=(
            f"Rule {rule.name} revision {current.revision}"
            if revised
            else f"Rule {rule.name} {'enabled' if rule.enabled else 'disabled'}"
        ),
        before=changed_before,
        after=changed_after,
    )
    return rule, current


def list_alerts(
    session: Session,
    *,
    actor: Principal,
    rule_id: str | None,
    customer_id: str | None,
    case_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Alert], str | None]:
    """Newest first."""
    return repository.alert_page(
        session,
        tenant_id=actor.tenant_id,
        rule_id=rule_id,
        customer_id=customer_id,
        case_id=case_id,
        cursor=cursor,
        limit=limit,
    )


def get_alert(session: Session, *, actor: Principal, alert_id: str) -> Alert:
    return repository.get_alert(session, tenant_id=actor.tenant_id, alert_id=alert_id)


def settings_of(tenant: Tenant) -> MonitoringSettings:
    return MonitoringSettings.model_validate((tenant.settings or {}).get(SETTING, {}))


def get_settings(session: Session, *, tenant_id: str) -> MonitoringSettings:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return settings_of(tenant)


def set_settings(
    session: Session, *, actor: Principal, data: MonitoringSettings
) -> MonitoringSettings:
    if data.case_config is not None:
        found = configs.active_by_slug(session, tenant_id=actor.tenant_id, slug=data.case_config)
        if found is None:
            raise ValidationFailed.on("case_config", f"no active case config {data.case_config!r}")
    tenant = session.get(Tenant, actor.tenant_id, with_for_update=True)
    if tenant is None:
        raise NotFound(f"tenant {actor.tenant_id} not found")
    before = settings_of(tenant).model_dump()
    after = data.model_dump()
    if before == after:
        return data
    tenant.settings = {**(tenant.settings or {}), SETTING: after}
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.monitoring_settings_set",
        entity_type="tenant",
        entity_id=tenant.id,
        before=before,
        after=after,
    )
    return data


def queue_evaluation(session: Session, *, tenant_id: str, transaction_ids: list[str]) -> None:
    """Have newly stored transactions evaluated once this transaction commits, if the
    tenant has a rule to evaluate them against. The row is the durable promise; the
    job only hurries it."""
    if not transaction_ids:
        return
    if not repository.any_enabled(session, tenant_id=tenant_id):
        return
    pending = PendingEvaluation(
        id=new_id(), tenant_id=tenant_id, transaction_ids=transaction_ids, created_at=utcnow()
    )
    session.add(pending)
    EVALUATE.defer(session, pending_id=pending.id)
