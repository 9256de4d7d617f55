"""The country-risk table as one tenant sees it: the shipped lists and its own overrides.

Overrides live in the tenant's settings (``country_risk_overrides``): a short list a
compliance team edits through ``/v1/country-risk/overrides``.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.checks.country_risk import CountryRiskView, Override, load_table, with_overrides
from casework.infra.errors import NotFound
from casework.models import Tenant

SETTING = "country_risk_overrides"
_OVERRIDES = TypeAdapter(list[Override])


def overrides_of(tenant: Tenant) -> list[Override]:
    return _OVERRIDES.validate_python((tenant.settings or {}).get(SETTING, []))


def tenant_of(session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return tenant


def tenant_country_risk(session: Session, tenant_id: str) -> CountryRiskView:
    return with_overrides(load_table(), overrides_of(tenant_of(session, tenant_id)))


def replace_overrides(
    session: Session, *, actor: Principal, overrides: list[Override]
) -> list[Override]:
    tenant = session.get(Tenant, actor.tenant_id, with_for_update=True)
    if tenant is None:
        raise NotFound(f"tenant {actor.tenant_id} not found")
    before = [o.model_dump(mode="json") for o in overrides_of(tenant)]
    after: list[dict[str, Any]] = [o.model_dump(mode="json") for o in overrides]
    if before == after:
        return overrides
    tenant.settings = {**(tenant.settings or {}), SETTING: after}
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="country_risk.overrides_replaced",
        entity_type="tenant",
        entity_id=tenant.id,
        message=f"{len(after)} country-risk override(s)",
        before={"overrides": before},
        after={"overrides": after},
    )
    return overrides
