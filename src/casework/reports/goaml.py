"""goAML 5.0.2 reports: the reporting entity's settings, the ``<report>`` document written
from a draft, and casework's own checks of what the schema would refuse.

``build`` writes the document and ``check`` names each element the schema would reject
(missing, too long, a name with characters outside ``[a-zA-Z0-9 .'-]``...) without the
schema file; both walk the draft the same way, so a problem's element path is where the
value sits (or would sit) in the document ``build`` writes. A value the draft lacks but the
schema requires is written as an empty element that records its source (a required part
such as a business's directors too), so the schema's own error on it names the casework
field as well.

Where the schema leaves a choice:

- The customer is the reporting entity's client: ``t_from_my_client`` when money left
  them (direction "out"), ``t_to_my_client`` when it came in, as ``t_person_my_client``
  or ``t_entity_my_client`` (with the related people of ``parties`` as ``director_id``).
  Not as an account: an account of one's own client must carry its opening date and
  status, which the draft does not hold and a report must not invent. The account the
  money moved through is named in the funds comment instead.
- The counterparty is ``t_to`` / ``t_from``: a ``t_account`` when its account number is
  known (its bank as ``swift`` when the draft gives a BIC, else by name), otherwise a
  ``t_entity`` by name. The draft holds a counterparty as one name of unknown kind, and
  ``t_person`` would need it split into first and last names, which cannot be done
  reliably.
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
- A transaction in another currency than the local one also gives its own currency,
  amount and the rate between them (``*_foreign_currency``) on both sides.
- Countries are ISO alpha-2; dates ``YYYY-MM-DDThh:mm:ss`` (``xs:dateTime`` without a
  zone, from 1753), a moment with a zone given in UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Annotated, Literal

import pycountry
from lxml import etree
from pydantic import Field

from casework.reports.content import (
    Address,
    Business,
    Country,
    Currency,
    Draft,
    Identification,
    Person,
    Problem,
    ReportContent,
    ReportMeta,
    ReportTransaction,
    Text,
)
from casework.reports.xml import Built, Writer

# The report codes whose content casework's drafts can fill: a subject and its transactions.
REPORT_CODES: frozenset[str] = frozenset({"STR", "SAR"})
UNKNOWN = "-"
REQUIRED = "required (minOccurs 1)"
NAME_RULE = "pattern [a-zA-Z0-9 .'-]*"
NARRATIVE_RULE = "required by casework (goAML reason)"

SubmissionCode = Literal["E", "M", "-"]
Name = Annotated[str, Field(min_length=1, max_length=100)]


class ReportingPerson(Draft):
    """The compliance officer who files the reports (goAML ``reporting_person``)."""

    gender: Literal["M", "F", "U"] | None = Field(default=None, description="M, F or U")
    title: Annotated[str, Field(min_length=1, max_length=30)] | None = None
    first_name: Name | None = None
    middle_name: Name | None = None
    last_name: Name | None = None
    birth_date: date | None = None
    nationality: Country | None = Field(default=None, description="ISO 3166-1 alpha-3")
    ssn: Annotated[str, Field(min_length=1, max_length=25)] | None = Field(
        default=None, description="Social security number"
    )
    id_number: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="National identity number"
    )
    email: Text | None = None
    phone: Annotated[str, Field(min_length=1, max_length=50)] | None = None
    occupation: Text | None = Field(default=None, description="Position, e.g. MLRO")
    address: Address | None = None


class GoamlSettings(Draft):
    """A tenant's identity as a goAML reporting entity, as its FIU registered it."""

    rentity_id: int | None = Field(
        default=None, ge=1, le=2**31 - 1, description="Reporting entity id assigned by the FIU"
    )
    rentity_branch: Annotated[str, Field(min_length=1, max_length=255)] | None = Field(
        default=None, description="The reporting branch, when the FIU registers branches"
    )
    local_currency: Currency | None = Field(
        default=None, description="ISO 4217 currency amounts are reported in (currency_code_local)"
    )
    submission_code: SubmissionCode = Field(
        default="E", description="How reports are submitted: E electronic, M manual, - unknown"
    )
    reporting_person: ReportingPerson | None = Field(
        default=None, description="The person named as the reports' author"
    )
    location: Address | None = Field(
        default=None, description="The reporting entity's address (goAML location)"
    )
    deadline_days: int | None = Field(
        default=None, ge=1, le=365, description="Days after detection a goAML report is due"
    )


