"""What a regulatory report says, in casework's own words: the draft an analyst edits.

A draft is pre-filled from the case (``casework.reports.prefill``), edited through the API
and the console, and written out as a regulator's XML by ``casework.reports.goaml`` and
``casework.reports.fincen``. Every field may be missing here: a draft is allowed to be
incomplete, and validation says what is missing, where it would come from and which rule
it breaks. Countries are ISO 3166-1 alpha-3, as everywhere else in casework; each format
converts them to what its schema wants.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator

from casework.infra.strict import StrictModel
from casework.infra.validation import country_alpha3, currency_code

Country = Annotated[str, AfterValidator(country_alpha3)]
Currency = Annotated[str, AfterValidator(currency_code)]
Text = Annotated[str, Field(min_length=1, max_length=255)]
LongText = Annotated[str, Field(min_length=1, max_length=20_000)]


# Characters XML 1.0 cannot carry at all (NUL and lone surrogates are refused at the edge).
XML_ILLEGAL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: Any) -> Any:
    """``value`` (text, or a list of text) when XML can carry it; a report is written as XML."""
    texts = value if isinstance(value, list) else [value]
    for text in texts:
        if isinstance(text, str) and XML_ILLEGAL.search(text):
            raise ValueError("must not contain control characters (XML cannot carry them)")
    return value


class Draft(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _xml_text(cls, value: Any) -> Any:
        return xml_text(value)


class Address(Draft):
    street: Text | None = None
    city: Text | None = None
    postal_code: Annotated[str, Field(min_length=1, max_length=20)] | None = None
    state: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="State or province (a US state's two-letter code for FinCEN)"
    )
    country: Country | None = None


IdentificationType = Literal[
    "passport", "national_id", "driving_licence", "tax_id", "registration", "other"
]


class Identification(Draft):
    type: IdentificationType
    number: Text | None = None
    issuing_country: Country | None = None
    issue_date: date | None = None
    expiry_date: date | None = None


class Person(Draft):
    role: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(
        default=None, description="For a related party: director, owner, signatory..."
    )
    first_name: Text | None = None
    middle_name: Text | None = None
    last_name: Text | None = None
    # Only a full date goes into a report; a partial birth date of the customer is left out
    # and validation names it.
    birth_date: date | None = None
    gender: Literal["M", "F", "U"] | None = None
    nationality: Country | None = None
    residence: Country | None = None
    occupation: Text | None = None
    email: Text | None = None
    phone: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    ownership_percent: float | None = Field(default=None, ge=0, le=100)
    addresses: list[Address] = Field(default_factory=list, max_length=10)
    identifications: list[Identification] = Field(default_factory=list, max_length=10)


class Business(Draft):
    name: Text | None = None
    commercial_name: Text | None = None
    legal_form: Text | None = None
    registration_number: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    incorporation_country: Country | None = None
    incorporation_date: date | None = None
    tax_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    business_activity: Text | None = None
    email: Text | None = None
    phone: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    url: Text | None = None
    addresses: list[Address] = Field(default_factory=list, max_length=10)


class Subject(Draft):
    """The customer the report is about."""

    kind: Literal["person", "business"]
    customer_id: str | None = Field(default=None, max_length=24)
    person: Person | None = None
    business: Business | None = None
    account_number: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        default=None, description="The subject's account at the reporting institution"
    )


class ReportTransaction(Draft):
    transaction_id: str | None = Field(default=None, max_length=24, description="casework's id")
    reference: Annotated[str, Field(min_length=1, max_length=200)]
    occurred_at: datetime
    amount: Decimal = Field(gt=0, max_digits=20, decimal_places=4)
    currency: Currency
    # In the report's local currency (goAML currency_code_local; US dollars for FinCEN).
    amount_local: Decimal | None = Field(default=None, gt=0, max_digits=20, decimal_places=4)
    direction: Literal["in", "out"]
    type: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    channel: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    description: Text | None = None
    account_number: Annotated[str, Field(min_length=1, max_length=50)] | None = Field(
        default=None, description="The subject's account the money moved through"
    )
    counterparty_name: Text | None = None
    counterparty_account: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    counterparty_bank: Text | None = None
    counterparty_country: Country | None = None


class ReportContent(Draft):
    """The editable body of a report."""

    subject: Subject | None = None
    parties: list[Person] = Field(
        default_factory=list, max_length=50, description="Directors, owners, other people"
    )
    transactions: list[ReportTransaction] = Field(default_factory=list, max_length=1000)
    local_currency: Currency | None = None
    narrative: LongText | None = Field(
        default=None, description="What happened and why it is suspicious (goAML reason)"
    )
    action: LongText | None = Field(
        default=None, description="What the reporting institution did about it (goAML action)"
    )
    indicators: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list,
        max_length=50,
        description="goAML report indicator codes, from the FIU's lookup list",
    )
    activity_types: list[Annotated[str, Field(min_length=1, max_length=10)]] = Field(
        default_factory=list,
        max_length=50,
        description="FinCEN suspicious activity subtype codes (SuspiciousActivitySubtypeID)",
    )
    activity_start: date | None = None
    activity_end: date | None = None


@dataclass(frozen=True)
class ReportMeta:
    """What a format needs to know about the report beyond its content."""

    report_id: str
    entity_reference: str  # the institution's own reference, unique per report
    report_code: str  # goAML: STR, SAR...; FinCEN: the filing type (see fincen.FILING_TYPES)
    report_date: date
    fiu_ref_number: str | None = None
    prev_rejected_ref_number: str | None = None  # goAML amendment of a rejected report
    prior_bsa_id: str | None = None  # FinCEN correction, amendment or continuing report
    suspect_identified: bool = True


@dataclass(frozen=True)
class Problem:
    """One missing or invalid element of a report.

    ``element`` is where it sits in the XML (an XPath-like path), ``field`` the casework
    field that would fill it (``customer.birth_date``, ``transactions[2].counterparty_name``,
    ``settings.goaml.rentity_id``, ``narrative``...), ``rule`` the schema rule it breaks
    (``required``, ``maxLength 255``, ``pattern [a-zA-Z0-9 .'-]*``...) and ``source``
    whether casework's own rules or the regulator's schema found it."""

    element: str
    message: str
    field: str | None
    rule: str
    source: Literal["rules", "schema"] = "rules"
