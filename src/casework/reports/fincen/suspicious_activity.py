"""The suspicious activity: the amount involved, its dates and its types, and the
narrative in FinCEN's blocks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from lxml import etree

from casework.reports.fincen.codes import NARRATIVE_BLOCK, NARRATIVE_MAX, activity_category
from casework.reports.fincen.values import XML_UNSAFE, whole_dollars, yyyymmdd
from casework.reports.fincen.writing import Writing, fc2


def _narrative_blocks(text: str) -> list[str]:
    """``text`` in blocks of at most NARRATIVE_BLOCK characters that join back to it. A cut
    falls inside a word, so that no block starts or ends with a space."""
    blocks: list[str] = []
    start = 0
    while len(text) - start > NARRATIVE_BLOCK:
        cut = start + NARRATIVE_BLOCK
        while cut > start + 1 and (text[cut - 1].isspace() or text[cut].isspace()):
            cut -= 1
        if cut == start + 1:
            cut = start + NARRATIVE_BLOCK
        blocks.append(text[start:cut])
        start = cut
    blocks.append(text[start:])
    return blocks


class SuspiciousActivity(Writing):
    """SuspiciousActivity and the narrative, from the draft."""

    # -- the activity itself -------------------------------------------------------------

    def _suspicious_activity(self, activity: etree._Element) -> int | None:
        """SuspiciousActivity; returns the amount involved in whole dollars, if known."""
        element = self._record(activity, "SuspiciousActivity", source="activity_types")
        known = [amount for amount in self._usd_amounts(element) if amount is not None]
        total = whole_dollars(sum(known, Decimal(0))) if known else None
        if total is None:
            self._flag(element, "AmountUnknownIndicator", "transactions")
        self._dates(element)
        if total is not None:
            self.writer.add(
                element, fc2("TotalSuspiciousAmountText"), str(total), source="transactions"
            )
        self._classifications(element)
        return total

    def _usd_amounts(self, element: etree._Element) -> Iterator[Decimal | None]:
        """Each transaction's amount in US dollars, None where the draft has none."""
        local = self.content.local_currency
        dollars = local in (None, "USD")
        if not dollars:
            # amount_local is then in another currency: only US dollar transactions count.
            self._missing(
                element,
                "TotalSuspiciousAmountText",
                f"The report's local amounts are in {local}; FinCEN takes US dollars",
                "local_currency",
                "currency USD",
            )
        for index, transaction in enumerate(self.content.transactions):
            if dollars and transaction.amount_local is not None:
                yield transaction.amount_local
            elif transaction.currency == "USD":
                yield transaction.amount
            elif not dollars:
                yield None
            else:
                self._missing(
                    element,
                    "TotalSuspiciousAmountText",
                    f"Transaction {transaction.reference} is in {transaction.currency} and has "
                    "no US dollar amount, so the amount involved would leave it out",
                    f"transactions[{index}].amount_local",
                )
                yield None

    def _dates(self, element: etree._Element) -> None:
        days = [transaction.occurred_at.date() for transaction in self.content.transactions]
        start, start_field = self.content.activity_start, "activity_start"
        if start is None and days:
            start, start_field = min(days), "transactions"
        end, end_field = self.content.activity_end, "activity_end"
        if end is None and days:
            end, end_field = max(days), "transactions"
        # Always written, so that a missing date is the schema's error on this element too.
        self.writer.add(
            element,
            fc2("SuspiciousActivityFromDateText"),
            yyyymmdd(start) if start else "",
            source=start_field,
        )
        if start is None:
            self._missing(
                element,
                "SuspiciousActivityFromDateText",
                "The report has no activity start date and no transactions to take it from",
                "activity_start",
            )
        if end is not None:
            self.writer.add(
                element, fc2("SuspiciousActivityToDateText"), yyyymmdd(end), source=end_field
            )
        if start is not None and end is not None and end < start:
            self._missing(
                element,
                "SuspiciousActivityToDateText",
                "The activity ends before it starts",
                "activity_end",
                "not before the start date",
            )

    def _classifications(self, element: etree._Element) -> None:
        if not self.content.activity_types:
            self._missing(
                element,
                "SuspiciousActivityClassification",
                "The report has no suspicious activity type; choose at least one",
                "activity_types",
            )
            return
        written: set[str] = set()
        for index, code in enumerate(self.content.activity_types):
            if code in written:  # each subtype once per activity, as the schema demands
                continue
            written.add(code)
            self._classification_of(element, code, f"activity_types[{index}]")

    def _classification_of(self, element: etree._Element, code: str, field: str) -> None:
        classification = self._record(element, "SuspiciousActivityClassification", source=field)
        category = activity_category(code)
        if category is not None and int(code) % 1000 == 999:
            # FinCEN needs a description of an "other" activity, which a draft cannot hold.
            self._missing(
                classification,
                "OtherSuspiciousActivityTypeText",
                f"Activity type {code} is FinCEN's 'other' type, which needs a description "
                "casework cannot send; choose a specific type and describe it in the narrative",
                field,
            )
        subtype = self.writer.add(
            classification, fc2("SuspiciousActivitySubtypeID"), code, source=field
        )
        if category is None:
            self._missing(
                subtype,
                None,
                f"{code!r} is not a FinCEN suspicious activity type (SuspiciousActivitySubtypeID)",
                field,
                "enumeration",
            )
            return
        self.writer.add(
            classification, fc2("SuspiciousActivityTypeID"), str(category), source=field
        )

    def _narrative(self, activity: etree._Element) -> None:
        text = XML_UNSAFE.sub("", self.content.narrative or "").strip()
        if not text:
            information = self._record(activity, "ActivityNarrativeInformation", source="narrative")
            self.writer.add(
                information, fc2("ActivityNarrativeSequenceNumber"), "1", source="narrative"
            )
            self._missing(
                information,
                "ActivityNarrativeText",
                "The report has no narrative; describe what happened and why it is suspicious",
                "narrative",
            )
            return
        block: etree._Element | None = None
        for number, chunk in enumerate(_narrative_blocks(text), start=1):
            information = self._record(activity, "ActivityNarrativeInformation", source="narrative")
            self.writer.add(
                information, fc2("ActivityNarrativeSequenceNumber"), str(number), source="narrative"
            )
            block = self.writer.add(
                information, fc2("ActivityNarrativeText"), chunk, source="narrative"
            )
        if len(text) > NARRATIVE_MAX and block is not None:
            self._missing(
                block,
                None,
                f"The narrative is {len(text)} characters long; FinCEN takes at most "
                f"{NARRATIVE_MAX}",
                "narrative",
                f"maxLength {NARRATIVE_MAX}",
            )
