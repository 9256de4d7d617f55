"""The batch. One report is one batch holding one ``Activity``. Its parties always come in
the same order, so an element's place is the same whatever the draft holds: the
transmitter (35), the transmitter contact (37), the filing institution (30), the contact
office (8), the institution where the activity occurred (34) and the subject (33).

The activity starts with its filing type and, for a correction or a continuing report,
the prior report's BSA ID; the batch's counts and every record's SeqNum are set once
the activity is written."""

from __future__ import annotations

from lxml import etree

from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.fincen.codes import (
    ACTIVITY_INSTITUTION,
    FILING_INSTITUTION,
    FILING_TYPES,
    FORM_TYPE,
    NEEDS_PRIOR,
    PRIOR_PURPOSE,
    SCHEMA_LOCATION,
    SUBJECT,
    XSI,
)
from casework.reports.fincen.settings import FincenSettings
from casework.reports.fincen.subject import Subjects
from casework.reports.fincen.suspicious_activity import SuspiciousActivity
from casework.reports.fincen.values import PRIOR_BSA_ID, yyyymmdd
from casework.reports.fincen.writing import fc2
from casework.reports.xml import Built


def build(meta: ReportMeta, content: ReportContent, settings: FincenSettings) -> Built:
    """The SAR as one batch, each value's element tied to the field it came from."""
    sar = _Sar(meta, content, settings)
    sar.write()
    return sar.writer.finish()


def check(meta: ReportMeta, content: ReportContent, settings: FincenSettings) -> list[Problem]:
    """What FinCEN's filing rules need that the report lacks or cannot take, each once."""
    sar = _Sar(meta, content, settings)
    sar.write()
    return sar.problems()


class _Sar(Subjects, SuspiciousActivity):
    # -- the document ------------------------------------------------------------------

    def write(self) -> None:
        root = self.writer.root
        # The counts are known once the activity is written; set now, they keep their order.
        for name in ("TotalAmount", "PartyCount", "ActivityCount", "ActivityAttachmentCount"):
            root.set(name, "0")
        root.set("AttachmentCount", "0")
        root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
        self.writer.add(root, fc2("FormTypeCode"), FORM_TYPE)
        activity = self._record(root, "Activity")
        self._filing(activity)
        self._association(activity)
        self._transmitter(activity)
        self._transmitter_contact(activity)
        self._institution_party(activity, FILING_INSTITUTION, self._filer())
        self._contact_office(activity)
        self._institution_party(activity, ACTIVITY_INSTITUTION, self._activity_institution())
        self._subject(activity)
        total = self._suspicious_activity(activity)
        self._narrative(activity)
        self._counts(activity, total)
        self._number()

    def _counts(self, activity: etree._Element, total: int | None) -> None:
        root = self.writer.root
        subjects = [
            party
            for party in activity.iterfind(fc2("Party"))
            if party.findtext(fc2("ActivityPartyTypeCode")) == SUBJECT
        ]
        # TotalAmount adds up TotalSuspiciousAmountText, PartyCount counts the subjects.
        root.set("TotalAmount", str(total or 0))
        root.set("PartyCount", str(len(subjects)))
        root.set("ActivityCount", str(len(root.findall(fc2("Activity")))))
        root.set(
            "ActivityAttachmentCount",
            str(len(root.findall(f".//{fc2('ActivitySupportDocument')}"))),
        )

    def _number(self) -> None:
        """SeqNum: unique across the batch, counted in document order."""
        for number, element in enumerate(self.writer.root.iterfind(".//*[@SeqNum]"), start=1):
            element.set("SeqNum", str(number))

    # -- the activity ------------------------------------------------------------------

    def _filing(self, activity: etree._Element) -> None:
        code = self.meta.report_code
        indicators = FILING_TYPES.get(code, ())
        if NEEDS_PRIOR.intersection(indicators):
            prior = self.meta.prior_bsa_id
            if not prior:
                self._missing(
                    activity, "EFilingPriorDocumentNumber", PRIOR_PURPOSE[code], "prior_bsa_id"
                )
            else:
                element = self.writer.add(
                    activity, fc2("EFilingPriorDocumentNumber"), prior, source="prior_bsa_id"
                )
                if not PRIOR_BSA_ID.fullmatch(prior):
                    self._missing(
                        element,
                        None,
                        "The prior report's BSA ID must be the 14 digits FinCEN assigned",
                        "prior_bsa_id",
                        "pattern [0-9]{14}",
                    )
        self.writer.add(
            activity, fc2("FilingDateText"), yyyymmdd(self.meta.report_date), source="report_date"
        )

    def _association(self, activity: etree._Element) -> None:
        association = self._record(activity, "ActivityAssociation", source="report_code")
        indicators = FILING_TYPES.get(self.meta.report_code)
        if indicators is None:
            self._missing(
                association,
                None,
                f"{self.meta.report_code!r} is not a FinCEN filing type; use one of "
                f"{', '.join(FILING_TYPES)}",
                "report_code",
                f"enumeration {'|'.join(FILING_TYPES)}",
            )
            return
        for name in indicators:
            self._flag(association, name, "report_code")
