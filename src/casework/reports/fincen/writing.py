"""How every part of the SAR is written: elements in FinCEN's namespace, records that
carry a SeqNum, values tied to the casework field they came from, and the problems found
along the way, read once the document is complete.

Values are written as they are, never cut to fit: a value too long is a problem the
analyst sees, not text silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.fincen.codes import MAX_LENGTH, NAMESPACE, XSI
from casework.reports.fincen.settings import FincenSettings
from casework.reports.fincen.values import upper_first
from casework.reports.xml import Writer, readable


def fc2(name: str) -> str:
    """``name`` in FinCEN's namespace: the element ``fc2:name``."""
    return f"{{{NAMESPACE}}}{name}"


@dataclass(frozen=True)
class _Pending:
    """A problem found while writing: ``tag`` None means ``at`` itself, otherwise the
    missing child ``tag`` of ``at``. Paths are read once the document is complete, when
    sibling numbering no longer changes."""

    at: etree._Element
    tag: str | None
    message: str
    field: str
    rule: str

    def problem(self) -> Problem:
        path = readable(self.at.getroottree().getpath(self.at))
        element = f"{path}/{self.tag}" if self.tag else path
        return Problem(element=element, message=self.message, field=self.field, rule=self.rule)


class Writing:
    """The draft, the settings, the document being written and the problems found so far,
    with the helpers that write an element and note what is wrong with it."""

    def __init__(self, meta: ReportMeta, content: ReportContent, settings: FincenSettings):
        self.meta = meta
        self.content = content
        self.settings = settings
        self.writer = Writer(fc2("EFilingBatchXML"), nsmap={"fc2": NAMESPACE, "xsi": XSI})
        self._pending: list[_Pending] = []

    def problems(self) -> list[Problem]:
        found: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for pending in self._pending:
            # A setting written in several places (the filer's TIN also names the
            # institution where the activity occurred) is one thing to fix.
            if (pending.field, pending.rule) in seen:
                continue
            seen.add((pending.field, pending.rule))
            found.append(pending.problem())
        return found

    # -- writing helpers ---------------------------------------------------------------

    def _record(
        self, parent: etree._Element, name: str, *, source: str | None = None
    ) -> etree._Element:
        """A complex element: every one carries a SeqNum, set once the batch is written."""
        return self.writer.add(parent, fc2(name), source=source, attrib={"SeqNum": "0"})

    def _flag(self, parent: etree._Element, name: str, source: str | None = None) -> None:
        self.writer.add(parent, fc2(name), "Y", source=source)

    def _missing(
        self, at: etree._Element, tag: str | None, message: str, field: str, rule: str = "required"
    ) -> None:
        self._pending.append(_Pending(at, tag, message, field, rule))

    def _value(
        self,
        parent: etree._Element,
        name: str,
        value: str | None,
        field: str,
        what: str,
        *,
        required: bool = False,
    ) -> etree._Element | None:
        """A simple element with its value, a problem when a required value is missing and
        one when the value is longer than the schema takes."""
        if value is None:
            if required:
                self._missing(parent, name, f"{upper_first(what)} is not set", field)
            return None
        element = self.writer.add(parent, fc2(name), value, source=field)
        limit = MAX_LENGTH.get(name)
        if limit is not None and len(value) > limit:
            self._missing(
                element,
                None,
                f"{upper_first(what)} is {len(value)} characters long; FinCEN takes at most "
                f"{limit}",
                field,
                f"maxLength {limit}",
            )
        return element
