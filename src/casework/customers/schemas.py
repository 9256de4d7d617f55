from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from casework.checks.schemas import RetentionDays
from casework.infra.strict import StrictModel
from casework.infra.validation import country_alpha3, partial_date
from casework.models import Customer
from casework.models.enums import CustomerType

Country = Annotated[str, AfterValidator(country_alpha3)]
PartialDate = Annotated[str, AfterValidator(partial_date)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def _details_size(value: dict[str, Any]) -> dict[str, Any]:
    from casework.audit.chain import canonical

    if len(canonical(value)) > 65_536:
        raise ValueError("must be at most 64 KiB of JSON")
    return value


InputDetails = Annotated[dict[str, Any], AfterValidator(_details_size)]


class CustomerFields(StrictModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    full_name: str | None = Field(default=None, min_length=1, max_length=400)
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name: Name | None = None
    birth_date: PartialDate | None = Field(
        default=None, description="YYYY-MM-DD, YYYY-MM or YYYY", examples=["1980-04-12", "1975"]
    )
    country: Country | None = Field(default=None, description="ISO 3166-1 alpha-3")
    nationality: Country | None = Field(default=None, description="ISO 3166-1 alpha-3")
    external_id: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    input_details: InputDetails | None = None


class CustomerCreate(CustomerFields):
    customer_type: CustomerType = CustomerType.individual
    delete_after: RetentionDays | None = Field(
        default=None,
        description="Days to keep the customer once created; 0: delete as soon as no case "
        "refers to it; -1: keep. Default: the tenant's setting.",
    )

    @model_validator(mode="after")
    def _has_a_name(self) -> CustomerCreate:
        if not self.full_name and not (self.first_name or self.last_name):
            raise ValueError("full_name or first_name/last_name is required")
        return self


class CustomerUpdate(CustomerFields):
    delete_after: RetentionDays | None = Field(
        default=None,
        description="Days to keep the customer from now on; 0: delete as soon as no case "
        "refers to it; -1: keep; null: the tenant's setting, from now. Absent: unchanged.",
    )


class CustomerOut(BaseModel):
    id: str
    customer_type: CustomerType
    external_id: str | None
    full_name: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    full_name_en: str
    first_name_en: str | None
    middle_name_en: str | None
    last_name_en: str | None
    birth_date: str | None
    country: str | None
    nationality: str | None
    email: str | None
    input_details: dict[str, Any]
    delete_after: datetime | None = Field(description="When the customer is deleted; null: kept")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, customer: Customer) -> CustomerOut:
        return cls.model_validate(customer, from_attributes=True)


class CustomerRef(BaseModel):
    id: str
    customer_type: CustomerType
    full_name: str
    external_id: str | None

    @classmethod
    def of(cls, customer: Customer | None) -> CustomerRef | None:
        return None if customer is None else cls.model_validate(customer, from_attributes=True)
