"""The case-webhook payloads the dialects shape, registered with the cases feature."""

from __future__ import annotations

from casework.cases.payloads import register_case_payload
from casework.dialects.sphinx import views as sphinx


def register() -> None:
    """Have a case created through a dialect tell its own webhook_url in that dialect
    (only Sphinx shapes its own; the others' cases get the native shape)."""
    register_case_payload("sphinx", sphinx.case_body)
