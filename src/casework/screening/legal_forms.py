"""Whether a name carries a company's legal form: one table for every importer.

Importers use it to tell a Company from another Organization when the publisher does
not say. Forms that are also ordinary words or name parts (AS, SC, SL, SPA) count only
when written with dots, as in "S.P.A.".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORDS = frozenset(
    (
        "LTD LTDA LIMITED LLC LLP LP PLC INC INCORPORATED CORP CORPORATION CO COMPANY "
        "COMPANIES COMPAGNIE CIA SA SAS SARL SRL SAC SAPI CV RL LDA EIRL GMBH AG "
        "AKTIENGESELLSCHAFT KG OHG BV NV AB OY ASA APS KFT DOO JSC OJSC CJSC PJSC PAO OAO ZAO "
        "AO OOO TOO JV ANSTALT FZE FZCO FZC DMCC PTE PTY PVT BHD TBK ANONIMA ANONYME "
        "ООО ОАО ЗАО ПАО АО"  # noqa: RUF001
    ).split()
)
_DOTTED_ONLY = frozenset({"AS", "SC", "SL", "SPA"})
_PHRASES = re.compile(
    r"(?<!\w)(?:limited liability|joint[- ]stock|sdn\.? bhd|"
    r"общество с ограниченной ответственностью|акционерное общество)(?!\w)",  # noqa: RUF001
    re.IGNORECASE,
)
_TOKENS = re.compile(r"[\s,()/\"'«»]+")


def has_legal_form(texts: Iterable[str]) -> bool:
    """True when any of the names (or stated entity types) carries a legal form."""
    return any(_in(text) for text in texts)


def _in(text: str) -> bool:
    if _PHRASES.search(text):
        return True
    for token in _TOKENS.split(text.upper()):
        written = token.strip(".;:&-")
        bare = written.replace(".", "")
        if not bare.isalpha():
            continue
        if bare in _WORDS or (bare in _DOTTED_ONLY and "." in written):
            return True
    return False
