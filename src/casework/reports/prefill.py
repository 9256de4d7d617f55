"""A report's first draft, filled from the case: its customer (person or business), the
related people a business names (directors, owners), the linked transactions with
their amounts in the report's local currency, and the activity period they span.

Customer details beyond the core fields are read from the customer's ``input_details``
where onboarding put them: ``address`` or ``addresses``, ``identifications`` (type,
number, issuing_country, issue_date, expiry_date), ``phone``, ``occupation``, ``gender``,
``account_number``, and for a business ``registration_number``, ``legal_form``,
``tax_number``, ``incorporation_country``, ``incorporation_date``, ``business_activity``,
``url``, ``directors`` and ``ownership``. What is missing or malformed there is left out,
and validation names it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from casework.fx.service import MissingRate, RateTable
from casework.models import Customer, Transaction
from casework.models.enums import CustomerType
from casework.reports.content import (
    XML_ILLEGAL,
    Address,
    Business,
    Identification,
    Person,
    ReportContent,
    ReportTransaction,
    Subject,
)

M = TypeVar("M", bound=BaseModel)


def content(
    customer: Customer | None,
    transactions: Sequence[Transaction],
    *,
    local_currency: str,
    default_currency: str,
    rates: RateTable,
) -> ReportContent:
    rows = sorted(transactions, key=lambda t: (t.occurred_at, t.id))
    details = customer.input_details if customer is not None else {}
    return ReportContent(
        subject=_subject(customer, details) if customer is not None else None,
        parties=_parties(customer, details) if customer is not None else [],
        transactions=[
            _transaction(t, local_currency, default_currency, rates, details) for t in rows
        ],
        local_currency=local_currency,
        activity_start=rows[0].occurred_at.date() if rows else None,
        activity_end=rows[-1].occurred_at.date() if rows else None,
    )


def rates_for(transactions: Sequence[Transaction], local_currency: str) -> tuple[set[str], date]:
    """The currencies and the last day a conversion of these transactions needs."""
    currencies = {t.currency for t in transactions} | {local_currency}
    last = max((t.occurred_at.date() for t in transactions), default=date.today())
    return currencies, last


def _subject(customer: Customer, details: dict[str, Any]) -> Subject:
    account = _text(details.get("account_number"))
    if customer.customer_type is CustomerType.business:
        return Subject(
            kind="business",
            customer_id=customer.id,
            business=_business(customer, details),
            account_number=account,
        )
    return Subject(
        kind="person",
        customer_id=customer.id,
        person=_customer_person(customer, details),
        account_number=account,
    )


def _customer_person(customer: Customer, details: dict[str, Any]) -> Person:
    first, middle, last = _latin(customer.first_name, customer.first_name_en), None, None
    middle = _latin(customer.middle_name, customer.middle_name_en)
    last = _latin(customer.last_name, customer.last_name_en)
    if first is None and last is None:
        first, last = _split(_latin(customer.full_name, customer.full_name_en))
    return _valid(
        Person,
        {
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "birth_date": _full_date(customer.birth_date),
            "gender": details.get("gender") if details.get("gender") in ("M", "F") else None,
            "nationality": customer.nationality,
            "residence": customer.country,
            "occupation": _text(details.get("occupation")),
            "email": customer.email,
            "phone": _text(details.get("phone")),
            "addresses": _addresses(details, customer.country),
            "identifications": _identifications(details),
        },
    )


def _business(customer: Customer, details: dict[str, Any]) -> Business:
    return _valid(
        Business,
        {
            "name": _latin(customer.full_name, customer.full_name_en),
            "legal_form": _text(details.get("legal_form")),
            "registration_number": _text(details.get("registration_number")),
            "incorporation_country": details.get("incorporation_country") or customer.country,
            "incorporation_date": _full_date(details.get("incorporation_date")),
            "tax_number": _text(details.get("tax_number")),
            "business_activity": _text(details.get("business_activity")),
            "email": customer.email,
            "phone": _text(details.get("phone")),
            "url": _text(details.get("url")),
            "addresses": _addresses(details, customer.country),
        },
    )


def _parties(customer: Customer, details: dict[str, Any]) -> list[Person]:
    if customer.customer_type is not CustomerType.business:
        return []
    people: dict[str, Person] = {}
    for director in _dicts(details.get("directors")):
        name = _text(director.get("name"))
        if name:
            people.setdefault(name, _party(director, name, "director"))
    ownership = details.get("ownership")
    if isinstance(ownership, dict):
        for entity in _dicts(ownership.get("entities")):
            name = _text(entity.get("name"))
            if entity.get("type") == "person" and name:
                people.setdefault(name, _party(entity, name, "owner"))
    return list(people.values())


def _party(data: dict[str, Any], name: str, role: str) -> Person:
    first, last = _split(name)
    country = data.get("country")
    return _valid(
        Person,
        {
            "role": role,
            "first_name": first,
            "last_name": last,
            "birth_date": _full_date(data.get("birth_date")),
            "nationality": data.get("nationality") or country,
            "residence": country,
            "addresses": _addresses(data, None),
            "identifications": _identifications(data),
        },
    )


def _transaction(
    row: Transaction,
    local_currency: str,
    default_currency: str,
    rates: RateTable,
    details: dict[str, Any],
) -> ReportTransaction:
    return ReportTransaction(
        transaction_id=row.id,
        reference=_text(row.external_id, 200) or row.id,
        occurred_at=row.occurred_at,
        amount=row.amount,
        currency=row.currency,
        amount_local=_local_amount(row, local_currency, default_currency, rates),
        direction="in" if row.direction.value == "in" else "out",
        type=_text(row.type, 60),
        channel=_text(row.channel, 60),
        account_number=_text(row.metadata_.get("account_number"))
        or _text(details.get("account_number")),
        counterparty_name=_text(row.counterparty_name),
        counterparty_account=_text(row.counterparty_account, 50),
        counterparty_bank=_text(row.counterparty_bank),
        counterparty_country=row.counterparty_country,
    )


def _local_amount(
    row: Transaction, local_currency: str, default_currency: str, rates: RateTable
) -> Decimal | None:
    if row.currency == local_currency:
        return row.amount
    if local_currency == default_currency:
        return row.amount_in_default_currency
    try:
        return rates.convert(
            row.amount, row.currency, local_currency, row.occurred_at.date()
        ).amount
    except MissingRate:
        return None  # validation names the amount; importing the rates fills it


def _addresses(details: dict[str, Any], country: str | None) -> list[dict[str, Any]]:
    found = [*_dicts([details.get("address")]), *_dicts(details.get("addresses"))]
    out = []
    for raw in found[:10]:
        fields = {k: raw.get(k) for k in ("street", "city", "postal_code", "state", "country")}
        fields["country"] = fields["country"] or country
        address = _maybe(Address, fields)
        if address is not None:
            out.append(address.model_dump())
    return out


def _identifications(details: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for raw in _dicts(details.get("identifications") or details.get("identifiers"))[:10]:
        keys = ("type", "number", "issuing_country", "issue_date", "expiry_date")
        found = _maybe(Identification, {k: raw.get(k) for k in keys})
        if found is not None:
            out.append(found.model_dump())
    return out


def _valid(model: type[M], fields: dict[str, Any]) -> M:
    """``model`` of ``fields``, leaving out each field onboarding wrote in a form the
    report cannot use (validation then names it as missing)."""
    try:
        return model.model_validate(fields)
    except ValidationError as exc:
        bad = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
        kept = {k: v for k, v in fields.items() if k not in bad}
        return model.model_validate(kept)


def _maybe(model: type[M], fields: dict[str, Any]) -> M | None:
    try:
        return model.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError:
        return None


def _dicts(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, Iterable) or isinstance(value, (str, bytes, dict)):
        return []
    return [item for item in value if isinstance(item, dict)]


def _text(value: Any, limit: int = 255) -> str | None:
    if not isinstance(value, str):
        return None
    # Without the control characters XML cannot carry, which ingestion let through.
    cleaned = XML_ILLEGAL.sub(" ", value).strip()
    return cleaned[:limit] or None


def _latin(original: str | None, latin: str | None) -> str | None:
    """The name as written when it is Latin already, else its transliteration: the
    report formats accept Latin letters only."""
    if original and original.isascii():
        return original
    return latin or original or None


def _split(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    parts = name.split()
    if len(parts) == 1:
        return None, parts[0]
    return " ".join(parts[:-1]), parts[-1]


def _full_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
