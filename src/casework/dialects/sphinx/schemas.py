"""Sphinx request bodies and the shape rules its API reference documents.

Like a DRF serializer, a body ignores fields it does not know and trims strings.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AnyHttpUrl,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from casework.customers.schemas import InputDetails
from casework.infra.strict import StrictModel
from casework.infra.validation import country_alpha3
from casework.models.enums import CheckType, CustomerType

MAX_DELETE_AFTER = 365
RetentionDays = Annotated[int, Field(ge=-1, le=MAX_DELETE_AFTER)]

_URL = TypeAdapter(AnyHttpUrl)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _url(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        _URL.validate_python(value)
    except ValidationError:
        raise ValueError("Enter a valid URL.") from None
    return value


WebhookUrl = Annotated[str | None, Field(max_length=511), AfterValidator(_url)]


def _country(value: str) -> str:
    try:
        return country_alpha3(value)
    except ValueError:
        raise ValueError("Enter a valid ISO 3166-1 alpha-3 country code, such as NOR.") from None


Country = Annotated[str, AfterValidator(_country)]


class _Body(StrictModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class CustomerIn(_Body):
    """A customer, on its own or inline in a new case."""

    full_name: str = Field(min_length=1, max_length=400)
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    customer_type: CustomerType = CustomerType.individual
    input_details: InputDetails | None = None
    delete_after: RetentionDays | None = None
    email: str | None = Field(default=None, max_length=254)
    country: Country | None = Field(
        default=None,
        description="ISO 3166-1 alpha-3. Without it, a country code in "
        "input_details.country is the customer's country.",
    )

    @field_validator("external_id", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError("Enter a valid email address.")
        return value


class CheckIn(_Body):
    check_type: CheckType
    input_details: dict[str, Any] | None = None
    document_ids: list[int] = Field(default_factory=list, max_length=20)
    delete_after: RetentionDays | None = None


class CaseIn(_Body):
    """Both versions of the reference: the current one (``case_config``, ``auto_start``)
    and the earlier one (``notes``, ``rfi``)."""

    customer_id: int | None = None
    customer: CustomerIn | None = None
    webhook_url: WebhookUrl = None
    checks: list[CheckIn] | None = Field(default=None, max_length=10)
    document_ids: list[int] = Field(default_factory=list, max_length=50)
    delete_after: RetentionDays = Field(
        default=-1, description="Days until deletion; 0: once done; -1 (default): never."
    )
    case_config: str | None = Field(default=None, min_length=1, max_length=63)
    auto_start: bool = True
    notes: str | None = Field(default=None, max_length=20_000)
    rfi: str | None = Field(default=None, min_length=1, max_length=20_000)

    @field_validator("checks")
    @classmethod
    def _distinct_checks(cls, value: list[CheckIn] | None) -> list[CheckIn] | None:
        if value is not None and len({c.check_type for c in value}) != len(value):
            raise ValueError("Each check_type may be given only once.")
        return value

    @model_validator(mode="after")
    def _one_customer_one_source(self) -> CaseIn:
        if self.customer_id is None and self.customer is None:
            raise ValueError("Either customer_id or customer is required.")
        if self.customer_id is not None and self.customer is not None:
            raise ValueError("Give either customer_id or customer, not both.")
        if self.case_config is not None and self.checks is not None:
            raise ValueError("case_config cannot be used together with checks.")
        return self
