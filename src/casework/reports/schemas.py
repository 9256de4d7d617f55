from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from casework.infra.strict import StrictModel
from casework.models import Report
from casework.models.enums import ReportStatus
from casework.reports.content import Problem, ReportContent
from casework.reports.deadlines import Deadline, deadline_of
from casework.reports.origins import origin

Format = Literal["goaml", "fincen_sar"]


class ReportCreate(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    format: Format
    report_code: str = Field(
        min_length=1,
        max_length=20,
        description="goAML: the report code (STR, SAR...); FinCEN: the filing type "
        "(initial, correct, continuing).",
    )
    detected_on: date | None = Field(
        default=None,
        description="When the activity was first detected (the deadline counts from it); "
        "default: the day the case was opened.",
    )
    suspect_identified: bool = Field(
        default=True, description="FinCEN: false gives 60 days instead of 30."
    )
    continues_report_id: str | None = Field(
        default=None,
        max_length=24,
        description="FinCEN continuing activity: the filed report this one continues.",
    )
    content: ReportContent | None = Field(
        default=None,
        description="Fields to set over the draft pre-filled from the case (narrative, "
        "indicators, activity types...).",
    )


class ReportUpdate(StrictModel):
    """A draft's new content, whole (read it, change it, write it back), and its facts."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    content: ReportContent | None = None
    detected_on: date | None = None
    suspect_identified: bool | None = None


class FilingBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(
        min_length=1, max_length=255, description="The FIU's reference, or the BSA ID."
    )
    acknowledged_on: date = Field(description="When the FIU acknowledged the filing.")


class NoteBody(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=5000)


class ProblemOut(BaseModel):
    element: str = Field(description="Where in the XML.")
    message: str
    field: str | None = Field(description="The report field that fills it.")
    filled_from: str | None = Field(
        description="Where casework keeps that value: a customer field, a transaction's "
        "column, a reporting setting, or the draft the analyst writes."
    )
    rule: str = Field(description="The schema rule it breaks.")
    source: Literal["rules", "schema"]

    @classmethod
    def of(cls, problem: Problem, content: ReportContent) -> ProblemOut:
        return cls(
            element=problem.element,
            message=problem.message,
            field=problem.field,
            filled_from=origin(problem.field, content),
            rule=problem.rule,
            source=problem.source,
        )


class SchemaUsed(BaseModel):
    filename: str
    sha256: str
    adjustments: list[str] = Field(
        description="Patterns written for the FIU portal's regular expressions, read as "
        "that portal reads them."
    )


class ValidationOut(BaseModel):
    report_id: str
    valid: bool
    problems: list[ProblemOut]
    schema_used: SchemaUsed | None = Field(
        description="The tenant's XSD for this format; null: casework's own rules only."
    )


class ReportOut(BaseModel):
    id: str
    number: int
    case_id: str
    format: Format
    report_code: str
    status: ReportStatus
    content: dict[str, Any]
    detected_on: date
    suspect_identified: bool
    due_on: date | None = Field(description="When the report is due to the FIU.")
    deadline: Deadline | None
    review_on: date | None = Field(description="FinCEN: when continuing activity is reviewed.")
    reviewed_at: datetime | None
    review_note: str | None
    amends_report_id: str | None
    continues_report_id: str | None
    prior_reference: str | None = Field(
        description="The rejected report's FIU reference (goAML prev_rejected_ref_number) "
        "or the prior BSA ID (FinCEN)."
    )
    pending_decision_id: str | None
    created_by_name: str
    created_at: datetime
    updated_at: datetime
    ready_by_name: str | None
    ready_at: datetime | None
    approved_by_name: str | None
    approved_at: datetime | None
    xml_sha256: str | None
    filed_by_name: str | None
    filed_at: datetime | None
    reference: str | None
    acknowledged_on: date | None
    fiu_rejected_at: datetime | None
    fiu_rejection_note: str | None

    @classmethod
    def of(cls, report: Report, *, today: date | None = None) -> ReportOut:
        fields = {name: getattr(report, name) for name in cls.model_fields if name != "deadline"}
        return cls(**fields, deadline=deadline_of(report, today=today))


class ReportList(BaseModel):
    items: list[ReportOut]
    next_cursor: str | None
