from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from casework.models import MonitoredCustomer


class MonitoredCustomerOut(BaseModel):
    id: str
    customer_id: str
    case_id: str | None = Field(description="The case whose screening enrolled the customer.")
    checks: dict[str, Any] = Field(
        description="Monitored check types with their screening parameters."
    )
    subjects: list[dict[str, Any]] = Field(
        description="The parties rescreened: the customer, a business's directors and owners."
    )
    enrolled_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: MonitoredCustomer) -> MonitoredCustomerOut:
        return cls(
            id=row.id,
            customer_id=row.customer_id,
            case_id=row.case_id,
            checks=row.checks,
            subjects=row.subjects,
            enrolled_at=row.enrolled_at,
            updated_at=row.updated_at,
        )
