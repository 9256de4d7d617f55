"""The console's ``label`` filter: slugs and enum values as words, acronyms in capitals."""

from __future__ import annotations

import pytest

from casework.console.templating import environment, label
from casework.models.enums import CheckType, Module, Resolution, ReviewStatus


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (Module.aml, "AML"),
        (Module.kyc, "KYC"),
        (Module.cdd, "CDD"),
        (Module.transaction_monitoring, "Transaction monitoring"),
        (ReviewStatus.awaiting_user, "Awaiting user"),
        (Resolution.false_positive, "False positive"),
        (CheckType.pep, "PEP"),
        (CheckType.adverse_media, "Adverse media"),
        (CheckType.ubo_resolution, "UBO resolution"),
        ("tax_id", "Tax ID"),
        ("national_id", "National ID"),
        ("birth_dates", "Birth dates"),
        (None, "—"),
    ],
    ids=lambda v: str(v).encode("ascii", "replace").decode(),
)
def test_label_writes_words_and_acronyms(value: object, words: str) -> None:
    assert label(value) == words
    assert environment.from_string("{{ v | label }}").render(v=value) == words