def build(meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> Built:
    """The ``<report>`` document of a draft, each value's source recorded."""
    return _Report(meta, content, settings).built()


def check(meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> list[Problem]:
    """Each element of the document that the goAML schema would refuse, or that casework
    requires, and why; empty when the draft is complete."""
    return _Report(meta, content, settings).problems()


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

_NOT_NAME = re.compile(r"[^a-zA-Z0-9 .'-]")
_EMAIL = re.compile(
    r"[_a-zA-Z0-9+-]+(\.[_a-zA-Z0-9+-]+)*@[a-zA-Z0-9-]+(\.[a-zA-Z0-9-]+)*(\.[a-zA-Z]{2,15})"
)
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?")
_WORDS = re.compile(r"[^a-z0-9]+")
_EARLIEST = datetime(1753, 1, 1)
_LARGEST = Decimal("7900000000000000")
_RATE_STEP = Decimal("1e-8")
_CENT = Decimal("0.01")
_COMMENTS = 8000


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


def alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return None if country is None else str(country.alpha_2)


def sql_date(value: date | datetime) -> str:
    """A goAML date: ``xs:dateTime`` without a zone."""
    if not isinstance(value, datetime):
        return f"{value.isoformat()}T00:00:00"
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat()


def amount_text(value: Decimal) -> str:
    """An amount in plain notation, with at least two decimals and no trailing zeros
    beyond them."""
    plain = value.normalize()
    exponent = plain.as_tuple().exponent
    if isinstance(exponent, int) and exponent > -2:
        plain = plain.quantize(_CENT)
    return format(plain, "f")


def rate_text(local: Decimal, foreign: Decimal) -> str:
    """Units of the local currency for one unit of the foreign one."""
    with localcontext() as context:
        # Enough digits for the largest amounts the draft takes, to eight decimals.
        context.prec = 60
        rate = (local / foreign).quantize(_RATE_STEP, rounding=ROUND_HALF_EVEN).normalize()
    return format(rate, "f")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _listing(items: list[str]) -> str:
    quoted = [f'"{item}"' for item in items]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} and {quoted[-1]}"


@dataclass(frozen=True)
class _At:
    """Where values come from: the casework field they fill and how to name their owner."""

    source: str
    who: str = ""
    settings: bool = False

    def field(self, attr: str) -> str:
        return f"{self.source}.{attr}" if self.source and attr else self.source or attr

    def child(self, attr: str, who: str) -> _At:
        return _At(self.field(attr), who, self.settings)

    def label(self, what: str) -> str:
        return f"the {what} of {self.who}" if self.who else f"the {what}"

    @property
    def unset(self) -> str:
        return "is not set in the goAML settings" if self.settings else "is missing"


@dataclass(frozen=True)
class _Someone:
    """A person as the goAML person types read one, whatever casework model it is from."""

    at: _At
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    gender: str | None = None
    title: str | None = None
    birth_date: date | None = None
    ssn: str | None = None
    # (value, attribute it is read from)
    id_number: tuple[str, str] | None = None
    tax_number: tuple[str, str] | None = None
    # (number, country, attribute of the number, attribute of the country)
    passport: tuple[str, str, str, str] | None = None
    nationality: str | None = None
    residence: str | None = None
    phone: str | None = None
    email: str | None = None
    occupation: str | None = None
    addresses: tuple[tuple[Address, _At], ...] = ()
    identifications: tuple[tuple[Identification, _At], ...] = ()


def _document(person: Person, kind: str) -> tuple[int, Identification] | None:
    for index, document in enumerate(person.identifications):
        if document.type == kind and document.number:
            return index, document
    return None


def _of_person(person: Person, at: _At) -> _Someone:
    national = _document(person, "national_id")
    tax = _document(person, "tax_id")
    passport = _document(person, "passport")
    return _Someone(
        at=at,
        first_name=person.first_name,
        middle_name=person.middle_name,
        last_name=person.last_name,
        gender=person.gender,
        birth_date=person.birth_date,
        id_number=None if national is None else _numbered(national),
        tax_number=None if tax is None else _numbered(tax),
        passport=None if passport is None else _passport(passport),
        nationality=person.nationality,
        residence=person.residence,
        phone=person.phone,
        email=person.email,
        occupation=person.occupation,
        addresses=tuple(
            (address, at.child(f"addresses[{k}]", f"address {k + 1} of {at.who}"))
            for k, address in enumerate(person.addresses)
        ),
        # A tax id is the person's tax number; as an identity document it would need an
        # expiry date, which tax ids do not have.
        identifications=tuple(
            (document, at.child(f"identifications[{k}]", f"identification {k + 1} of {at.who}"))
            for k, document in enumerate(person.identifications)
            if document.type != "tax_id"
        ),
    )


def _numbered(found: tuple[int, Identification]) -> tuple[str, str]:
    index, document = found
    return document.number or "", f"identifications[{index}].number"


def _passport(found: tuple[int, Identification]) -> tuple[str, str, str, str] | None:
    index, document = found
    if document.issuing_country is None:
        return None
    prefix = f"identifications[{index}]"
    number = document.number or ""
    return number, document.issuing_country, f"{prefix}.number", f"{prefix}.issuing_country"


def _of_reporter(person: ReportingPerson) -> _Someone:
    at = _At("settings.goaml.reporting_person", "the reporting person", settings=True)
    address = person.address
    return _Someone(
        at=at,
        first_name=person.first_name,
        middle_name=person.middle_name,
        last_name=person.last_name,
        gender=person.gender,
        title=person.title,
        birth_date=person.birth_date,
        ssn=person.ssn,
        id_number=None if person.id_number is None else (person.id_number, "id_number"),
        nationality=person.nationality,
        phone=person.phone,
        email=person.email,
        occupation=person.occupation,
        addresses=()
        if address is None
        else ((address, at.child("address", "the reporting person's address")),),
    )


@dataclass
class _Finding:
    element: etree._Element
    message: str
    field: str | None
    rule: str
    # The tag of a child casework requires but does not write; None for the element itself.
    absent: str | None = None


class _Report:
    """One walk over a draft: writes the document and notes what the schema would refuse."""

    def __init__(self, meta: ReportMeta, content: ReportContent, settings: GoamlSettings) -> None:
        self.meta = meta
        self.content = content
        self.settings = settings
        self.local = content.local_currency or settings.local_currency
        self.w = Writer("report")
        self.root = self.w.root
        self.findings: list[_Finding] = []
        self._write()

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

    def _write(self) -> None:
        self._header()
        self._reporter()
        self._reason()
        self._transactions()
        self._indicators()

    def _header(self) -> None:
        root, meta, settings = self.root, self.meta, self.settings
        goaml = _At("settings.goaml", settings=True)
        report = _At("report")
        rentity = None if settings.rentity_id is None else str(settings.rentity_id)
        self._text(root, "rentity_id", rentity, goaml, "rentity_id", "reporting entity id")
        self._text(
            root,
            "rentity_branch",
            settings.rentity_branch,
            goaml,
            "rentity_branch",
            "reporting branch",
            required=False,
            limit=255,
        )
        self._code(
            root, "submission_code", settings.submission_code, goaml.field("submission_code")
        )
        self._report_code()
        for attr, what in (
            ("entity_reference", "report's own reference"),
            ("fiu_ref_number", "FIU reference number"),
            ("prev_rejected_ref_number", "reference of the rejected report"),
        ):
            value = getattr(meta, attr)
            self._text(root, attr, value, report, attr, what, required=False, limit=255)
        self._date(root, "report_date", meta.report_date, report, "report_date", "report date")
        self._local_currency()

    def _reporter(self) -> None:
        settings = self.settings
        if settings.reporting_person is not None:
            person = _of_reporter(settings.reporting_person)
            element = self.w.add(self.root, "reporting_person")
            self.w.source(element, person.at.source)
            self._someone(element, person, "reporter")
        if settings.location is not None:
            at = _At("settings.goaml.location", "the reporting entity's location", settings=True)
            self._address(self.root, "location", settings.location, at, "BU")

    def _reason(self) -> None:
        """The narrative (goAML reason) and the action taken."""
        self._narrative()
        self._text(
            self.root,
            "action",
            self.content.action,
            _At(""),
            "action",
            "action taken",
            required=False,
            limit=_COMMENTS,
        )

    def _report_code(self) -> None:
        code = self.meta.report_code
        element = self._code(self.root, "report_code", code, "report.report_code")
        if code not in REPORT_CODES:
            message = (
                f'The report code "{code}" is not one casework files with goAML; '
                f"use {' or '.join(sorted(REPORT_CODES))}."
            )
            self._problem(element, message, "report.report_code", "enumeration (report_type)")

    def _local_currency(self) -> None:
        # The draft's own currency is what an analyst edits; the tenant's only fills it.
        from_settings = not self.content.local_currency and bool(self.settings.local_currency)
        at = _At("settings.goaml", settings=True) if from_settings else _At("")
        self._text(
            self.root,
            "currency_code_local",
            self.local,
            at,
            "local_currency",
            "report's local currency",
        )

    def _narrative(self) -> None:
        narrative = self.content.narrative
        if narrative is None:
            message = "The narrative (what happened and why it is suspicious) is missing."
            self._absent(self.root, "reason", message, "narrative", NARRATIVE_RULE)
            return
        self._text(
            self.root, "reason", narrative, _At(""), "narrative", "narrative", limit=_COMMENTS
        )

    def _indicators(self) -> None:
        element = self.w.add(self.root, "report_indicators", source="indicators")
        for k, code in enumerate(self.content.indicators):
            self._code(element, "indicator", code, f"indicators[{k}]")
        if not self.content.indicators:
            message = "No report indicator is chosen; goAML requires at least one."
            self._problem(element, message, "indicators", REQUIRED)

    def _transactions(self) -> None:
        for index, transaction in enumerate(self.content.transactions):
            self._transaction(index, transaction)
        if self.content.transactions:
            return
        message = (
            f"The report lists no transactions; a goAML {self.meta.report_code} "
            "must list at least one."
        )
        self._placeholder(self.root, "transaction", message, "transactions", REQUIRED)
        # The customer's own gaps are told now too, where its first transaction will hold them.
        report, self.w = self.w, Writer("transaction")
        try:
            self._client(self.w.add(self.w.root, "t_from_my_client"), "from")
        finally:
            self.w = report

    def _transaction(self, index: int, t: ReportTransaction) -> None:
        at = _At(f"transactions[{index}]", f"transaction {index + 1} ({t.reference})")
        element = self.w.add(self.root, "transaction")
        self.w.source(element, at.source)
        self._text(
            element, "transactionnumber", t.reference, at, "reference", "reference", limit=100
        )
        self._text(
            element,
            "internal_ref_number",
            t.transaction_id,
            at,
            "transaction_id",
            "casework id",
            required=False,
            limit=100,
        )
        # Casework does not know where a transaction took place; the element may be empty.
        self.w.add(element, "transaction_location", "")
        self._text(
            element,
            "transaction_description",
            _description(t),
            at,
            "description",
            "description",
            required=False,
            limit=_COMMENTS,
        )
        self._date(element, "date_transaction", t.occurred_at, at, "occurred_at", "date")
        self._conduct(element, t, at)
        self._amount_local(element, t, at)
        funds = funds_code(t.type, t.channel)
        if t.direction == "out":
            self._side(element, "t_from_my_client", "from", funds, t, at)
            self._side(element, "t_to", "to", funds, t, at)
        else:
            self._side(element, "t_from", "from", funds, t, at)
            self._side(element, "t_to_my_client", "to", funds, t, at)

    def _conduct(self, element: etree._Element, t: ReportTransaction, at: _At) -> None:
        mode_source = at.field("channel" if t.channel else "type")
        self._code(
            element, "transmode_code", transmode(t.channel, t.type, t.direction), mode_source
        )
        self._code(element, "transmode_comment", UNKNOWN, mode_source)

    def _amount_local(self, parent: etree._Element, t: ReportTransaction, at: _At) -> None:
        if t.amount_local is not None:
            self._amount(parent, "amount_local", t.amount_local, at, "amount_local", "amount")
        elif t.currency == self.local:
            self._amount(parent, "amount_local", t.amount, at, "amount", "amount")
        else:
            field = at.field("amount_local")
            element = self.w.add(parent, "amount_local", "", source=field)
            currency = self.local or "the local currency"
            message = (
                f"{_cap(at.label(f'amount in {currency}'))} is missing: "
                f"the transaction is in {t.currency}."
            )
            self._problem(element, message, field, REQUIRED)

    def _side(
        self,
        transaction: etree._Element,
        tag: str,
        prefix: str,
        funds: str,
        t: ReportTransaction,
        at: _At,
    ) -> None:
        mine = tag.endswith("_my_client")
        side = self.w.add(transaction, tag)
        self.w.source(side, at.source)
        self._code(side, f"{prefix}_funds_code", funds, at.field("type"))
        if mine:
            self._account_comment(side, prefix, t, at)
        self._foreign(side, prefix, t, at)
        if mine:
            self._client(side, prefix)
            self._client_country(side, f"{prefix}_country")
        else:
            self._counterparty(side, prefix, t, at)
            self._country(
                side,
                f"{prefix}_country",
                t.counterparty_country,
                at,
                "counterparty_country",
                "counterparty country",
                unknown=True,
            )

    def _account_comment(
        self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At
    ) -> None:
        subject = self.content.subject
        if t.account_number is not None:
            number, source = t.account_number, at.field("account_number")
        elif subject is not None and subject.account_number is not None:
            number, source = subject.account_number, "subject.account_number"
        else:
            return
        text = (
            f"Debited from account {number}"
            if prefix == "from"
            else f"Credited to account {number}"
        )
        self.w.add(side, f"{prefix}_funds_comment", text, source=source)

    def _foreign(self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At) -> None:
        if self.local is None or t.currency == self.local:
            return
        element = self.w.add(side, f"{prefix}_foreign_currency")
        self.w.source(element, at.field("currency"))
        self._code(element, "foreign_currency_code", t.currency, at.field("currency"))
        self._amount(element, "foreign_amount", t.amount, at, "amount", "amount")
        if t.amount_local is not None:
            rate = rate_text(t.amount_local, t.amount)
            self._code(element, "foreign_exchange_rate", rate, at.field("amount_local"))

    def _counterparty(
        self, side: etree._Element, prefix: str, t: ReportTransaction, at: _At
    ) -> None:
        if t.counterparty_account is None:
            entity = self.w.add(side, f"{prefix}_entity")
            self.w.source(entity, at.field("counterparty_name"))
            self._text(
                entity,
                "name",
                t.counterparty_name,
                at,
                "counterparty_name",
                "counterparty name",
                limit=255,
                name=True,
            )
            return
        account = self.w.add(side, f"{prefix}_account")
        self.w.source(account, at.field("counterparty_account"))
        bank = t.counterparty_bank
        bank_source = at.field("counterparty_bank")
        if bank is not None and _BIC.fullmatch(bank):
            self._code(account, "swift", bank, bank_source)
        else:
            self._text(
                account,
                "institution_name",
                bank,
                at,
                "counterparty_bank",
                "counterparty bank",
                required=False,
                limit=255,
            )
            self._code(account, "institution_code", UNKNOWN, bank_source)
        self._text(
            account,
            "account",
            t.counterparty_account,
            at,
            "counterparty_account",
            "counterparty account",
            limit=255,
        )
        self._text(
            account,
            "account_name",
            t.counterparty_name,
            at,
            "counterparty_name",
            "counterparty name",
            limit=255,
            name=True,
        )

    def _client(self, side: etree._Element, prefix: str) -> None:
        subject = self.content.subject
        if subject is None:
            message = "The report has no subject: the customer it is about."
            self._placeholder(side, f"{prefix}_person", message, "subject", REQUIRED)
            return
        if subject.kind == "business":
            self._business(side, f"{prefix}_entity", subject.business or Business())
            return
        person = _of_person(subject.person or Person(), _At("subject.person", "the subject"))
        element = self.w.add(side, f"{prefix}_person")
        self.w.source(element, person.at.source)
        self._someone(element, person, "client")

    def _client_country(self, side: etree._Element, tag: str) -> None:
        """Where the client's side of the money is: the reporting entity's country, else
        the client's own."""
        location = self.settings.location
        subject = self.content.subject
        at, attr = _At("settings.goaml.location"), "country"
        country = location.country if location is not None else None
        if country is None and subject is not None and subject.person is not None:
            at, attr, country = _At("subject.person"), "residence", subject.person.residence
        if country is None and subject is not None and subject.business is not None:
            at, attr = _At("subject.business"), "incorporation_country"
            country = subject.business.incorporation_country
        self._country(side, tag, country, at, attr, "country", unknown=True)

    def _business(self, side: etree._Element, tag: str, business: Business) -> None:
        at = _At("subject.business", "the subject")
        element = self.w.add(side, tag)
        self.w.source(element, at.source)
        self._text(
            element, "name", business.name, at, "name", "business name", limit=255, name=True
        )
        self._text(
            element,
            "commercial_name",
            business.commercial_name,
            at,
            "commercial_name",
            "commercial name",
            required=False,
            limit=255,
            name=True,
        )
        self._code(element, "incorporation_legal_form", UNKNOWN, at.field("legal_form"))
        self._text(
            element,
            "incorporation_number",
            business.registration_number,
            at,
            "registration_number",
            "registration number",
            limit=50,
        )
        self._text(
            element,
            "business",
            business.business_activity or "",
            at,
            "business_activity",
            "business activity",
            required=False,
            limit=255,
        )
        if business.phone is not None:
            self._phones(element, business.phone, at.field("phone"), "BU")
        addresses = self.w.add(element, "addresses")
        self.w.source(addresses, at.field("addresses"))
        for k, address in enumerate(business.addresses):
            where = at.child(f"addresses[{k}]", f"address {k + 1} of the subject")
            self._address(addresses, "address", address, where, "BU")
        self._email(element, business.email, at, "email")
        self._text(element, "url", business.url, at, "url", "website", required=False, limit=255)
        # Casework records no state of incorporation; the element may be empty.
        self.w.add(element, "incorporation_state", "")
        self._country(
            element,
            "incorporation_country_code",
            business.incorporation_country,
            at,
            "incorporation_country",
            "country of incorporation",
        )
        self._related(element)
        self._date(
            element,
            "incorporation_date",
            business.incorporation_date,
            at,
            "incorporation_date",
            "incorporation date",
        )
        self._text(
            element,
            "tax_number",
            business.tax_number,
            at,
            "tax_number",
            "tax number",
            required=False,
            limit=100,
        )
        self._code(element, "tax_reg_number", UNKNOWN, None)
        if business.legal_form is not None:
            self.w.add(
                element,
                "comments",
                f"Legal form: {business.legal_form}",
                source=at.field("legal_form"),
            )

    def _related(self, entity: etree._Element) -> None:
        parties = self.content.parties
        for k, party in enumerate(parties):
            role = f" ({party.role})" if party.role else ""
            person = _of_person(party, _At(f"parties[{k}]", f"related person {k + 1}{role}"))
            element = self.w.add(entity, "director_id")
            self.w.source(element, person.at.source)
            self._someone(element, person, "other")
            code = _ENTITY_ROLES.get(" ".join((party.role or "").lower().split()))
            if code is not None:
                self._code(element, "role", code, person.at.field("role"))
        if not parties:
            message = (
                "The business has no directors or other related people; goAML requires "
                "at least one for the reporting entity's own client."
            )
            self._placeholder(entity, "director_id", message, "parties", REQUIRED)

    def _someone(
        self, element: etree._Element, s: _Someone, kind: Literal["client", "other", "reporter"]
    ) -> None:
        """The children of a ``t_person_my_client`` (client), ``t_person`` (other) or
        ``t_person_registration_in_report`` (reporter): the same elements in the same
        order, the client's required."""
        client = kind == "client"
        self._identity(element, s, client)
        self._contacts(element, s, kind)
        self._documents(element, s, client)

    def _identity(self, element: etree._Element, s: _Someone, client: bool) -> None:
        at = s.at
        gender = _GENDERS.get(s.gender or "") or (UNKNOWN if client else None)
        if gender is not None:
            self._code(element, "gender", gender, at.field("gender"))
        self._text(element, "title", s.title, at, "title", "title", required=False, limit=30)
        self._names(element, s)
        self._date(
            element, "birthdate", s.birth_date, at, "birth_date", "birth date", required=client
        )
        self._text(
            element, "ssn", s.ssn, at, "ssn", "social security number", required=False, limit=25
        )
        if s.passport is not None:
            number, country, number_attr, country_attr = s.passport
            self._text(
                element, "passport_number", number, at, number_attr, "passport number", limit=255
            )
            self._country(
                element, "passport_country", country, at, country_attr, "passport country"
            )
        self._id_number(element, s, client)
        self._country(
            element,
            "nationality1",
            s.nationality,
            at,
            "nationality",
            "nationality",
            required=client,
        )
        self._country(
            element,
            "residence",
            s.residence,
            at,
            "residence",
            "country of residence",
            required=client,
        )

    def _contacts(
        self, element: etree._Element, s: _Someone, kind: Literal["client", "other", "reporter"]
    ) -> None:
        at = s.at
        # A reporting officer is reached at work; a client or related person privately.
        contact = "BU" if kind == "reporter" else "PRSNL"
        if s.phone is not None or kind == "client":
            self._phones(element, s.phone, at.field("phone"), contact)
        if s.addresses:
            addresses = self.w.add(element, "addresses")
            self.w.source(addresses, at.field("addresses" if kind != "reporter" else "address"))
            for address, where in s.addresses:
                self._address(addresses, "address", address, where, contact)
        self._email(element, s.email, at, "email")
        self._text(
            element,
            "occupation",
            s.occupation,
            at,
            "occupation",
            "occupation",
            required=False,
            limit=255,
        )

    def _documents(self, element: etree._Element, s: _Someone, client: bool) -> None:
        at = s.at
        for document, where in s.identifications:
            self._identification(element, document, where)
        if client and not s.identifications:
            message = (
                f"{_cap(at.who)} has no identity document; goAML requires at least one "
                "for the reporting entity's own client."
            )
            self._placeholder(
                element, "identification", message, at.field("identifications"), REQUIRED
            )
        if s.tax_number is not None:
            value, attr = s.tax_number
            self._text(element, "tax_number", value, at, attr, "tax number", limit=100)
        if client:
            self._code(element, "tax_reg_number", UNKNOWN, None)

    def _names(self, element: etree._Element, s: _Someone) -> None:
        at = s.at
        self._text(
            element,
            "first_name",
            s.first_name,
            at,
            "first_name",
            "first name",
            limit=100,
            name=True,
        )
        self._text(
            element,
            "middle_name",
            s.middle_name,
            at,
            "middle_name",
            "middle name",
            required=False,
            limit=100,
            name=True,
        )
        self._text(
            element, "last_name", s.last_name, at, "last_name", "last name", limit=100, name=True
        )

    def _id_number(self, element: etree._Element, s: _Someone, client: bool) -> None:
        if s.id_number is not None:
            value, attr = s.id_number
            self._text(element, "id_number", value, s.at, attr, "identity number", limit=255)
        elif client:
            # Required, but may be empty: not every client has a national identity number.
            self.w.add(element, "id_number", "", source=s.at.field("identifications"))

    def _phones(self, parent: etree._Element, number: str | None, source: str, kind: str) -> None:
        phones = self.w.add(parent, "phones")
        self.w.source(phones, source)
        if number is None:
            return
        phone = self.w.add(phones, "phone")
        self._code(phone, "tph_contact_type", kind, source)
        self._code(phone, "tph_communication_type", UNKNOWN, source)
        self.w.add(phone, "tph_number", number, source=source)

    def _address(
        self, parent: etree._Element, tag: str, address: Address, at: _At, kind: str
    ) -> None:
        element = self.w.add(parent, tag)
        self.w.source(element, at.source)
        self._code(element, "address_type", kind, at.source)
        self._text(element, "address", address.street, at, "street", "street", limit=100)
        self._text(element, "city", address.city, at, "city", "city", limit=255)
        self._text(
            element,
            "zip",
            address.postal_code,
            at,
            "postal_code",
            "postal code",
            required=False,
            limit=10,
        )
        self._country(element, "country_code", address.country, at, "country", "country")
        self._text(element, "state", address.state, at, "state", "state or province", limit=255)

    def _identification(self, parent: etree._Element, document: Identification, at: _At) -> None:
        element = self.w.add(parent, "identification")
        self.w.source(element, at.source)
        self._code(element, "type", _ID_TYPES.get(document.type, UNKNOWN), at.field("type"))
        self._text(element, "number", document.number, at, "number", "number", limit=255)
        self._date(element, "issue_date", document.issue_date, at, "issue_date", "issue date")
        self._date(element, "expiry_date", document.expiry_date, at, "expiry_date", "expiry date")
        self._country(
            element,
            "issue_country",
            document.issuing_country,
            at,
            "issuing_country",
            "issuing country",
        )


def _description(t: ReportTransaction) -> str:
    if t.description:
        return t.description
    if t.type and t.channel:
        return f"{t.type} ({t.channel})"
    return t.type or t.channel or ""
