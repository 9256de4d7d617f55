"""The two report formats behind one interface: their codes, XML and rule checks."""

from __future__ import annotations

from typing import Literal, get_args

from casework.reports import fincen, goaml
from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.settings import ReportingSettings
from casework.reports.xml import Built

Format = Literal["goaml", "fincen_sar"]
FORMATS: tuple[str, ...] = get_args(Format)
LABELS = {"goaml": "goAML", "fincen_sar": "FinCEN SAR"}
# FinCEN amounts are reported in US dollars whatever the institution's books are kept in.
FINCEN_CURRENCY = "USD"


def codes(format: str) -> list[str]:
    return sorted(goaml.REPORT_CODES) if format == "goaml" else list(fincen.FILING_TYPES)


def amendment_code(format: str, original_code: str) -> str:
    """The code of a report that replaces a filed one: goAML keeps its code (and carries
    the rejected reference), FinCEN files a correction."""
    return original_code if format == "goaml" else "correct"


def local_currency(format: str, settings: ReportingSettings, default_currency: str) -> str:
    if format == "fincen_sar":
        return FINCEN_CURRENCY
    return settings.goaml.local_currency or default_currency


def build(
    format: str, meta: ReportMeta, content: ReportContent, settings: ReportingSettings
) -> Built:
    if format == "goaml":
        return goaml.build(meta, content, settings.goaml)
    return fincen.build(meta, content, settings.fincen)


def check(
    format: str, meta: ReportMeta, content: ReportContent, settings: ReportingSettings
) -> list[Problem]:
    if format == "goaml":
        return goaml.check(meta, content, settings.goaml)
    return fincen.check(meta, content, settings.fincen)
