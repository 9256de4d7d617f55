"""The tenant's reporting-entity settings for each format, kept with its other settings."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from casework.reports.content import Draft
from casework.reports.fincen import FincenSettings
from casework.reports.goaml import GoamlSettings

SETTING = "reporting"


class ReportingSettings(Draft):
    goaml: GoamlSettings = Field(default_factory=GoamlSettings)
    fincen: FincenSettings = Field(default_factory=FincenSettings)


def of(settings: dict[str, Any] | None) -> ReportingSettings:
    return ReportingSettings.model_validate((settings or {}).get(SETTING) or {})
