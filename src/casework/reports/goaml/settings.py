"""A tenant's goAML settings: its identity as a reporting entity, as its FIU registered it,
and the compliance officer named as the reports' author."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from casework.reports.content import Address, Country, Currency, Draft, Text

SubmissionCode = Literal["E", "M", "-"]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class ReportingPerson(Draft):
    """The compliance officer who files the reports (goAML ``reporting_person``)."""

    gender: Literal["M", "F", "U"] | None = Field(default=None, description="M, F or U")
    title: Annotated[str, Field(min_length=1, max_length=30)] | None = None
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name: Name | None = None
    birth_date: date | None = None
    nationality: Country | None = Field(default=None, description="ISO 3166-1 alpha-3")
    ssn: Annotated[str, Field(min_length=1, max_length=25)] | None = Field(
        default=None, description="Social security number"
    )
    id_number: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="National identity number"
    )
    email: Text | None = None
    phone: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    occupation: Text | None = Field(default=None, description="Position, e.g. MLRO")
    address: Address | None = None


class GoamlSettings(Draft):
    """A tenant's identity as a goAML reporting entity, as its FIU registered it."""

    rentity_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Reporting entity id assigned by the FIU"
    )
    rentity_branch: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="The reporting branch, when the FIU registers branches"
    )
    local_currency: Currency | None = Field(
        default=None, description="ISO 4217 currency amounts are reported in (currency_code_local)"
    )
    submission_code: SubmissionCode = Field(
        default="E", description="How reports are submitted: E electronic, M manual, - unknown"
    )
    reporting_person: ReportingPerson | None = Field(
        default=None, description="The person named as the reports' author"
    )
    location: Address | None = Field(
        default=None, description="The reporting entity's address (goAML location)"
    )
    deadline_days: int | None = Field(
        default=None, ge=1, le=365, description="Days after detection a goAML report is due"
    )
