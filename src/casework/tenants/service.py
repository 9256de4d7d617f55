from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.permissions import BUILTIN_ROLES
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.errors import Conflict, NotFound, ValidationFailed
from casework.infra.validation import currency_code, slug
from casework.models import Role, Tenant, TenantCounter
from casework.tenants import repository


def create_tenant(session: Session, *, slug_value: str, name: str, currency: str = "EUR") -> Tenant:
    try:
        slug(slug_value)
    except ValueError as exc:
        raise ValidationFailed.on("slug", str(exc)) from exc
    try:
        currency = currency_code(currency)
    except ValueError as exc:
        raise ValidationFailed.on("currency", str(exc)) from exc
    if not name.strip():
        raise ValidationFailed.on("name", "must not be empty")
    if repository.slug_taken(session, slug_value):
        raise Conflict(f"a tenant with slug {slug_value!r} exists")
    tenant = Tenant(slug=slug_value, name=name.strip(), default_currency=currency, settings={})
    session.add(tenant)
    session.flush()
    for role_slug, (role_name, permissions) in BUILTIN_ROLES.items():
        session.add(
            Role(
                tenant_id=tenant.id,
                slug=role_slug,
                name=role_name,
                permissions=sorted(permissions),
                is_builtin=True,
            )
        )
    session.add_all(TenantCounter(tenant_id=tenant.id, name=name, value=0) for name in COUNTERS)
    audit.start_chain(session, tenant_id=tenant.id)
    audit.record(
        session,
        actor=Principal.system(tenant.id),
        action="tenant.created",
        entity_type="tenant",
        entity_id=tenant.id,
        after={"slug": tenant.slug, "name": tenant.name, "default_currency": currency},
    )
    return tenant


def get_tenant_by_slug(session: Session, slug_value: str) -> Tenant:
    tenant = repository.by_slug(session, slug_value)
    if tenant is None:
        raise NotFound(f"no tenant with slug {slug_value!r}")
    return tenant


_NEXT = (
    update(TenantCounter)
    .where(
        TenantCounter.tenant_id == bindparam("tenant"), TenantCounter.name == bindparam("counter")
    )
    .values(value=TenantCounter.value + bindparam("count"))
    .returning(TenantCounter.value)
)


COUNTERS = (
    "case_number",
    "customer_number",
    "document_number",
    "check_number",
    "report_number",
)


def next_number(session: Session, *, tenant_id: str, name: str, count: int = 1) -> int:
    """Take the next value of a per-tenant counter (with ``count``, the last of the next
    ``count`` values).

    Where the database allows it (PostgreSQL) the increment commits at once, like a
    sequence: concurrent creates of one tenant do not queue behind each other's whole
    transaction, and a create that fails afterwards leaves a gap in the numbers. On
    SQLite the write lock already orders writers and the increment joins the session's
    transaction, as it does for a tenant created in that same transaction.
    """
    params = {"tenant": tenant_id, "counter": name, "count": count}
    database, value = Database.of(session), None
    with database.autocommit() if database else nullcontext(None) as connection:
        if connection is not None:
            value = connection.execute(_NEXT, params).scalar()
    if value is None:
        value = session.connection().execute(_NEXT, params).scalar()
    if value is None:
        raise NotFound(f"counter {name!r} missing for tenant")
    return int(value)
