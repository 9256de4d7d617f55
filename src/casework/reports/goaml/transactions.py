"""The transactions of a goAML report, each with the client's side and the
counterparty's.

Where the schema leaves a choice: a transaction in another currency than the local one
also gives its own currency, amount and the rate between them (``*_foreign_currency``) on
both sides.
"""

from __future__ import annotations

from lxml import etree

from casework.reports.content import ReportTransaction
from casework.reports.goaml.codes import REQUIRED, UNKNOWN, funds_code, transmode
from casework.reports.goaml.elements import _COMMENTS, _cap
from casework.reports.goaml.parties import _Parties
from casework.reports.goaml.sources import _At
from casework.reports.goaml.values import rate_text
from casework.reports.xml import Writer


class _Transactions(_Parties):
    """Writes the transactions of a draft."""

    def _transactions(self) -> None:
        for index, transaction in enumerate(self.content.transactions):
            self._transaction(index, transaction)
        if self.content.transactions:
            return
        message = (
            f"The report lists no transactions; a goAML {self.meta.report_code} "
            "must list at least one."
        )
        self._placeholder(self.root, "transaction", message, "transactions", REQUIRED)
        # The customer's own gaps are told now too, where its first transaction will hold them.
        report, self.w = self.w, Writer("transaction")
        try:
            self._client(self.w.add(self.w.root, "t_from_my_client"), "from")
        finally:
            self.w = report

    def _transaction(self, index: int, t: ReportTransaction) -> None:
        at = _At(f"transactions[{index}]", f"transaction {index + 1} ({t.reference})")
        element = self.w.add(self.root, "transaction")
        self.w.source(element, at.source)
        self._text(
            element, "transactionnumber", t.reference, at, "reference", "reference", limit=100
        )
        self._text(
            element,
            "internal_ref_number",
            t.transaction_id,
            at,
            "transaction_id",
            "casework id",
            required=False,
            limit=100,
        )
        # Casework does not know where a transaction took place; the element may be empty.
        self.w.add(element, "transaction_location", "")
        self._text(
            element,
            "transaction_description",
            _description(t),
            at,
            "description",
            "description",
            required=False,
            limit=_COMMENTS,
        )
        self._date(element, "date_transaction", t.occurred_at, at, "occurred_at", "date")
        self._conduct(element, t, at)
        self._amount_local(element, t, at)
        funds = funds_code(t.type, t.channel)
        if t.direction == "out":
            self._side(element, "t_from_my_client", "from", funds, t, at)
            self._side(element, "t_to", "to", funds, t, at)
        else:
            self._side(element, "t_from", "from", funds, t, at)
            self._side(element, "t_to_my_client", "to", funds, t, at)

    def _conduct(self, element: etree._Element, t: ReportTransaction, at: _At) -> None:
        mode_source = at.field("channel" if t.channel else "type")
        self._code(
            element, "transmode_code", transmode(t.channel, t.type, t.direction), mode_source
        )
        self._code(element, "transmode_comment", UNKNOWN, mode_source)

    def _amount_local(self, parent: etree._Element, t: ReportTransaction, at: _At) -> None:
        if t.amount_local is not None:
            self._amount(parent, "amount_local", t.amount_local, at, "amount_local", "amount")
        elif t.currency == self.local:
            self._amount(parent, "amount_local", t.amount, at, "amount", "amount")
        else:
            field = at.field("amount_local")
            element = self.w.add(parent, "amount_local", "", source=field)
            currency = self.local or "the local currency"
            message = (
                f"{_cap(at.label(f'amount in {currency}'))} is missing: "
                f"the transaction is in {t.currency}."
            )
            self._problem(element, message, field, REQUIRED)

    def _side(
        self,
        transaction: etree._Element,
        tag: str,
        prefix: str,
        funds: str,
        t: ReportTransaction,
        at: _At,
    ) -> None:
        mine = tag.endswith("_my_client")
        side = self.w.add(transaction, tag)
        self.w.source(side, at.source)
        self._code(side, f"{prefix}_funds_code", funds, at.field("type"))
        if mine:
            self._account_comment(side, prefix, t, at)
        self._foreign(side, prefix, t, at)
        if mine:
            self._client(side, prefix)
            self._client_country(side, f"{prefix}_country")
        else:
            self._counterparty(side, prefix, t, at)
            self._country(
                side,
                f"{prefix}_country",
                t.counterparty_country,
                at,
                "counterparty_country",
                "counterparty country",
                unknown=True,
            )

    def _account_comment(
        self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At
    ) -> None:
        subject = self.content.subject
        if t.account_number is not None:
            number, source = t.account_number, at.field("account_number")
        elif subject is not None and subject.account_number is not None:
            number, source = subject.account_number, "subject.account_number"
        else:
            return
        text = (
            f"Debited from account {number}"
            if prefix == "from"
            else f"Credited to account {number}"
        )
        self.w.add(side, f"{prefix}_funds_comment", text, source=source)

    def _foreign(self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At) -> None:
        if self.local is None or t.currency == self.local:
            return
        element = self.w.add(side, f"{prefix}_foreign_currency")
        self.w.source(element, at.field("currency"))
        self._code(element, "foreign_currency_code", t.currency, at.field("currency"))
        self._amount(element, "foreign_amount", t.amount, at, "amount", "amount")
        if t.amount_local is not None:
            rate = rate_text(t.amount_local, t.amount)
            self._code(element, "foreign_exchange_rate", rate, at.field("amount_local"))


def _description(t: ReportTransaction) -> str:
    if t.description:
        return t.description
    if t.type and t.channel:
        return f"{t.type} ({t.channel})"
    return t.type or t.channel or ""
