"""A problem's field is traced to where casework keeps the value."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from casework.reports.content import ReportContent, ReportTransaction
from casework.reports.origins import origin

CONTENT = ReportContent(
    transactions=[
        ReportTransaction(
            transaction_id="01a24f7d0b43f70d21e2d57b",
            reference="TX-9",
            occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
            amount=Decimal(5),
            currency="USD",
            direction="in",
        )
    ]
)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (None, None),
        (
            "settings.goaml.rentity_id",
            "the tenant's reporting settings (goaml.rentity_id; PUT /v1/settings/reporting)",
        ),
        ("report.prev_rejected_ref_number", "the report (its amendment or continuation)"),
        ("narrative", "the report draft, written by the analyst"),
        ("indicators[0]", "the report draft, written by the analyst"),
        ("subject", "the case's customer (customer_id)"),
        ("subject.person.last_name", "customer.last_name"),
        ("subject.person.residence", "customer.country"),
        ("subject.person.phone", "customer.input_details.phone"),
        ("subject.person.identifications[1].expiry_date", "customer.input_details.identifications"),
        ("subject.person.addresses[0].state", "customer.input_details.address"),
        ("subject.business.name", "customer.full_name"),
        ("subject.business.registration_number", "customer.input_details.registration_number"),
        ("subject.account_number", "customer.input_details.account_number"),
        ("parties", "the customer's input_details.directors or ownership"),
        (
            "parties[1].birth_date",
            "the customer's input_details.directors or ownership (a related person)",
        ),
        ("transactions", "the case's linked transactions (transaction_ids)"),
        ("transactions[0]", "transaction TX-9 (01a24f7d0b43f70d21e2d57b)"),
        (
            "transactions[0].amount_local",
            "transaction TX-9 (01a24f7d0b43f70d21e2d57b): "
            "amount_in_default_currency (or the FX rates of its day)",
        ),
        ("transactions[0].reference", "transaction TX-9 (01a24f7d0b43f70d21e2d57b): external_id"),
        ("transactions[5].amount", "the case's linked transactions"),
        ("something.else", None),
    ],
    ids=lambda value: str(value),
)
def test_origin(field: str | None, expected: str | None):
    assert origin(field, CONTENT) == expected
