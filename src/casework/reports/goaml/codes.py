"""The goAML code lists casework writes and the rules its problems name: the report codes
casework files, conduction and funds codes read from a transaction's channel and type, and
the codes of genders, identity documents and a business's related people.

Where the schema leaves a choice:

- A value the schema requires but casework has no field for is written as ``-``, the
  schema's own "unknown" in every code list: ``transmode_comment`` and ``tax_reg_number``
  (one character long in this schema), a counterparty bank's ``institution_code``, an
  entity's ``incorporation_legal_form`` (a list of business sectors; casework's legal form
  goes into the entity's comments), a phone's communication type and an unknown country
  of a counterparty.
- ``transmode_code`` is read from the channel, then the type (keywords, see
  ``transmode``), and is ``-`` when neither says; ``*_funds_code`` from the type, then
  the channel, and is electronic funds transfer when neither names an instrument (the
  list has no "unknown").
"""

from __future__ import annotations

import re

# The report codes whose content casework's drafts can fill: a subject and its transactions.
REPORT_CODES: frozenset[str] = frozenset({"STR", "SAR"})
UNKNOWN = "-"
REQUIRED = "required (minOccurs 1)"
NAME_RULE = "pattern [a-zA-Z0-9 .'-]*"
NARRATIVE_RULE = "required by casework (goAML reason)"

# Keywords of a transaction's channel or type, first match wins: more specific first.
_TRANSMODES: tuple[tuple[str, str], ...] = (
    ("atm", "ATM"),
    ("swift", "SWIFT"),
    ("wire", "SWIFT"),
    ("mobile", "MB"),
    ("online", "ONBNK"),
    ("internet", "ONBNK"),
    ("web", "ONBNK"),
    ("e banking", "ONBNK"),
    ("teller", "OCT"),
    ("counter", "OCT"),
    ("branch", "BO"),
    ("exchange", "CRNEX"),
    ("crypto", "DAWLT"),
    ("prepaid", "PPCD"),
    ("credit card", "CCD"),
    # Most account transactions made with a card of unnamed kind are debit card ones.
    ("card", "DBCD"),
    ("internal", "INTRN"),
    ("transfer", "ELCFT"),
)
_FUNDS: tuple[tuple[str, str], ...] = (
    ("traveller", "TRVLC"),
    ("traveler", "TRVLC"),
    ("cash", "CASH"),
    ("cheque", "CHQ"),
    ("check", "CHQ"),
    ("credit card", "CRTCR"),
    ("crypto", "CRPTC"),
    ("money order", "MNYOR"),
    ("draft", "BANKD"),
    ("securities", "SECUR"),
)
_ELECTRONIC_FUNDS = "ELCFT"
_GENDERS = {"M": "M", "F": "F", "U": UNKNOWN}
# casework's document types; the schema's list names few beyond these two.
_ID_TYPES = {"passport": "PASSP", "driving_licence": "DRIVL"}
_ENTITY_ROLES = {
    "director": "DIR",
    "nominee director": "ND",
    "owner": "SHRHL",
    "shareholder": "SHRHL",
    "nominee shareholder": "NS",
    "ubo": "UBO",
    "beneficial owner": "UBO",
    "ultimate beneficial owner": "UBO",
    "manager": "MGR",
    "secretary": "CMPNS",
    "company secretary": "CMPNS",
    "partner": "PRTNR",
    "trustee": "TRSTE",
    "settlor": "SETLR",
    "protector": "PRO",
    "beneficiary": "BEN",
    "liquidator": "LIQUI",
    "signatory": "ATR",
    "representative": "ATR",
    "authorised representative": "ATR",
    "authorized representative": "ATR",
}

_WORDS = re.compile(r"[^a-z0-9]+")


def transmode(channel: str | None, kind: str | None, direction: str) -> str:
    """The goAML conduction code of a transaction, ``-`` when its channel and type say
    nothing the list knows."""
    for text in (channel, kind):
        code = _match(_TRANSMODES, text)
        if code == "ATM" and " cash " in _words(channel, kind):
            return "ATMWT" if direction == "out" else "CDM"
        if code is not None:
            return code
    return UNKNOWN


def funds_code(kind: str | None, channel: str | None) -> str:
    """The goAML funds code of a transaction's instrument."""
    for text in (kind, channel):
        code = _match(_FUNDS, text)
        if code is not None:
            return code
    return _ELECTRONIC_FUNDS


def _match(table: tuple[tuple[str, str], ...], text: str | None) -> str | None:
    words = _words(text)
    for keyword, code in table:
        if f" {keyword} " in words:
            return code
    return None


def _words(*texts: str | None) -> str:
    joined = " ".join(text for text in texts if text)
    return f" {_WORDS.sub(' ', joined.lower()).strip()} "
