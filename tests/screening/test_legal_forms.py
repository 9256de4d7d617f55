"""The one legal-form table the importers use to tell companies from organisations."""

# Cyrillic legal forms are the point of one case.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from casework.screening.legal_forms import has_legal_form


@pytest.mark.parametrize(
    "name",
    [
        "LOGARCHEO S.A.",
        "FIRST EAST EXPORT BANK, P.L.C.",
        "Kingly Won International Co., Ltd",
        "Acme Trading GmbH",
        "NORTH STAR S.P.A.",
        "Petro Holdings Sdn. Bhd.",
        "ООО Ромашка",
        "Закрытое акционерное общество Север",
        "Zenith Limited Liability Partnership",
    ],
)
def test_names_with_legal_forms(name: str):
    assert has_legal_form([name])


@pytest.mark.parametrize(
    "name",
    [
        "ANSAR AL-SHARIA BRIGADE",
        "CONGOMET TRADING HOUSE",
        "RIYADH-AS-SALIHEEN",
        "SPA HOLIDAYS",
        "Sendero Luminoso SL",
        "Co-operative Movement",
    ],
)
def test_names_without(name: str):
    assert not has_legal_form([name])


def test_any_of_several_texts():
    assert has_legal_form(["Northwind", "Type of entity: Limited Liability Company"])
    assert not has_legal_form([])
