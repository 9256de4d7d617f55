"""The subject: the person or business the report is about, with its names, addresses,
identifications, its relationship to the institution and the accounts involved."""

from __future__ import annotations

from lxml import etree

from casework.reports.content import Address, Business, Identification, Person
from casework.reports.fincen.codes import (
    ACCOUNT_INSTITUTION,
    ACCOUNT_INSTITUTION_TIN,
    DOCUMENT_CODES,
    SUBJECT,
    TIN_TYPE_CODES,
)
from casework.reports.fincen.institutions import Institutions
from casework.reports.fincen.party_details import Ident
from casework.reports.fincen.values import NINE_DIGITS, clean, compact, country_code, yyyymmdd
from casework.reports.fincen.writing import fc2


def _subject_tin(
    number: str | None,
    issuing_country: str | None,
    *,
    field: str,
    country_field: str,
    domestic: str,
) -> Ident:
    """A subject's TIN: ``domestic`` (SSN/ITIN or EIN) when US, otherwise foreign. A TIN
    without an issuing country is taken as a US one when it has a US TIN's nine digits."""
    tin = compact(number)
    us = issuing_country == "USA" or (
        issuing_country is None and bool(NINE_DIGITS.fullmatch(tin or ""))
    )
    return Ident(
        number=tin,
        field=field,
        what="the subject's TIN",
        code=domestic if us else TIN_TYPE_CODES["foreign"],
        code_field=field,
        country=None if us else country_code(issuing_country),
        country_field=country_field,
    )


class Subjects(Institutions):
    """The report's subject as a Party, from the draft."""

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
                fc2("IndividualBirthDateText"),
                yyyymmdd(person.birth_date),
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
        last, first = clean(person.last_name), clean(person.first_name)
        name = self._record(party, "PartyName", source=prefix)
        if last is None:
            self._flag(name, "EntityLastNameUnknownIndicator", f"{prefix}.last_name")
        if first is None:
            self._flag(name, "FirstNameUnknownIndicator", f"{prefix}.first_name")
        self.writer.add(name, fc2("PartyNameTypeCode"), "L")
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
            clean(person.middle_name),
            f"{prefix}.middle_name",
            "the subject's middle name",
        )

    def _business_subject(self, party: etree._Element, business: Business) -> None:
        prefix = "subject.business"
        if not self._account_numbers():
            self._flag(party, "NoKnownAccountInvolvedIndicator", "subject.account_number")
        self._flag(party, "PartyAsEntityOrganizationIndicator", "subject.kind")
        legal = clean(business.name)
        name = self._record(party, "PartyName", source=prefix)
        if legal is None:
            self._flag(name, "EntityLastNameUnknownIndicator", f"{prefix}.name")
        self.writer.add(name, fc2("PartyNameTypeCode"), "L")
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
        text = clean(value)
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
                    domestic=TIN_TYPE_CODES["ssn_itin"],
                )
                self._identification(party, tin)
            else:
                self._document(party, document, field)

    def _unknown_tin(self, party: etree._Element, field: str) -> None:
        unknown = Ident(
            number=None, field=field, what="the subject's TIN", code=None, tin_unknown=True
        )
        self._identification(party, unknown)

    def _document(self, party: etree._Element, document: Identification, field: str) -> None:
        code, other = DOCUMENT_CODES[document.type]
        ident = Ident(
            number=compact(document.number),
            field=f"{field}.number",
            what="the subject's identification number",
            code=code,
            code_field=f"{field}.type",
            country=country_code(document.issuing_country),
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
                domestic=TIN_TYPE_CODES["ein"],
            )
            self._identification(party, tin)
        if business.registration_number is not None:
            code, other = DOCUMENT_CODES["registration"]
            registration = Ident(
                number=compact(business.registration_number),
                field=f"{prefix}.registration_number",
                what="the subject's registration number",
                code=code,
                code_field=f"{prefix}.registration_number",
                country=country_code(business.incorporation_country),
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
                fc2("SubjectRelationshipFinancialInstitutionTINText"),
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
        self.writer.add(association, fc2("PartyAccountAssociationTypeCode"), "7")
        institution = self._party(association, ACCOUNT_INSTITUTION, "subject.account_number")
        tin = self._institution_tin(self._activity_institution())
        if tin.number is not None:
            identification = self._record(institution, "PartyIdentification", source=tin.field)
            self.writer.add(
                identification, fc2("PartyIdentificationNumberText"), tin.number, source=tin.field
            )
            self.writer.add(
                identification, fc2("PartyIdentificationTypeCode"), ACCOUNT_INSTITUTION_TIN
            )
        for number, field in accounts:
            account = self._record(institution, "Account", source=field)
            self._value(account, "AccountNumberText", clean(number), field, "the account number")
            held = self._record(account, "PartyAccountAssociation", source=field)
            self.writer.add(held, fc2("PartyAccountAssociationTypeCode"), "5")
