from __future__ import annotations

from pydantic import BaseModel, Field


class CaseAnalytics(BaseModel):
    total: int
    by_review_status: dict[str, int] = Field(description="Every review status, zeros included.")
    by_priority: dict[str, int] = Field(description="low, medium and high.")
    by_module: dict[str, int] = Field(
        description="Every module, plus `custom` (a custom module) and `none`."
    )
    overdue: int = Field(description="Past their due date and neither resolved nor closed.")
    median_time_to_resolve_hours: float | None = Field(
        description="From creation to resolution, over the cases resolved; null if none are."
    )
