"""goAML 5.0.2 reports: the reporting entity's settings, the ``<report>`` document written
from a draft, and casework's own checks of what the schema would refuse.

``build`` writes the document and ``check`` names each element the schema would reject
(missing, too long, a name with characters outside ``[a-zA-Z0-9 .'-]``...) without the
schema file; both walk the draft the same way, so a problem's element path is where the
value sits (or would sit) in the document ``build`` writes. A value the draft lacks but the
schema requires is written as an empty element that records its source (a required part
such as a business's directors too), so the schema's own error on it names the casework
field as well.

The modules, from a value up to the whole document:

- ``settings``: the reporting entity's goAML settings and its reporting person.
- ``codes``: the code lists casework writes and the rules its problems name.
- ``values``: the text of countries, dates, amounts and exchange rates.
- ``sources``: where a value comes from, and how a problem names its owner.
- ``elements``: one element written and its value checked.
- ``persons``: a subject, a related person or the reporting person.
- ``parties``: a transaction's client and counterparty.
- ``transactions``: the transactions, each with its two sides.
- ``report``: the document itself, ``build`` and ``check``.

Where the schema leaves a choice, the module that makes it says which: ``codes``,
``values``, ``parties`` and ``transactions``.
"""

from __future__ import annotations

from casework.reports.goaml.codes import (
    NAME_RULE,
    NARRATIVE_RULE,
    REPORT_CODES,
    REQUIRED,
    UNKNOWN,
    funds_code,
    transmode,
)
from casework.reports.goaml.report import build, check
from casework.reports.goaml.settings import GoamlSettings, ReportingPerson
from casework.reports.goaml.values import alpha2, amount_text, rate_text, sql_date

__all__ = [
    "NAME_RULE",
    "NARRATIVE_RULE",
    "REPORT_CODES",
    "REQUIRED",
    "UNKNOWN",
    "GoamlSettings",
    "ReportingPerson",
    "alpha2",
    "amount_text",
    "build",
    "check",
    "funds_code",
    "rate_text",
    "sql_date",
    "transmode",
]
