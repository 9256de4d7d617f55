"""The goAML ``<report>`` document of a draft and the problems the schema would find in
it: the reporting entity, the reporting person, the reason, the transactions and the
report's indicators."""

from __future__ import annotations

from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.goaml.codes import NARRATIVE_RULE, REPORT_CODES, REQUIRED
from casework.reports.goaml.elements import _COMMENTS
from casework.reports.goaml.persons import _of_reporter
from casework.reports.goaml.settings import GoamlSettings
from casework.reports.goaml.sources import _At
from casework.reports.goaml.transactions import _Transactions
from casework.reports.xml import Built


def build(meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> Built:
    """The ``<report>`` document of a draft, each value's source recorded."""
    return _Report(meta, content, settings).built()


def check(meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> list[Problem]:
    """Each element of the document that the goAML schema would refuse, or that casework
    requires, and why; empty when the draft is complete."""
    return _Report(meta, content, settings).problems()


class _Report(_Transactions):
    """One walk over a draft: writes the document and notes what the schema would refuse."""

    def __init__(self, meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> None:
        super().__init__(meta, content, settings)
        self._write()

    def _write(self) -> None:
        self._header()
        self._reporter()
        self._reason()
        self._transactions()
        self._indicators()

    def _header(self) -> None:
        root, meta, settings = self.root, self.meta, self.settings
        goaml = _At("settings.goaml", settings=True)
        report = _At("report")
        rentity = None if settings.rentity_id is None else str(settings.rentity_id)
        self._text(root, "rentity_id", rentity, goaml, "rentity_id", "reporting entity id")
        self._text(
            root,
            "rentity_branch",
            settings.rentity_branch,
            goaml,
            "rentity_branch",
            "reporting branch",
            required=False,
            limit=255,
        )
        self._code(
            root, "submission_code", settings.submission_code, goaml.field("submission_code")
        )
        self._report_code()
        for attr, what in (
            ("entity_reference", "report's own reference"),
            ("fiu_ref_number", "FIU reference number"),
            ("prev_rejected_ref_number", "reference of the rejected report"),
        ):
            value = getattr(meta, attr)
            self._text(root, attr, value, report, attr, what, required=False, limit=255)
        self._date(root, "report_date", meta.report_date, report, "report_date", "report date")
        self._local_currency()

    def _reporter(self) -> None:
        settings = self.settings
        if settings.reporting_person is not None:
            person = _of_reporter(settings.reporting_person)
            element = self.w.add(self.root, "reporting_person")
            self.w.source(element, person.at.source)
            self._someone(element, person, "reporter")
        if settings.location is not None:
            at = _At("settings.goaml.location", "the reporting entity's location", settings=True)
            self._address(self.root, "location", settings.location, at, "BU")

    def _reason(self) -> None:
        """The narrative (goAML reason) and the action taken."""
        self._narrative()
        self._text(
            self.root,
            "action",
            self.content.action,
            _At(""),
            "action",
            "action taken",
            required=False,
            limit=_COMMENTS,
        )

    def _report_code(self) -> None:
        code = self.meta.report_code
        element = self._code(self.root, "report_code", code, "report.report_code")
        if code not in REPORT_CODES:
            message = (
                f'The report code "{code}" is not one casework files with goAML; '
                f"use {' or '.join(sorted(REPORT_CODES))}."
            )
            self._problem(element, message, "report.report_code", "enumeration (report_type)")

    def _local_currency(self) -> None:
        # The draft's own currency is what an analyst edits; the tenant's only fills it.
        from_settings = not self.content.local_currency and bool(self.settings.local_currency)
        at = _At("settings.goaml", settings=True) if from_settings else _At("")
        self._text(
            self.root,
            "currency_code_local",
            self.local,
            at,
            "local_currency",
            "report's local currency",
        )

    def _narrative(self) -> None:
        narrative = self.content.narrative
        if narrative is None:
            message = "The narrative (what happened and why it is suspicious) is missing."
            self._absent(self.root, "reason", message, "narrative", NARRATIVE_RULE)
            return
        self._text(
            self.root, "reason", narrative, _At(""), "narrative", "narrative", limit=_COMMENTS
        )

    def _indicators(self) -> None:
        element = self.w.add(self.root, "report_indicators", source="indicators")
        for k, code in enumerate(self.content.indicators):
            self._code(element, "indicator", code, f"indicators[{k}]")
        if not self.content.indicators:
            message = "No report indicator is chosen; goAML requires at least one."
            self._problem(element, message, "indicators", REQUIRED)
