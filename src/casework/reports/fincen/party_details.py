"""What every party is written with: its type code, names, phone numbers, e-mail and web
addresses, identifications and postal addresses."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from casework.reports.content import Address
from casework.reports.fincen.codes import STATE_COUNTRIES
from casework.reports.fincen.values import (
    NINE_DIGITS,
    US_ZIP,
    clean,
    compact,
    country_code,
    digits,
    upper_first,
)
from casework.reports.fincen.writing import Writing, fc2


@dataclass(frozen=True)
class Ident:
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


class PartyDetails(Writing):
    """The elements parties share, written into a Party."""

    def _party(self, activity: etree._Element, code: str, source: str) -> etree._Element:
        party = self._record(activity, "Party", source=source)
        self.writer.add(party, fc2("ActivityPartyTypeCode"), code)
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
        self.writer.add(name, fc2("PartyNameTypeCode"), kind)
        self._value(name, "RawPartyFullName", clean(value), field, what, required=required)

    def _phone(
        self, party: etree._Element, value: str | None, field: str, what: str, *, required: bool
    ) -> None:
        number = digits(value)
        if number is None and not required:
            return
        phone = self._record(party, "PhoneNumber", source=field)
        self._value(phone, "PhoneNumberText", number, field, what, required=required)

    def _electronic(self, party: etree._Element, value: str | None, code: str, field: str) -> None:
        text = clean(value)
        if text is None:
            return
        address = self._record(party, "ElectronicAddress", source=field)
        self._value(
            address, "ElectronicAddressText", text, field, "the subject's e-mail or website"
        )
        self.writer.add(address, fc2("ElectronicAddressTypeCode"), code, source=field)

    def _identification(self, party: etree._Element, ident: Ident) -> etree._Element:
        element = self._record(party, "PartyIdentification", source=ident.field)
        if ident.country is not None:
            self.writer.add(
                element, fc2("OtherIssuerCountryText"), ident.country, source=ident.country_field
            )
        if ident.other_text is not None:
            self.writer.add(
                element,
                fc2("OtherPartyIdentificationTypeText"),
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
            and not NINE_DIGITS.fullmatch(ident.number or "")
        ):
            self._missing(
                number,
                None,
                f"{upper_first(ident.what)} must be 9 digits",
                ident.field,
                "pattern [0-9]{9}",
            )
        if ident.code is not None:
            self.writer.add(
                element, fc2("PartyIdentificationTypeCode"), ident.code, source=ident.code_field
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
        city, street = clean(given.city), clean(given.street)
        country = country_code(given.country)
        zip_code = compact(given.postal_code)
        takes_state = country in STATE_COUNTRIES or (country is None and not known)
        state = clean(given.state) if takes_state else None
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
            required = known and (name != "RawStateCodeText" or country in STATE_COUNTRIES)
            self._value(
                element,
                name,
                value,
                f"{field}.{attribute}",
                f"the {label} of {what}",
                required=required,
            )
        if known and country == "US" and zip_code and not US_ZIP.fullmatch(zip_code):
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
