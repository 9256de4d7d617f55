"""The elements of a goAML document, each written with the casework field its value comes
from and checked for what the schema would refuse: a required value missing, a text too
long, a name with characters outside ``[a-zA-Z0-9 .'-]``, a date before 1753, an amount
too large, a country without an alpha-2 code or an email address of another form."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.goaml.codes import NAME_RULE, REQUIRED, UNKNOWN
from casework.reports.goaml.settings import GoamlSettings
from casework.reports.goaml.sources import _At
from casework.reports.goaml.values import alpha2, amount_text, sql_date
from casework.reports.xml import Built, Writer

_NOT_NAME = re.compile(r"[^a-zA-Z0-9 .'-]")
_EMAIL = re.compile(
    r"[_a-zA-Z0-9+-]+(\.[_a-zA-Z0-9+-]+)*@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*(\.[a-zA-Z]{2,15})"
)
_EARLIEST = datetime(1753, 1, 1)
_LARGEST = Decimal("7900000000000000")
_COMMENTS = 8000


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listing(items: list[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass
class _Finding:
    element: etree._Element
    message: str
    field: str | None
    rule: str
    # The tag of a child casework requires but does not write; None for the element itself.
    absent: str | None = None


class _Elements:
    """A document being written from a draft and the problems found in it so far."""

    def __init__(self, meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> None:
        self.meta = meta
        self.content = content
        self.settings = settings
        self.local = content.local_currency or settings.local_currency
        self.w = Writer("report")
        self.root = self.w.root
        self.findings: list[_Finding] = []

    def built(self) -> Built:
        return self.w.finish()

    def problems(self) -> list[Problem]:
        seen: set[tuple[str | None, str, str]] = set()
        found = []
        # The customer is written in every transaction; each of its problems is told once.
        for finding in self.findings:
            key = (finding.field, finding.rule, finding.message)
            if key in seen:
                continue
            seen.add(key)
            path = self._path(finding.element)
            if finding.absent is not None:
                path = f"{path}/{finding.absent}"
            found.append(Problem(path, finding.message, finding.field, finding.rule))
        return found

    def _path(self, element: etree._Element) -> str:
        tree = element.getroottree()
        path = tree.getpath(element)
        # A part written outside the document only to be checked stands where it would be.
        return path if tree.getroot() is self.root else f"/report{path}"

    def _problem(self, element: etree._Element, message: str, field: str | None, rule: str) -> None:
        self.findings.append(_Finding(element, message, field, rule))

    def _placeholder(
        self, parent: etree._Element, tag: str, message: str, field: str, rule: str
    ) -> None:
        """A required part the draft has nothing for, written empty so that the schema's
        error is about it (and its field) rather than about the element after it."""
        element = self.w.add(parent, tag, source=field)
        self._problem(element, message, field, rule)

    def _absent(
        self, parent: etree._Element, tag: str, message: str, field: str | None, rule: str
    ) -> None:
        self.findings.append(_Finding(parent, message, field, rule, absent=tag))

    def _text(
        self,
        parent: etree._Element,
        tag: str,
        value: str | None,
        at: _At,
        attr: str,
        what: str,
        *,
        required: bool = True,
        limit: int | None = None,
        name: bool = False,
    ) -> None:
        """A text element. Required and empty, it is written empty and named; optional,
        it is left out when None and written as given when empty."""
        field = at.field(attr)
        label = at.label(what)
        if not value:
            if value is None and not required:
                return
            element = self.w.add(parent, tag, "", source=field)
            if required:
                self._problem(element, f"{_cap(label)} {at.unset}.", field, REQUIRED)
            return
        element = self.w.add(parent, tag, value, source=field)
        if limit is not None and len(value) > limit:
            message = f"{_cap(label)} is {len(value)} characters long; goAML allows {limit}."
            self._problem(element, message, field, f"maxLength {limit}")
        if name:
            self._name_pattern(element, value, field, label)

    def _name_pattern(self, element: etree._Element, value: str, field: str, label: str) -> None:
        others = list(dict.fromkeys(_NOT_NAME.findall(value)))
        if not others:
            return
        message = (
            f'{_cap(label)} "{value}" contains {_listing(others)}, which goAML does not '
            "accept in names: only Latin letters without accents, digits, spaces, full "
            "stops, apostrophes and hyphens."
        )
        self._problem(element, message, field, NAME_RULE)

    def _code(
        self, parent: etree._Element, tag: str, code: str, source: str | None
    ) -> etree._Element:
        return self.w.add(parent, tag, code, source=source)

    def _date(
        self,
        parent: etree._Element,
        tag: str,
        value: date | datetime | None,
        at: _At,
        attr: str,
        what: str,
        *,
        required: bool = True,
    ) -> None:
        field = at.field(attr)
        if value is None:
            if required:
                element = self.w.add(parent, tag, "", source=field)
                self._problem(element, f"{_cap(at.label(what))} {at.unset}.", field, REQUIRED)
            return
        text = sql_date(value)
        element = self.w.add(parent, tag, text, source=field)
        if datetime.fromisoformat(text) < _EARLIEST:
            message = f"{_cap(at.label(what))} is before 1753, the earliest date goAML takes."
            self._problem(element, message, field, "minInclusive 1753-01-01T00:00:00")

    def _amount(
        self, parent: etree._Element, tag: str, value: Decimal, at: _At, attr: str, what: str
    ) -> None:
        field = at.field(attr)
        element = self.w.add(parent, tag, amount_text(value), source=field)
        if abs(value) > _LARGEST:
            message = f"{_cap(at.label(what))} is larger than goAML accepts."
            self._problem(element, message, field, f"maxInclusive {_LARGEST}")

    def _country(
        self,
        parent: etree._Element,
        tag: str,
        alpha3: str | None,
        at: _At,
        attr: str,
        what: str,
        *,
        required: bool = True,
        unknown: bool = False,
    ) -> None:
        field = at.field(attr)
        if alpha3 is None:
            if unknown:
                self.w.add(parent, tag, UNKNOWN, source=field)
            elif required:
                element = self.w.add(parent, tag, "", source=field)
                self._problem(element, f"{_cap(at.label(what))} {at.unset}.", field, REQUIRED)
            return
        code = alpha2(alpha3)
        element = self.w.add(parent, tag, code or alpha3, source=field)
        if code is None:
            message = f'{_cap(at.label(what))} "{alpha3}" has no ISO 3166-1 alpha-2 code.'
            self._problem(element, message, field, "enumeration (country_type)")

    def _email(self, parent: etree._Element, value: str | None, at: _At, attr: str) -> None:
        if value is None:
            return
        field = at.field(attr)
        element = self.w.add(parent, "email", value, source=field)
        if len(value) > 255 or not _EMAIL.fullmatch(value):
            message = f'{_cap(at.label("email address"))} "{value}" is not one goAML accepts.'
            self._problem(element, message, field, "pattern (email_address)")
