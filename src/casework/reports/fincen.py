"""FinCEN SAR: a draft written as a BSA E-Filing batch (``EFilingBatchXML``, form SARX),
and casework's own checks of what FinCEN needs that the draft or the settings lack.

One report is one batch holding one ``Activity``. Its parties always come in the same
order, so an element's place is the same whatever the draft holds: the transmitter (35),
the transmitter contact (37), the filing institution (30), the contact office (8), the
institution where the activity occurred (34) and the subject (33).

The schema makes almost every element optional; FinCEN's filing rules make many of them
required. ``check`` names what the rules need and the draft lacks, with the element, the
casework field that fills it and the rule; the schema (``casework.reports.schema``) names
what the written document breaks. Values are written as they are, never cut to fit: a
value too long is a problem the analyst sees, not text silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from functools import cache
from typing import Annotated, Final, Literal

import pycountry
from lxml import etree
from pydantic import Field

from casework.reports.content import (
    Address,
    Business,
    Draft,
    Identification,
    Person,
    Problem,
    ReportContent,
    ReportMeta,
)
from casework.reports.xml import Built, Writer, readable

NAMESPACE: Final = "www.fincen.gov/base"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION: Final = "www.fincen.gov/base https://www.fincen.gov/base/EFL_SARXBatchSchema.xsd"
FORM_TYPE: Final = "SARX"

_Text = Annotated[str, Field(min_length=1, max_length=255)]
_Number = Annotated[str, Field(min_length=1, max_length=50)]

TinType = Literal["ein", "ssn_itin", "foreign"]
InstitutionIdType = Literal["rssd", "crd", "iard", "nfa", "sec", "naic", "nmls"]
# The schema's own codes (ValidateOrganizationCodeType, ValidateOrganizationSubtypeCodeType,
# ValidateFederalRegulatorCodeType), so that a tenant's setting reads as FinCEN's form does.
InstitutionType = Literal["1", "2", "3", "4", "5", "11", "12", "999"]
InstitutionSubtype = Literal[
    "101", "102", "103", "503", "504", "508", "513", "514", "528", "529", "533", "534",
    "535", "539", "540", "541", "542", "1999", "5999",
]  # fmt: skip
Regulator = Literal["1", "2", "3", "4", "6", "7", "9", "13", "99"]


class FincenTransmitter(Draft):
    name: _Text | None = Field(
        default=None,
        description="Legal name of whoever sends the file to FinCEN (often the institution itself)",
    )
    tin: _Number | None = Field(default=None, description="The transmitter's TIN (9 digits)")
    tcc: _Number | None = Field(
        default=None, description="Transmitter Control Code that FinCEN assigned (such as PBSA1234)"
    )
    phone: _Number | None = Field(default=None, description="The transmitter's phone number")
    address: Address | None = Field(default=None, description="The transmitter's address")
    contact_name: _Text | None = Field(
        default=None, description="The person at the transmitter FinCEN may contact about the file"
    )


class FincenInstitution(Draft):
    name: _Text | None = Field(default=None, description="Legal name")
    dba_name: _Text | None = Field(default=None, description="Doing-business-as name, if any")
    tin: _Number | None = Field(default=None, description="Taxpayer identification number")
    tin_type: TinType | None = Field(
        default=None, description="What the TIN is: ein, ssn_itin or foreign"
    )
    institution_type: InstitutionType | None = Field(
        default=None,
        description=(
            "FinCEN's institution type code: 1 casino/card club, 2 depository institution, "
            "3 insurance company, 4 money services business, 5 securities/futures, "
            "11 loan or finance company, 12 housing GSE, 999 other"
        ),
    )
    institution_type_other: _Text | None = Field(
        default=None, description="What the institution is, when its type is 999 (other)"
    )
    institution_subtypes: list[InstitutionSubtype] = Field(
        default_factory=list,
        max_length=15,
        description="FinCEN's institution subtype codes (gaming 1xx, securities/futures 5xx)",
    )
    institution_subtype_other: _Text | None = Field(
        default=None, description="What the institution is, for subtype 1999 or 5999 (other)"
    )
    primary_regulator: Regulator | None = Field(
        default=None,
        description=(
            "FinCEN's primary federal regulator code: 1 Federal Reserve, 2 FDIC, 3 NCUA, "
            "4 OCC, 6 SEC, 7 IRS, 9 CFTC, 13 FHFA, 99 not applicable"
        ),
    )
    id_type: InstitutionIdType | None = Field(
        default=None, description="Kind of the institution's identification number (RSSD...)"
    )
    id_number: _Number | None = Field(
        default=None, description="The institution's RSSD, CRD, IARD, NFA, SEC, NAIC or NMLS number"
    )
    address: Address | None = Field(default=None, description="The institution's address")


class FincenContactOffice(Draft):
    name: _Text | None = Field(
        default=None, description="The office FinCEN and law enforcement contact about a SAR"
    )
    phone: _Number | None = Field(default=None, description="The contact office's phone number")


class FincenSettings(Draft):
    """A tenant's FinCEN filer settings."""

    transmitter: FincenTransmitter = Field(
        default_factory=FincenTransmitter, description="Who sends the batch file to FinCEN"
    )
    filer: FincenInstitution = Field(
        default_factory=FincenInstitution, description="The filing institution"
    )
    contact_office: FincenContactOffice = Field(
        default_factory=FincenContactOffice, description="The designated contact office"
    )
    activity_institution: FincenInstitution | None = Field(
        default=None,
        description="The institution where the activity occurred, when not the filer itself",
    )


