"""FinCEN SAR: a draft written as a BSA E-Filing batch (``EFilingBatchXML``, form SARX),
and casework's own checks of what FinCEN needs that the draft or the settings lack.

The schema makes almost every element optional; FinCEN's filing rules make many of them
required. ``check`` names what the rules need and the draft lacks, with the element, the
casework field that fills it and the rule; the schema (``casework.reports.schema``) names
what the written document breaks.

The modules: ``settings``, a tenant's filer settings; ``codes``, FinCEN's codes and the
schema's limits; ``values``, how a value is put as FinCEN takes it; ``writing``, how any
element is written and a problem noted; ``party_details``, what every party is written
with; ``institutions`` and ``subject``, the parties; ``suspicious_activity``, the activity
and its narrative; ``document``, the batch that puts them together.
"""

from __future__ import annotations

from casework.reports.fincen.codes import (
    ACCOUNT_INSTITUTION,
    ACTIVITY_INSTITUTION,
    CONTACT_OFFICE,
    FILING_INSTITUTION,
    FILING_TYPES,
    FORM_TYPE,
    NAMESPACE,
    NARRATIVE_BLOCK,
    NARRATIVE_MAX,
    SCHEMA_LOCATION,
    SUBJECT,
    TRANSMITTER,
    TRANSMITTER_CONTACT,
    XSI,
    activity_category,
)
from casework.reports.fincen.document import build, check
from casework.reports.fincen.settings import (
    FincenContactOffice,
    FincenInstitution,
    FincenSettings,
    FincenTransmitter,
    InstitutionIdType,
    InstitutionSubtype,
    InstitutionType,
    Regulator,
    TinType,
)

__all__ = [
    "ACCOUNT_INSTITUTION",
    "ACTIVITY_INSTITUTION",
    "CONTACT_OFFICE",
    "FILING_INSTITUTION",
    "FILING_TYPES",
    "FORM_TYPE",
    "NAMESPACE",
    "NARRATIVE_BLOCK",
    "NARRATIVE_MAX",
    "SCHEMA_LOCATION",
    "SUBJECT",
    "TRANSMITTER",
    "TRANSMITTER_CONTACT",
    "XSI",
    "FincenContactOffice",
    "FincenInstitution",
    "FincenSettings",
    "FincenTransmitter",
    "InstitutionIdType",
    "InstitutionSubtype",
    "InstitutionType",
    "Regulator",
    "TinType",
    "activity_category",
    "build",
    "check",
]
