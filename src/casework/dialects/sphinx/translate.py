"""Sphinx's integer ids to casework's, and Sphinx bodies to the native requests."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.orm import Session

from casework.cases.schemas import CaseCreate
from casework.checks.country_risk import normalise_country
from casework.configs import repository as configs
from casework.customers import repository as customers
from casework.customers.schemas import CustomerCreate
from casework.dialects.sphinx.errors import sphinx_path
from casework.dialects.sphinx.schemas import CaseIn, CustomerIn
from casework.documents import repository as documents
from casework.infra.errors import FieldError, NotFound, ValidationFailed
from casework.models import Customer, Document
from casework.tenants import numbering

T = TypeVar("T")
_TITLE_LENGTH = 300


def invalid_pk(value: int) -> str:
    return f'Invalid pk "{value}" - object does not exist.'


def customer_by_number(session: Session, *, tenant_id: str, number: int) -> Customer:
    customer = (
        customers.by_number(session, tenant_id=tenant_id, number=number)
        if numbering.in_range(number)
        else None
    )
    if customer is None:
        raise NotFound(f"customer {number} not found")
    return customer


def document_by_number(session: Session, *, tenant_id: str, number: int) -> Document:
    document = (
        documents.by_number(session, tenant_id=tenant_id, number=number)
        if numbering.in_range(number)
        else None
    )
    if document is None:
        raise NotFound(f"document {number} not found")
    return document


def _customer_field(session: Session, tenant_id: str, number: int, field: str) -> Customer:
    try:
        return customer_by_number(session, tenant_id=tenant_id, number=number)
    except NotFound:
        raise ValidationFailed.on(field, invalid_pk(number)) from None


def customer_id_of(session: Session, *, tenant_id: str, number: int | None) -> str | None:
    """The casework id of customer ``number`` (a request field named customer_id)."""
    if number is None:
        return None
    return _customer_field(session, tenant_id, number, "customer_id").id


def _document_ids(
    session: Session, tenant_id: str, lists: dict[str, list[int]]
) -> dict[str, list[str]]:
    """For each field, its document numbers as casework ids; all unknown ones refused."""
    wanted = {n for numbers in lists.values() for n in numbers if numbering.in_range(n)}
    found = documents.ids_by_number(session, tenant_id=tenant_id, numbers=wanted)
    errors = [
        FieldError(f"{field}[{index}]", invalid_pk(number))
        for field, numbers in lists.items()
        for index, number in enumerate(numbers)
        if number not in found
    ]
    if errors:
        raise ValidationFailed(errors[0].message, errors=errors)
    return {field: [found[n] for n in numbers] for field, numbers in lists.items()}


def customer_numbers(session: Session, ids: Collection[str]) -> dict[str, int]:
    """The integer id of each customer in ``ids``."""
    return customers.numbers(session, ids)


def native(build: Callable[[], T]) -> T:
    """Build a native request; whatever it refuses is reported under Sphinx's names."""
    try:
        return build()
    except ValidationError as exc:
        errors: list[dict[str, Any]] = [
            {**err, "loc": ("body", *sphinx_path(tuple(err["loc"])))} for err in exc.errors()
        ]
        raise RequestValidationError(errors) from None


def customer_fields(body: CustomerIn) -> dict[str, Any]:
    """The native fields of a Sphinx customer. Sphinx has no country field: integrations
    pass the country in ``input_details.country``, which becomes the customer's country
    when it is an ISO 3166-1 code (alpha-3, alpha-2 or numeric) and ``country`` is not
    given. Any other value stays in ``input_details`` for the checks to report."""
    data = body.model_dump(exclude_unset=True)
    given = (body.input_details or {}).get("country")
    if "country" not in data and isinstance(given, str):
        code = normalise_country(given)
        if code is not None:
            data["country"] = code
    return data


def customer_create(body: CustomerIn) -> CustomerCreate:
    return native(lambda: CustomerCreate.model_validate(customer_fields(body)))


def _config_name(session: Session, tenant_id: str, slug: str) -> str | None:
    config = configs.active_by_slug(session, tenant_id=tenant_id, slug=slug)
    return config.name if config is not None else None


def title(customer_name: str, what: str | None) -> str:
    """Sphinx cases have no title: the customer and what is checked stand for one."""
    text = f"{customer_name} ({what})" if what else customer_name
    return text[:_TITLE_LENGTH]


def case_create(session: Session, *, tenant_id: str, body: CaseIn) -> CaseCreate:
    customer_name = body.customer.full_name if body.customer else ""
    customer_id: str | None = None
    if body.customer_id is not None:
        customer = _customer_field(session, tenant_id, body.customer_id, "customer_id")
        customer_id, customer_name = customer.id, customer.full_name
    lists = {"document_ids": body.document_ids} | {
        f"checks[{i}].document_ids": check.document_ids for i, check in enumerate(body.checks or [])
    }
    ids = _document_ids(session, tenant_id, lists)
    what: str | None = None
    if body.case_config is not None:
        what = _config_name(session, tenant_id, body.case_config) or body.case_config
    elif body.checks:
        what = ", ".join(c.check_type.value for c in body.checks)
    data: dict[str, Any] = {
        "title": title(customer_name, what),
        "customer_id": customer_id,
        "customer": customer_fields(body.customer) if body.customer else None,
        "webhook_url": body.webhook_url,
        "attachments": ids["document_ids"],
        "config": body.case_config,
        "notes": body.notes,
        "rfi": body.rfi,
        "auto_start": body.auto_start,
        "delete_after": body.delete_after,
    }
    if body.checks is not None:
        data["checks"] = [
            {
                "type": check.check_type,
                "input_details": check.input_details,
                "document_ids": ids[f"checks[{i}].document_ids"],
                "delete_after": check.delete_after,
            }
            for i, check in enumerate(body.checks)
        ]
    return native(lambda: CaseCreate.model_validate(data))
