"""People in a goAML document: a subject, a related person or the reporting person read
into one shape, and the elements of the goAML person types written from it, with the
person's phones, addresses and identity documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from lxml import etree

from casework.reports.content import Address, Identification, Person
from casework.reports.goaml.codes import _GENDERS, _ID_TYPES, REQUIRED, UNKNOWN
from casework.reports.goaml.elements import _cap, _Elements
from casework.reports.goaml.settings import ReportingPerson
from casework.reports.goaml.sources import _At


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


class _Persons(_Elements):
    """Writes people and their contacts and documents."""

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
