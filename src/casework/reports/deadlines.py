"""When a report is due, and when a filed FinCEN SAR's continuing activity is reviewed.

- FinCEN SAR: 30 calendar days after the activity was first detected, 60 when no suspect
  is identified. A filed SAR's continuing activity is reviewed 90 days after the filing,
  and a continuing-activity report is then due by day 120.
- goAML: as many days after detection as the tenant sets (each FIU has its own rule);
  none when it sets none.
- A correction or an amendment is due when the report it replaces was.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from casework.models import Report
from casework.models.enums import ReportStatus

FINCEN_DAYS = 30
FINCEN_NO_SUSPECT_DAYS = 60
REVIEW_DAYS = 90
CONTINUING_DAYS = 120
# Reports whose filing is still owed to the FIU.
OPEN = (ReportStatus.draft, ReportStatus.ready, ReportStatus.approved)


def due_on(
    *,
    format: str,
    report_code: str,
    detected_on: date,
    suspect_identified: bool,
    goaml_days: int | None,
    continued_filing: date | None = None,
    replaced_due: date | None = None,
) -> date | None:
    if replaced_due is not None:
        return replaced_due
    if format == "fincen_sar":
        if report_code == "continuing" and continued_filing is not None:
            return continued_filing + timedelta(days=CONTINUING_DAYS)
        days = FINCEN_DAYS if suspect_identified else FINCEN_NO_SUSPECT_DAYS
        return detected_on + timedelta(days=days)
    if goaml_days is None:
        return None
    return detected_on + timedelta(days=goaml_days)


def review_on(report: Report, filed_on: date) -> date | None:
    return filed_on + timedelta(days=REVIEW_DAYS) if report.format == "fincen_sar" else None


class Deadline(BaseModel):
    """The next date that matters about a report, and whether it has passed."""

    kind: Literal["filing", "continuing_review"]
    on: date
    days_left: int = Field(description="Negative once overdue.")
    overdue: bool


def deadline_of(report: Report, *, today: date | None = None) -> Deadline | None:
    today = today or date.today()
    if report.status in OPEN and report.due_on is not None:
        return _deadline("filing", report.due_on, today)
    if report.status is ReportStatus.filed and report.review_on and report.reviewed_at is None:
        return _deadline("continuing_review", report.review_on, today)
    return None


def _deadline(kind: Literal["filing", "continuing_review"], on: date, today: date) -> Deadline:
    left = (on - today).days
    return Deadline(kind=kind, on=on, days_left=left, overdue=left < 0)
