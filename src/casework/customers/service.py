from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from anyascii import anyascii
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.customers import repository
from casework.customers.schemas import CustomerCreate, CustomerUpdate
from casework.infra.errors import Conflict, ValidationFailed
from casework.models import Customer
from casework.models.base import utcnow
from casework.retention import service as retention

_FIELDS = (
    "customer_type",
    "external_id",
    "full_name",
    "first_name",
    "middle_name",
    "last_name",
    "birth_date",
    "country",
    "nationality",
    "email",
    "input_details",
    "delete_after",
)


def _latin(value: str | None) -> str | None:
    return None if value is None else anyascii(value).strip()


def snapshot(customer: Customer) -> dict[str, Any]:
    return {name: getattr(customer, name) for name in _FIELDS}


def _derive_names(customer: Customer) -> None:
    if not customer.full_name:
        parts = [customer.first_name, customer.middle_name, customer.last_name]
        customer.full_name = " ".join(p for p in parts if p)
    customer.full_name_en = _latin(customer.full_name) or ""
    customer.first_name_en = _latin(customer.first_name)
    customer.middle_name_en = _latin(customer.middle_name)
    customer.last_name_en = _latin(customer.last_name)


def _ensure_external_id_free(
    session: Session, tenant_id: str, external_id: str | None, own_id: str | None = None
) -> None:
    if external_id is None:
        return
    taken = repository.id_with_external_id(session, tenant_id=tenant_id, external_id=external_id)
    if taken and taken != own_id:
        raise Conflict(f"external_id {external_id!r} belongs to customer {taken}")


def new_customer(session: Session, *, tenant_id: str, data: CustomerCreate) -> Customer:
    """Add a customer without an audit event of its own (the caller records the write)."""
    _ensure_external_id_free(session, tenant_id, data.external_id)
    values = data.model_dump(exclude={"delete_after"})
    values["input_details"] = values["input_details"] or {}
    customer = Customer(
        tenant_id=tenant_id,
        delete_after=retention.tenant_deadline(
            session, tenant_id, data.delete_after, start=utcnow()
        ),
        **values,
    )
    _derive_names(customer)
    session.add(customer)
    session.flush()
    return customer


def create_customer(session: Session, *, actor: Principal, data: CustomerCreate) -> Customer:
    customer = new_customer(session, tenant_id=actor.tenant_id, data=data)
    audit.record(
        session,
        actor=actor,
        action="customer.created",
        entity_type="customer",
        entity_id=customer.id,
        after=snapshot(customer),
    )
    return customer


def get_customer(session: Session, *, actor: Principal, customer_id: str) -> Customer:
    return repository.get(session, tenant_id=actor.tenant_id, customer_id=customer_id)


def update_customer(
    session: Session, *, actor: Principal, customer_id: str, data: CustomerUpdate
) -> Customer:
    customer = get_customer(session, actor=actor, customer_id=customer_id)
    values = data.model_dump(exclude_unset=True)
    if "full_name" in values and values["full_name"] is None:
        raise ValidationFailed.on("full_name", "cannot be removed")
    if "external_id" in values:
        _ensure_external_id_free(session, actor.tenant_id, values["external_id"], customer.id)
    if "input_details" in values and values["input_details"] is None:
        values["input_details"] = {}
    before = snapshot(customer)
    if "delete_after" in values:  # the new period runs from now
        customer.delete_after = retention.tenant_deadline(
            session, actor.tenant_id, values.pop("delete_after"), start=utcnow()
        )
    for name, value in values.items():
        setattr(customer, name, value)
    _derive_names(customer)
    old, new = audit.changes(before, snapshot(customer))
    if new:
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="customer.updated",
            entity_type="customer",
            entity_id=customer.id,
            before=old,
            after=new,
        )
    return customer


def list_customers(
    session: Session,
    *,
    actor: Principal,
    q: str | None,
    external_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Customer], str | None]:
    return repository.page(
        session,
        tenant_id=actor.tenant_id,
        q=q,
        external_id=external_id,
        cursor=cursor,
        limit=limit,
    )