# A filing type -> the ActivityAssociation indicators it sets, in the schema's order.
# A joint report is left out: it must name every other filing institution as a further
# institution where the activity occurred, which these settings cannot hold.
FILING_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "initial": ("InitialReportIndicator",),
    "correct": ("CorrectsAmendsPriorReportIndicator",),
    "continuing": ("ContinuingActivityReportIndicator",),
}
_NEEDS_PRIOR = frozenset(
    {"CorrectsAmendsPriorReportIndicator", "ContinuingActivityReportIndicator"}
)
_PRIOR_PURPOSE = {
    "correct": "A correction needs the BSA ID of the report it corrects",
    "continuing": "A continuing activity report needs the BSA ID of the previous report",
}

TRANSMITTER, TRANSMITTER_CONTACT, FILING_INSTITUTION = "35", "37", "30"
CONTACT_OFFICE, ACTIVITY_INSTITUTION, SUBJECT, ACCOUNT_INSTITUTION = "8", "34", "33", "41"

_TIN_TYPE_CODES: Final = {"ssn_itin": "1", "ein": "2", "foreign": "9"}
_INSTITUTION_ID_CODES: Final = {
    "crd": "10", "iard": "11", "nfa": "12", "sec": "13", "rssd": "14", "naic": "32", "nmls": "33",
}  # fmt: skip
_TRANSMITTER_TIN, _TCC, _INTERNAL_CONTROL = "4", "28", "29"
_ACCOUNT_INSTITUTION_TIN = "4"
_OTHER_ID = "999"
# The subject's identity documents. The first tax id is the subject's TIN, written apart;
# FinCEN takes one TIN per subject, so a further one goes as an "other" identification.
_DOCUMENT_CODES: Final[dict[str, tuple[str, str | None]]] = {
    "tax_id": (_OTHER_ID, "Further tax identification number"),
    "passport": ("6", None),
    "driving_licence": ("5", None),
    "national_id": (_OTHER_ID, "National identity card"),
    "registration": (_OTHER_ID, "Registration number"),
    "other": (_OTHER_ID, "Other identification"),
}
# States are written only for the countries whose states FinCEN codes.
_STATE_COUNTRIES = frozenset({"US", "CA", "MX"})

# The schema's SuspiciousActivitySubtypeID values. It lists the categories
# (SuspiciousActivityTypeID) apart and does not pair them; FinCEN numbers a subtype after
# its category: 812 is money laundering (8), 1005 mortgage fraud (10), and the "other"
# subtype of category n is n999 (1999 structuring, 12999 gaming).
_SUBTYPES: Final = frozenset(
    int(code)
    for code in (
        "106 111 112 113 114 301 304 305 308 309 310 312 320 321 322 323 324 325 401 402 "
        "403 404 405 409 501 502 504 505 506 507 601 603 604 608 609 701 801 804 805 806 "
        "807 808 809 812 820 821 822 823 824 901 903 904 905 907 908 909 910 911 913 917 "
        "920 921 922 924 925 926 927 928 1001 1003 1005 1006 1007 1101 1102 1201 1202 1203 "
        "1204 1999 3999 4999 5999 6999 7999 8999 9999 10999 11999 12999"
    ).split()
)

# maxLength of the schema's types for the values casework writes.
_MAX_LENGTH: Final = {
    "RawPartyFullName": 150,
    "RawEntityIndividualLastName": 150,
    "RawIndividualFirstName": 35,
    "RawIndividualMiddleName": 35,
    "RawStreetAddress1Text": 100,
    "RawCityText": 50,
    "RawStateCodeText": 3,
    "RawZIPCode": 9,
    "PhoneNumberText": 16,
    "PartyIdentificationNumberText": 25,
    "SubjectRelationshipFinancialInstitutionTINText": 25,
    "OccupationBusinessText": 50,
    "ElectronicAddressText": 517,
    "AccountNumberText": 40,
    "OtherOrganizationTypeText": 50,
    "OtherOrganizationSubTypeText": 50,
}
# Five narrative blocks: four of characters 1-16000 and a fifth of 16001-17000.
NARRATIVE_BLOCK = 4000
NARRATIVE_MAX = 17_000
_PRIOR_BSA_ID = re.compile(r"[0-9]{14}")
_NINE_DIGITS = re.compile(r"[0-9]{9}")
_US_ZIP = re.compile(r"[0-9]{5}([0-9]{4})?")
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def build(meta: ReportMeta, content: ReportContent, settings: FincenSettings) -> Built:
    """The SAR as one batch, each value's element tied to the field it came from."""
    sar = _Sar(meta, content, settings)
    sar.write()
    return sar.writer.finish()


def check(meta: ReportMeta, content: ReportContent, settings: FincenSettings) -> list[Problem]:
    """What FinCEN's filing rules need that the report lacks or cannot take, each once."""
    sar = _Sar(meta, content, settings)
    sar.write()
    return sar.problems()


def activity_category(subtype: str) -> int | None:
    """The SuspiciousActivityTypeID of a subtype code, or None when FinCEN has no such code."""
    if not subtype.isdigit() or int(subtype) not in _SUBTYPES:
        return None
    code = int(subtype)
    return code // 1000 if code % 1000 == 999 else code // 100


