"""Case configs: the blueprints cases are opened from (checklist, SLA, priority)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.configs import repository
from casework.configs.schemas import CaseConfigCreate, CaseConfigUpdate
from casework.infra.errors import Conflict, ValidationFailed
from casework.models import CaseConfig
from casework.models.enums import Module, Priority

_REQUIRED = ("slug", "name", "default_priority", "is_active")


def _snapshot(config: CaseConfig) -> dict[str, Any]:
    return {
        "slug": config.slug,
        "name": config.name,
        "module": config.module,
        "custom_module": config.custom_module,
        "default_priority": Priority(config.default_priority).name,
        "checklist": list(config.checklist),
        "sla_hours": config.sla_hours,
        "is_active": config.is_active,
        "checks": list(config.checks),
        "outcome_policy": dict(config.outcome_policy),
        "approvals": dict(config.approvals) if config.approvals is not None else None,
        "monitoring": config.monitoring,
        "kyc_config_id": config.kyc_config_id,
    }


_SCREENING = {"SANCTIONS", "PEP", "ADVERSE_MEDIA"}


def _kyc_config(session: Session, tenant_id: str, slug: str, own_id: str | None) -> CaseConfig:
    config = repository.by_slug(session, tenant_id=tenant_id, slug=slug)
    if config is None or config.id == own_id:
        raise ValidationFailed.on("kyc_config", f"no other case config {slug!r}")
    if config.kyc_config_id is not None:
        raise ValidationFailed.on("kyc_config", "must not itself be a dual config")
    return config


def _checks_json(checks: Sequence[Any]) -> list[dict[str, Any]]:
    return [c.model_dump(mode="json", exclude_none=True) for c in checks]


def _ensure_slug_free(
    session: Session, tenant_id: str, slug: str, own_id: str | None = None
) -> None:
    taken = repository.id_with_slug(session, tenant_id=tenant_id, slug=slug)
    if taken and taken != own_id:
        raise Conflict(f"a case config with slug {slug!r} exists")


def create_config(session: Session, *, actor: Principal, data: CaseConfigCreate) -> CaseConfig:
    _ensure_slug_free(session, actor.tenant_id, data.slug)
    config = CaseConfig(
        tenant_id=actor.tenant_id,
        slug=data.slug,
        name=data.name,
        module=data.module,
        custom_module=data.custom_module,
        default_priority=Priority[data.default_priority],
        checklist=list(data.checklist),
        sla_hours=data.sla_hours,
        is_active=True,
        checks=_checks_json(data.checks),
        outcome_policy=data.outcome_policy.model_dump(),
        approvals=data.approvals.model_dump(mode="json") if data.approvals else None,
        monitoring=(
            data.monitoring
            if data.monitoring is not None
            else any(c.type.value in _SCREENING for c in data.checks)
        ),
        kyc_config=(
            _kyc_config(session, actor.tenant_id, data.kyc_config, None)
            if data.kyc_config
            else None
        ),
    )
    return audit.record_created(
        session, config, actor=actor, entity_type="case_config", after=_snapshot
    )


def get_config(session: Session, *, actor: Principal, config_id: str) -> CaseConfig:
    return repository.get(session, tenant_id=actor.tenant_id, config_id=config_id)


def update_config(
    session: Session, *, actor: Principal, config_id: str, data: CaseConfigUpdate
) -> CaseConfig:
    config = get_config(session, actor=actor, config_id=config_id)
    values = data.model_dump(exclude_unset=True)
    for name in _REQUIRED:
        if name in values and values[name] is None:
            raise ValidationFailed.on(name, "cannot be removed")
    if "slug" in values:
        _ensure_slug_free(session, actor.tenant_id, values["slug"], config.id)
    before = _snapshot(config)
    if "module" in values or "custom_module" in values:
        config.module = values.get("module")
        config.custom_module = values.get("custom_module")
    if "default_priority" in values:
        config.default_priority = Priority[values["default_priority"]]
    if "checklist" in values:
        config.checklist = list(values["checklist"] or [])
    for name in ("slug", "name", "sla_hours", "is_active"):
        if name in values:
            setattr(config, name, values[name])
    if data.checks is not None:
        config.checks = _checks_json(data.checks)
    if data.outcome_policy is not None:
        config.outcome_policy = data.outcome_policy.model_dump()
    if "approvals" in values:
        config.approvals = data.approvals.model_dump(mode="json") if data.approvals else None
    if "monitoring" in values:
        if values["monitoring"] is None:
            raise ValidationFailed.on("monitoring", "cannot be removed")
        config.monitoring = values["monitoring"]
    if "kyc_config" in values:
        slug = values["kyc_config"]
        config.kyc_config = _kyc_config(session, actor.tenant_id, slug, config.id) if slug else None
    old, new = audit.changes(before, _snapshot(config))
    if new:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="case_config.updated",
            entity_type="case_config",
            entity_id=config.id,
            before=old,
            after=new,
        )
    return config


def list_configs(
    session: Session,
    *,
    actor: Principal,
    is_active: bool | None,
    module: Module | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[CaseConfig], str | None]:
    return repository.page(
        session,
        tenant_id=actor.tenant_id,
        is_active=is_active,
        module=module,
        cursor=cursor,
        limit=limit,
    )
