"""Where a report field's value comes from in casework: the customer's record, one of the
case's transactions, the tenant's settings, or the analyst's own writing. A validation
problem names it, so that the gap is fixed where it starts and the next report is whole.
"""

from __future__ import annotations

import re

from casework.reports.content import ReportContent

_INDEXED = re.compile(r"^(?P<list>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<rest>.+))?$")
# Customer columns behind the subject's fields; the rest come from its input_details.
_PERSON = {
    "first_name": "customer.first_name",
    "middle_name": "customer.middle_name",
    "last_name": "customer.last_name",
    "birth_date": "customer.birth_date",
    "nationality": "customer.nationality",
    "residence": "customer.country",
    "email": "customer.email",
}
_BUSINESS = {"name": "customer.full_name", "email": "customer.email"}
_DETAILS = {"addresses": "address", "identifications": "identifications"}
# Transaction columns behind a report transaction's fields.
_TRANSACTION = {
    "reference": "external_id",
    "occurred_at": "occurred_at",
    "amount": "amount",
    "currency": "currency",
    "amount_local": "amount_in_default_currency (or the FX rates of its day)",
    "direction": "direction",
    "type": "type",
    "channel": "channel",
    "account_number": "metadata.account_number",
    "counterparty_name": "counterparty_name",
    "counterparty_account": "counterparty_account",
    "counterparty_bank": "counterparty_bank",
    "counterparty_country": "counterparty_country",
}
_WRITTEN = {
    "narrative",
    "action",
    "indicators",
    "activity_types",
    "activity_start",
    "activity_end",
    "local_currency",
}


def origin(field: str | None, content: ReportContent) -> str | None:
    """Where the value of report ``field`` is kept in casework, or None when unknown."""
    if not field:
        return None
    head, _, rest = field.partition(".")
    if head == "settings":
        return f"the tenant's reporting settings ({rest}; PUT /v1/settings/reporting)"
    if head == "report":
        return "the report (its amendment or continuation)"
    if head.split("[")[0] in _WRITTEN:
        return "the report draft, written by the analyst"
    if head == "subject":
        return _subject(rest)
    indexed = _INDEXED.match(field)
    if indexed and indexed["list"] == "transactions":
        return _transaction(int(indexed["index"]), indexed["rest"], content)
    if indexed and indexed["list"] == "parties":
        return "the customer's input_details.directors or ownership (a related person)"
    if head == "transactions":
        return "the case's linked transactions (transaction_ids)"
    if head == "parties":
        return "the customer's input_details.directors or ownership"
    return None


def _subject(rest: str) -> str:
    if not rest:
        return "the case's customer (customer_id)"
    kind, _, name = rest.partition(".")
    name = name.split("[")[0].split(".")[0]
    if kind == "account_number":
        return "customer.input_details.account_number"
    mapped = (_PERSON if kind == "person" else _BUSINESS).get(name)
    if mapped:
        return mapped
    return f"customer.input_details.{_DETAILS.get(name, name)}" if name else "the case's customer"


def _transaction(index: int, rest: str | None, content: ReportContent) -> str:
    if index >= len(content.transactions):
        return "the case's linked transactions"
    row = content.transactions[index]
    who = f"transaction {row.reference}" + (
        f" ({row.transaction_id})" if row.transaction_id else ""
    )
    if not rest:
        return who
    column = _TRANSACTION.get(rest.split(".")[0], rest)
    return f"{who}: {column}"