def _t(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def _clean(value: str | None) -> str | None:
    """Text as the schema's patterns take it: no control characters, no leading, trailing
    or repeated whitespace."""
    if value is None:
        return None
    cleaned = " ".join(_XML_UNSAFE.sub("", value).split())
    return cleaned or None


def _digits(value: str | None) -> str | None:
    """A phone number as FinCEN takes it: digits only."""
    if value is None:
        return None
    return re.sub(r"[^0-9]", "", value) or None


def _compact(value: str | None) -> str | None:
    """Identification numbers and postal codes go to FinCEN without punctuation or spaces."""
    if value is None:
        return None
    return re.sub(r"[^0-9A-Za-z]", "", value) or None


@cache
def _alpha2(alpha3: str) -> str | None:
    country = pycountry.countries.get(alpha_3=alpha3)
    return None if country is None else str(country.alpha_2)


def _country(alpha3: str | None) -> str | None:
    return None if alpha3 is None else _alpha2(alpha3)


def _yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")


def _whole_dollars(amount: Decimal) -> int:
    # FinCEN takes whole dollars and asks for amounts to be rounded up.
    return int(amount.to_integral_value(rounding=ROUND_CEILING))


def _narrative_blocks(text: str) -> list[str]:
    """``text`` in blocks of at most NARRATIVE_BLOCK characters that join back to it. A cut
    falls inside a word, so that no block starts or ends with a space."""
    blocks: list[str] = []
    start = 0
    while len(text) - start > NARRATIVE_BLOCK:
        cut = start + NARRATIVE_BLOCK
        while cut > start + 1 and (text[cut - 1].isspace() or text[cut].isspace()):
            cut -= 1
        if cut == start + 1:
            cut = start + NARRATIVE_BLOCK
        blocks.append(text[start:cut])
        start = cut
    blocks.append(text[start:])
    return blocks


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


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


@dataclass(frozen=True)
class _Ident:
    """One PartyIdentification: a number and its type, or a declared unknown TIN."""

    number: str | None
    field: str
    what: str
    code: str | None
    code_field: str | None = None
    country: str | None = None
    country_field: str | None = None
    other_text: str | None = None
    required: bool = False
    nine_digits: bool = False
    tin_unknown: bool = False


def _subject_tin(
    number: str | None,
    issuing_country: str | None,
    *,
    field: str,
    country_field: str,
    domestic: str,
) -> _Ident:
    """A subject's TIN: ``domestic`` (SSN/ITIN or EIN) when US, otherwise foreign. A TIN
    without an issuing country is taken as a US one when it has a US TIN's nine digits."""
    compact = _compact(number)
    us = issuing_country == "USA" or (
        issuing_country is None and bool(_NINE_DIGITS.fullmatch(compact or ""))
    )
    return _Ident(
        number=compact,
        field=field,
        what="the subject's TIN",
        code=domestic if us else _TIN_TYPE_CODES["foreign"],
        code_field=field,
        country=None if us else _country(issuing_country),
        country_field=country_field,
    )


@dataclass(frozen=True)
class _Institution:
    settings: FincenInstitution
    prefix: str
    what: str


class _Sar:
    def __init__(self, meta: ReportMeta, content: ReportContent, settings: FincenSettings):
        self.meta = meta
        self.content = content
        self.settings = settings
        self.writer = Writer(_t("EFilingBatchXML"), nsmap={"fc2": NAMESPACE, "xsi": XSI})
        self._pending: list[_Pending] = []

    # -- the document ------------------------------------------------------------------

    def write(self) -> None:
        root = self.writer.root
        # The counts are known once the activity is written; set now, they keep their order.
        for name in ("TotalAmount", "PartyCount", "ActivityCount", "ActivityAttachmentCount"):
            root.set(name, "0")
        root.set("AttachmentCount", "0")
        root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
        self.writer.add(root, _t("FormTypeCode"), FORM_TYPE)
        activity = self._record(root, "Activity")
        self._filing(activity)
        self._association(activity)
        self._transmitter(activity)
        self._transmitter_contact(activity)
        self._institution_party(activity, FILING_INSTITUTION, self._filer())
        self._contact_office(activity)
        self._institution_party(activity, ACTIVITY_INSTITUTION, self._activity_institution())
        self._subject(activity)
        total = self._suspicious_activity(activity)
        self._narrative(activity)
        self._counts(activity, total)
        self._number()

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

    def _counts(self, activity: etree._Element, total: int | None) -> None:
        root = self.writer.root
        subjects = [
            party
            for party in activity.iterfind(_t("Party"))
            if party.findtext(_t("ActivityPartyTypeCode")) == SUBJECT
        ]
        # TotalAmount adds up TotalSuspiciousAmountText, PartyCount counts the subjects.
        root.set("TotalAmount", str(total or 0))
        root.set("PartyCount", str(len(subjects)))
        root.set("ActivityCount", str(len(root.findall(_t("Activity")))))
        root.set(
            "ActivityAttachmentCount", str(len(root.findall(f".//{_t('ActivitySupportDocument')}")))
        )

    def _number(self) -> None:
        """SeqNum: unique across the batch, counted in document order."""
        for number, element in enumerate(self.writer.root.iterfind(".//*[@SeqNum]"), start=1):
            element.set("SeqNum", str(number))

    # -- writing helpers ---------------------------------------------------------------

    def _record(
        self, parent: etree._Element, name: str, *, source: str | None = None
    ) -> etree._Element:
        """A complex element: every one carries a SeqNum, set once the batch is written."""
        return self.writer.add(parent, _t(name), source=source, attrib={"SeqNum": "0"})

    def _flag(self, parent: etree._Element, name: str, source: str | None = None) -> None:
        self.writer.add(parent, _t(name), "Y", source=source)

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
                self._missing(parent, name, f"{_upper_first(what)} is not set", field)
            return None
        element = self.writer.add(parent, _t(name), value, source=field)
        limit = _MAX_LENGTH.get(name)
        if limit is not None and len(value) > limit:
            self._missing(
                element,
                None,
                f"{_upper_first(what)} is {len(value)} characters long; FinCEN takes at most "
                f"{limit}",
                field,
                f"maxLength {limit}",
            )
        return element

    def _party(self, activity: etree._Element, code: str, source: str) -> etree._Element:
        party = self._record(activity, "Party", source=source)
        self.writer.add(party, _t("ActivityPartyTypeCode"), code)
        return party

    def _full_name(
        self,
        party: etree._Element,
        value: str | None,
        field: str,
        what: str,
        *,
        kind: str = "L",
        required: bool = True,
    ) -> None:
        name = self._record(party, "PartyName", source=field)
        self.writer.add(name, _t("PartyNameTypeCode"), kind)
        self._value(name, "RawPartyFullName", _clean(value), field, what, required=required)

    def _phone(
        self, party: etree._Element, value: str | None, field: str, what: str, *, required: bool
    ) -> None:
        number = _digits(value)
        if number is None and not required:
            return
        phone = self._record(party, "PhoneNumber", source=field)
        self._value(phone, "PhoneNumberText", number, field, what, required=required)

    def _electronic(self, party: etree._Element, value: str | None, code: str, field: str) -> None:
        text = _clean(value)
        if text is None:
            return
        address = self._record(party, "ElectronicAddress", source=field)
        self._value(
            address, "ElectronicAddressText", text, field, "the subject's e-mail or website"
        )
        self.writer.add(address, _t("ElectronicAddressTypeCode"), code, source=field)

    def _identification(self, party: etree._Element, ident: _Ident) -> etree._Element:
        element = self._record(party, "PartyIdentification", source=ident.field)
        if ident.country is not None:
            self.writer.add(
                element, _t("OtherIssuerCountryText"), ident.country, source=ident.country_field
            )
        if ident.other_text is not None:
            self.writer.add(
                element,
                _t("OtherPartyIdentificationTypeText"),
                ident.other_text,
                source=ident.code_field,
            )
        number = self._value(
            element,
            "PartyIdentificationNumberText",
            ident.number,
            ident.field,
            ident.what,
            required=ident.required,
        )
        if (
            number is not None
            and ident.nine_digits
            and not _NINE_DIGITS.fullmatch(ident.number or "")
        ):
            self._missing(
                number,
                None,
                f"{_upper_first(ident.what)} must be 9 digits",
                ident.field,
                "pattern [0-9]{9}",
            )
        if ident.code is not None:
            self.writer.add(
                element, _t("PartyIdentificationTypeCode"), ident.code, source=ident.code_field
            )
        if ident.tin_unknown:
            self._flag(element, "TINUnknownIndicator", ident.field)
        return element

    def _address(
        self, party: etree._Element, address: Address | None, field: str, what: str, *, known: bool
    ) -> None:
        """An address. An institution's (``known``) must be complete; a subject's may lack
        parts, each then declared unknown as FinCEN provides."""
        given = address or Address()
        element = self._record(party, "Address", source=field)
        city, street = _clean(given.city), _clean(given.street)
        country = _country(given.country)
        zip_code = _compact(given.postal_code)
        takes_state = country in _STATE_COUNTRIES or (country is None and not known)
        state = _clean(given.state) if takes_state else None
        # The schema puts the city and country flags before the values, the others after.
        if not known:
            self._leading_unknown_flags(element, field, city=city, country=country)
        parts = (
            ("RawCityText", city, "city", "city"),
            ("RawCountryCodeText", country, "country", "country"),
            ("RawStateCodeText", state, "state", "state"),
            ("RawStreetAddress1Text", street, "street", "street address"),
            ("RawZIPCode", zip_code, "postal_code", "ZIP or postal code"),
        )
        for name, value, attribute, label in parts:
            required = known and (name != "RawStateCodeText" or country in _STATE_COUNTRIES)
            self._value(
                element,
                name,
                value,
                f"{field}.{attribute}",
                f"the {label} of {what}",
                required=required,
            )
        if known and country == "US" and zip_code and not _US_ZIP.fullmatch(zip_code):
            self._missing(
                element,
                "RawZIPCode",
                f"The ZIP code of {what} must be 5 or 9 digits",
                f"{field}.postal_code",
                "pattern [0-9]{5}([0-9]{4})?",
            )
        if not known:
            unknown_state = state is None and takes_state
            self._trailing_unknown_flags(element, field, unknown_state, street, zip_code)

    def _leading_unknown_flags(
        self, element: etree._Element, field: str, *, city: str | None, country: str | None
    ) -> None:
        if city is None:
            self._flag(element, "CityUnknownIndicator", f"{field}.city")
        if country is None:
            self._flag(element, "CountryCodeUnknownIndicator", f"{field}.country")

    def _trailing_unknown_flags(
        self,
        element: etree._Element,
        field: str,
        unknown_state: bool,
        street: str | None,
        zip_code: str | None,
    ) -> None:
        if unknown_state:
            self._flag(element, "StateCodeUnknownIndicator", f"{field}.state")
        if street is None:
            self._flag(element, "StreetAddressUnknownIndicator", f"{field}.street")
        if zip_code is None:
            self._flag(element, "ZIPCodeUnknownIndicator", f"{field}.postal_code")

    # -- the activity ------------------------------------------------------------------

    def _filing(self, activity: etree._Element) -> None:
        code = self.meta.report_code
        indicators = FILING_TYPES.get(code, ())
        if _NEEDS_PRIOR.intersection(indicators):
            prior = self.meta.prior_bsa_id
            if not prior:
                self._missing(
                    activity, "EFilingPriorDocumentNumber", _PRIOR_PURPOSE[code], "prior_bsa_id"
                )
            else:
                element = self.writer.add(
                    activity, _t("EFilingPriorDocumentNumber"), prior, source="prior_bsa_id"
                )
                if not _PRIOR_BSA_ID.fullmatch(prior):
                    self._missing(
                        element,
                        None,
                        "The prior report's BSA ID must be the 14 digits FinCEN assigned",
                        "prior_bsa_id",
                        "pattern [0-9]{14}",
                    )
        self.writer.add(
            activity, _t("FilingDateText"), _yyyymmdd(self.meta.report_date), source="report_date"
        )

    def _association(self, activity: etree._Element) -> None:
        association = self._record(activity, "ActivityAssociation", source="report_code")
        indicators = FILING_TYPES.get(self.meta.report_code)
        if indicators is None:
            self._missing(
                association,
                None,
                f"{self.meta.report_code!r} is not a FinCEN filing type; use one of "
                f"{', '.join(FILING_TYPES)}",
                "report_code",
                f"enumeration {'|'.join(FILING_TYPES)}",
            )
            return
        for name in indicators:
            self._flag(association, name, "report_code")

    def _transmitter(self, activity: etree._Element) -> None:
        transmitter, prefix = self.settings.transmitter, "settings.fincen.transmitter"
        party = self._party(activity, TRANSMITTER, prefix)
        self._full_name(party, transmitter.name, f"{prefix}.name", "the transmitter's name")
        self._address(
            party, transmitter.address, f"{prefix}.address", "the transmitter", known=True
        )
        self._phone(
            party,
            transmitter.phone,
            f"{prefix}.phone",
            "the transmitter's phone number",
            required=True,
        )
        tin = _Ident(
            number=_compact(transmitter.tin),
            field=f"{prefix}.tin",
            what="the transmitter's TIN",
            code=_TRANSMITTER_TIN,
            required=True,
            nine_digits=True,
        )
        self._identification(party, tin)
        tcc = _Ident(
            number=_clean(transmitter.tcc),
            field=f"{prefix}.tcc",
            what="the transmitter control code (TCC)",
            code=_TCC,
            required=True,
        )
        self._identification(party, tcc)

    def _transmitter_contact(self, activity: etree._Element) -> None:
        field = "settings.fincen.transmitter.contact_name"
        party = self._party(activity, TRANSMITTER_CONTACT, field)
        self._full_name(
            party, self.settings.transmitter.contact_name, field, "the transmitter's contact person"
        )

    def _contact_office(self, activity: etree._Element) -> None:
        office, prefix = self.settings.contact_office, "settings.fincen.contact_office"
        party = self._party(activity, CONTACT_OFFICE, prefix)
        self._full_name(party, office.name, f"{prefix}.name", "the contact office's name")
        self._phone(
            party,
            office.phone,
            f"{prefix}.phone",
            "the contact office's phone number",
            required=True,
        )

    def _filer(self) -> _Institution:
        return _Institution(self.settings.filer, "settings.fincen.filer", "the filing institution")

    def _activity_institution(self) -> _Institution:
        chosen = self.settings.activity_institution
        if chosen is None:
            return _Institution(
                self.settings.filer,
                "settings.fincen.filer",
                "the institution where the activity occurred (the filer)",
            )
        return _Institution(
            chosen,
            "settings.fincen.activity_institution",
            "the institution where the activity occurred",
        )

    def _institution_party(
        self, activity: etree._Element, code: str, institution: _Institution
    ) -> None:
        given, prefix, what = institution.settings, institution.prefix, institution.what
        party = self._party(activity, code, prefix)
        if given.primary_regulator is not None:
            self.writer.add(
                party,
                _t("PrimaryRegulatorTypeCode"),
                given.primary_regulator,
                source=f"{prefix}.primary_regulator",
            )
        else:
            self._missing(
                party,
                "PrimaryRegulatorTypeCode",
                f"The primary federal regulator of {what} is not set",
                f"{prefix}.primary_regulator",
            )
        self._full_name(party, given.name, f"{prefix}.name", f"the legal name of {what}")
        if given.dba_name is not None:
            self._full_name(
                party, given.dba_name, f"{prefix}.dba_name", f"the DBA name of {what}", kind="DBA"
            )
        self._address(party, given.address, f"{prefix}.address", what, known=True)
        tin = self._institution_tin(institution)
        element = self._identification(party, tin)
        if tin.code is None:
            self._missing(
                element,
                "PartyIdentificationTypeCode",
                f"The type of the TIN of {what} (ein, ssn_itin or foreign) is not set",
                f"{prefix}.tin_type",
            )
        self._institution_number(party, institution)
        if code == FILING_INSTITUTION:
            self._internal_control_number(party)
        self._classification(party, institution)

    def _internal_control_number(self, party: etree._Element) -> None:
        reference = _clean(self.meta.entity_reference)
        # Optional for FinCEN: a reference of casework's making that does not fit is left
        # out rather than shortened, since a shortened one would match nothing.
        if reference is None or len(reference) > _MAX_LENGTH["PartyIdentificationNumberText"]:
            return
        internal = _Ident(
            number=reference,
            field="entity_reference",
            what="the report's internal reference",
            code=_INTERNAL_CONTROL,
        )
        self._identification(party, internal)

    def _institution_tin(self, institution: _Institution) -> _Ident:
        given, prefix = institution.settings, institution.prefix
        code = _TIN_TYPE_CODES.get(given.tin_type or "")
        return _Ident(
            number=_compact(given.tin),
            field=f"{prefix}.tin",
            what=f"the TIN of {institution.what}",
            code=code,
            code_field=f"{prefix}.tin_type",
            required=True,
            nine_digits=code in ("1", "2"),
        )

    def _institution_number(self, party: etree._Element, institution: _Institution) -> None:
        given, prefix = institution.settings, institution.prefix
        if given.id_number is None and given.id_type is None:
            return
        ident = _Ident(
            number=_compact(given.id_number),
            field=f"{prefix}.id_number",
            what=f"the identification number of {institution.what}",
            code=_INSTITUTION_ID_CODES.get(given.id_type or ""),
            code_field=f"{prefix}.id_type",
            required=True,
        )
        element = self._identification(party, ident)
        if ident.code is None:
            self._missing(
                element,
                "PartyIdentificationTypeCode",
                f"The kind of identification number of {institution.what} (RSSD, CRD...) is "
                "not set",
                f"{prefix}.id_type",
            )

    def _classification(self, party: etree._Element, institution: _Institution) -> None:
        given, prefix, what = institution.settings, institution.prefix, institution.what
        field = f"{prefix}.institution_type"
        subtypes: list[str | None] = [*dict.fromkeys(given.institution_subtypes)] or [None]
        for index, subtype in enumerate(subtypes):
            element = self._record(party, "OrganizationClassificationTypeSubtype", source=field)
            if subtype is not None:
                self._institution_subtype(element, subtype, institution)
            if given.institution_type is not None:
                self.writer.add(
                    element, _t("OrganizationTypeID"), given.institution_type, source=field
                )
            elif index == 0:
                self._missing(
                    element, "OrganizationTypeID", f"The type of {what} is not set", field
                )
            if subtype in ("1999", "5999"):
                self._value(
                    element,
                    "OtherOrganizationSubTypeText",
                    _clean(given.institution_subtype_other),
                    f"{prefix}.institution_subtype_other",
                    f"the description of the 'other' subtype of {what}",
                    required=True,
                )
            if given.institution_type == "999":
                self._value(
                    element,
                    "OtherOrganizationTypeText",
                    _clean(given.institution_type_other),
                    f"{prefix}.institution_type_other",
                    f"the description of the 'other' type of {what}",
                    required=True,
                )

    def _institution_subtype(
        self, element: etree._Element, subtype: str, institution: _Institution
    ) -> None:
        field = f"{institution.prefix}.institution_subtypes"
        written = self.writer.add(element, _t("OrganizationSubtypeID"), subtype, source=field)
        code = int(subtype)
        belongs_to = str(code // 1000 if code % 1000 == 999 else code // 100)
        given = institution.settings.institution_type
        if given is not None and given != belongs_to:
            self._missing(
                written,
                None,
                f"Subtype {subtype} of {institution.what} belongs to institution type "
                f"{belongs_to}, not {given}",
                field,
                "subtype of the institution type",
            )

    # -- the subject -------------------------------------------------------------------

    def _subject(self, activity: etree._Element) -> None:
        party = self._party(activity, SUBJECT, "subject")
        if not self.meta.suspect_identified:
            self._flag(
                party, "AllCriticalSubjectInformationUnavailableIndicator", "suspect_identified"
            )
            return
        subject = self.content.subject
        if subject is None:
            self._missing(
                party,
                None,
                "The report names no subject; choose the customer it is about, or say that "
                "no suspect has been identified",
                "subject",
            )
            return
        if subject.kind == "business":
            self._business_subject(party, subject.business or Business())
        else:
            self._person_subject(party, subject.person or Person())
        self._relationship(party)
        self._accounts(party)

    def _person_subject(self, party: etree._Element, person: Person) -> None:
        prefix = "subject.person"
        # The party's own elements, in the schema's (alphabetical) order.
        if person.birth_date is None:
            self._flag(party, "BirthDateUnknownIndicator", f"{prefix}.birth_date")
        if person.gender == "F":
            self._flag(party, "FemaleGenderIndicator", f"{prefix}.gender")
        if person.birth_date is not None:
            self.writer.add(
                party,
                _t("IndividualBirthDateText"),
                _yyyymmdd(person.birth_date),
                source=f"{prefix}.birth_date",
            )
        if person.gender == "M":
            self._flag(party, "MaleGenderIndicator", f"{prefix}.gender")
        if not self._account_numbers():
            self._flag(party, "NoKnownAccountInvolvedIndicator", "subject.account_number")
        if person.gender not in ("M", "F"):
            self._flag(party, "UnknownGenderIndicator", f"{prefix}.gender")
        self._person_name(party, person, prefix)
        self._addresses(party, person.addresses, prefix)
        self._phone(
            party, person.phone, f"{prefix}.phone", "the subject's phone number", required=False
        )
        self._person_identifications(party, person, prefix)
        self._occupation(party, person.occupation, f"{prefix}.occupation")
        self._electronic(party, person.email, "E", f"{prefix}.email")

    def _person_name(self, party: etree._Element, person: Person, prefix: str) -> None:
        last, first = _clean(person.last_name), _clean(person.first_name)
        name = self._record(party, "PartyName", source=prefix)
        if last is None:
            self._flag(name, "EntityLastNameUnknownIndicator", f"{prefix}.last_name")
        if first is None:
            self._flag(name, "FirstNameUnknownIndicator", f"{prefix}.first_name")
        self.writer.add(name, _t("PartyNameTypeCode"), "L")
        # FinCEN accepts an unknown name; an identified suspect without one is a data gap.
        self._value(
            name,
            "RawEntityIndividualLastName",
            last,
            f"{prefix}.last_name",
            "the subject's last name",
            required=True,
        )
        self._value(
            name,
            "RawIndividualFirstName",
            first,
            f"{prefix}.first_name",
            "the subject's first name",
        )
        self._value(
            name,
            "RawIndividualMiddleName",
            _clean(person.middle_name),
            f"{prefix}.middle_name",
            "the subject's middle name",
        )

    def _business_subject(self, party: etree._Element, business: Business) -> None:
        prefix = "subject.business"
        if not self._account_numbers():
            self._flag(party, "NoKnownAccountInvolvedIndicator", "subject.account_number")
        self._flag(party, "PartyAsEntityOrganizationIndicator", "subject.kind")
        legal = _clean(business.name)
        name = self._record(party, "PartyName", source=prefix)
        if legal is None:
            self._flag(name, "EntityLastNameUnknownIndicator", f"{prefix}.name")
        self.writer.add(name, _t("PartyNameTypeCode"), "L")
        self._value(
            name,
            "RawEntityIndividualLastName",
            legal,
            f"{prefix}.name",
            "the subject's legal name",
            required=True,
        )
        if business.commercial_name is not None:
            self._full_name(
                party,
                business.commercial_name,
                f"{prefix}.commercial_name",
                "the subject's trading name",
                kind="DBA",
            )
        self._addresses(party, business.addresses, prefix)
        self._phone(
            party, business.phone, f"{prefix}.phone", "the subject's phone number", required=False
        )
        self._business_identifications(party, business, prefix)
        self._occupation(party, business.business_activity, f"{prefix}.business_activity")
        self._electronic(party, business.email, "E", f"{prefix}.email")
        self._electronic(party, business.url, "U", f"{prefix}.url")
        # Directors and owners (content.parties) are not written as further subjects: a
        # subject of a SAR is someone reported as involved in the suspicious activity, and
        # the schema has no way to attach a related person to an entity subject.

    def _addresses(self, party: etree._Element, addresses: list[Address], prefix: str) -> None:
        if not addresses:
            self._address(party, None, f"{prefix}.addresses", "the subject", known=False)
        for index, address in enumerate(addresses):
            self._address(
                party, address, f"{prefix}.addresses[{index}]", "the subject", known=False
            )

    def _occupation(self, party: etree._Element, value: str | None, field: str) -> None:
        text = _clean(value)
        if text is None:
            return
        element = self._record(party, "PartyOccupationBusiness", source=field)
        self._value(
            element, "OccupationBusinessText", text, field, "the subject's occupation or business"
        )

    def _person_identifications(self, party: etree._Element, person: Person, prefix: str) -> None:
        documents = [
            (index, document)
            for index, document in enumerate(person.identifications)
            if document.number
        ]
        tin_index = next((i for i, document in documents if document.type == "tax_id"), None)
        if tin_index is None:
            self._unknown_tin(party, f"{prefix}.identifications")
        for index, document in documents:
            field = f"{prefix}.identifications[{index}]"
            if index == tin_index:
                tin = _subject_tin(
                    document.number,
                    document.issuing_country,
                    field=f"{field}.number",
                    country_field=f"{field}.issuing_country",
                    domestic=_TIN_TYPE_CODES["ssn_itin"],
                )
                self._identification(party, tin)
            else:
                self._document(party, document, field)

    def _unknown_tin(self, party: etree._Element, field: str) -> None:
        unknown = _Ident(
            number=None, field=field, what="the subject's TIN", code=None, tin_unknown=True
        )
        self._identification(party, unknown)

    def _document(self, party: etree._Element, document: Identification, field: str) -> None:
        code, other = _DOCUMENT_CODES[document.type]
        ident = _Ident(
            number=_compact(document.number),
            field=f"{field}.number",
            what="the subject's identification number",
            code=code,
            code_field=f"{field}.type",
            country=_country(document.issuing_country),
            country_field=f"{field}.issuing_country",
            other_text=other,
        )
        self._identification(party, ident)

    def _business_identifications(
        self, party: etree._Element, business: Business, prefix: str
    ) -> None:
        if business.tax_number is None:
            self._unknown_tin(party, f"{prefix}.tax_number")
        else:
            tin = _subject_tin(
                business.tax_number,
                business.incorporation_country,
                field=f"{prefix}.tax_number",
                country_field=f"{prefix}.incorporation_country",
                domestic=_TIN_TYPE_CODES["ein"],
            )
            self._identification(party, tin)
        if business.registration_number is not None:
            code, other = _DOCUMENT_CODES["registration"]
            registration = _Ident(
                number=_compact(business.registration_number),
                field=f"{prefix}.registration_number",
                what="the subject's registration number",
                code=code,
                code_field=f"{prefix}.registration_number",
                country=_country(business.incorporation_country),
                country_field=f"{prefix}.incorporation_country",
                other_text=other,
            )
            self._identification(party, registration)

    def _relationship(self, party: etree._Element) -> None:
        association = self._record(party, "PartyAssociation", source="subject")
        # The report's subject is the institution's customer.
        self._flag(association, "CustomerIndicator", "subject.customer_id")
        tin = self._institution_tin(self._activity_institution())
        if tin.number is not None:
            self.writer.add(
                association,
                _t("SubjectRelationshipFinancialInstitutionTINText"),
                tin.number,
                source=tin.field,
            )

    def _account_numbers(self) -> list[tuple[str, str]]:
        """The subject's accounts at the institution: (number, field), each once."""
        found: dict[str, str] = {}
        subject = self.content.subject
        if subject is not None and subject.account_number:
            found.setdefault(subject.account_number, "subject.account_number")
        for index, transaction in enumerate(self.content.transactions):
            if transaction.account_number:
                found.setdefault(
                    transaction.account_number, f"transactions[{index}].account_number"
                )
        return list(found.items())

    def _accounts(self, party: etree._Element) -> None:
        accounts = self._account_numbers()
        if not accounts:
            return
        association = self._record(
            party, "PartyAccountAssociation", source="subject.account_number"
        )
        # 7: the accounts the activity affected; 5, on each account: held at that institution.
        self.writer.add(association, _t("PartyAccountAssociationTypeCode"), "7")
        institution = self._party(association, ACCOUNT_INSTITUTION, "subject.account_number")
        tin = self._institution_tin(self._activity_institution())
        if tin.number is not None:
            identification = self._record(institution, "PartyIdentification", source=tin.field)
            self.writer.add(
                identification, _t("PartyIdentificationNumberText"), tin.number, source=tin.field
            )
            self.writer.add(
                identification, _t("PartyIdentificationTypeCode"), _ACCOUNT_INSTITUTION_TIN
            )
        for number, field in accounts:
            account = self._record(institution, "Account", source=field)
            self._value(account, "AccountNumberText", _clean(number), field, "the account number")
            held = self._record(account, "PartyAccountAssociation", source=field)
            self.writer.add(held, _t("PartyAccountAssociationTypeCode"), "5")

    # -- the activity itself -------------------------------------------------------------

    def _suspicious_activity(self, activity: etree._Element) -> int | None:
        """SuspiciousActivity; returns the amount involved in whole dollars, if known."""
        element = self._record(activity, "SuspiciousActivity", source="activity_types")
        known = [amount for amount in self._usd_amounts(element) if amount is not None]
        total = _whole_dollars(sum(known, Decimal(0))) if known else None
        if total is None:
            self._flag(element, "AmountUnknownIndicator", "transactions")
        self._dates(element)
        if total is not None:
            self.writer.add(
                element, _t("TotalSuspiciousAmountText"), str(total), source="transactions"
            )
        self._classifications(element)
        return total

    def _usd_amounts(self, element: etree._Element) -> Iterator[Decimal | None]:
        """Each transaction's amount in US dollars, None where the draft has none."""
        local = self.content.local_currency
        dollars = local in (None, "USD")
        if not dollars:
            # amount_local is then in another currency: only US dollar transactions count.
            self._missing(
                element,
                "TotalSuspiciousAmountText",
                f"The report's local amounts are in {local}; FinCEN takes US dollars",
                "local_currency",
                "currency USD",
            )
        for index, transaction in enumerate(self.content.transactions):
            if dollars and transaction.amount_local is not None:
                yield transaction.amount_local
            elif transaction.currency == "USD":
                yield transaction.amount
            elif not dollars:
                yield None
            else:
                self._missing(
                    element,
                    "TotalSuspiciousAmountText",
                    f"Transaction {transaction.reference} is in {transaction.currency} and has "
                    "no US dollar amount, so the amount involved would leave it out",
                    f"transactions[{index}].amount_local",
                )
                yield None

    def _dates(self, element: etree._Element) -> None:
        days = [transaction.occurred_at.date() for transaction in self.content.transactions]
        start, start_field = self.content.activity_start, "activity_start"
        if start is None and days:
            start, start_field = min(days), "transactions"
        end, end_field = self.content.activity_end, "activity_end"
        if end is None and days:
            end, end_field = max(days), "transactions"
        # Always written, so that a missing date is the schema's error on this element too.
        self.writer.add(
            element,
            _t("SuspiciousActivityFromDateText"),
            _yyyymmdd(start) if start else "",
            source=start_field,
        )
        if start is None:
            self._missing(
                element,
                "SuspiciousActivityFromDateText",
                "The report has no activity start date and no transactions to take it from",
                "activity_start",
            )
        if end is not None:
            self.writer.add(
                element, _t("SuspiciousActivityToDateText"), _yyyymmdd(end), source=end_field
            )
        if start is not None and end is not None and end < start:
            self._missing(
                element,
                "SuspiciousActivityToDateText",
                "The activity ends before it starts",
                "activity_end",
                "not before the start date",
            )

    def _classifications(self, element: etree._Element) -> None:
        if not self.content.activity_types:
            self._missing(
                element,
                "SuspiciousActivityClassification",
                "The report has no suspicious activity type; choose at least one",
                "activity_types",
            )
            return
        written: set[str] = set()
        for index, code in enumerate(self.content.activity_types):
            if code in written:  # each subtype once per activity, as the schema demands
                continue
            written.add(code)
            self._classification_of(element, code, f"activity_types[{index}]")

    def _classification_of(self, element: etree._Element, code: str, field: str) -> None:
        classification = self._record(element, "SuspiciousActivityClassification", source=field)
        category = activity_category(code)
        if category is not None and int(code) % 1000 == 999:
            # FinCEN needs a description of an "other" activity, which a draft cannot hold.
            self._missing(
                classification,
                "OtherSuspiciousActivityTypeText",
                f"Activity type {code} is FinCEN's 'other' type, which needs a description "
                "casework cannot send; choose a specific type and describe it in the narrative",
                field,
            )
        subtype = self.writer.add(
            classification, _t("SuspiciousActivitySubtypeID"), code, source=field
        )
        if category is None:
            self._missing(
                subtype,
                None,
                f"{code!r} is not a FinCEN suspicious activity type (SuspiciousActivitySubtypeID)",
                field,
                "enumeration",
            )
            return
        self.writer.add(classification, _t("SuspiciousActivityTypeID"), str(category), source=field)

    def _narrative(self, activity: etree._Element) -> None:
        text = _XML_UNSAFE.sub("", self.content.narrative or "").strip()
        if not text:
            information = self._record(activity, "ActivityNarrativeInformation", source="narrative")
            self.writer.add(
                information, _t("ActivityNarrativeSequenceNumber"), "1", source="narrative"
            )
            self._missing(
                information,
                "ActivityNarrativeText",
                "The report has no narrative; describe what happened and why it is suspicious",
                "narrative",
            )
            return
        block: etree._Element | None = None
        for number, chunk in enumerate(_narrative_blocks(text), start=1):
            information = self._record(activity, "ActivityNarrativeInformation", source="narrative")
            self.writer.add(
                information, _t("ActivityNarrativeSequenceNumber"), str(number), source="narrative"
            )
            block = self.writer.add(
                information, _t("ActivityNarrativeText"), chunk, source="narrative"
            )
        if len(text) > NARRATIVE_MAX and block is not None:
            self._missing(
                block,
                None,
                f"The narrative is {len(text)} characters long; FinCEN takes at most "
                f"{NARRATIVE_MAX}",
                "narrative",
                f"maxLength {NARRATIVE_MAX}",
            )
