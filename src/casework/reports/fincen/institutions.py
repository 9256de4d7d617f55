"""The institutions as parties: the transmitter and its contact, the filing institution,
the contact office and the institution where the activity occurred, each from the
tenant's settings."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from casework.reports.fincen.codes import (
    CONTACT_OFFICE,
    FILING_INSTITUTION,
    INSTITUTION_ID_CODES,
    INTERNAL_CONTROL,
    MAX_LENGTH,
    TCC,
    TIN_TYPE_CODES,
    TRANSMITTER,
    TRANSMITTER_CONTACT,
    TRANSMITTER_TIN,
)
from casework.reports.fincen.party_details import Ident, PartyDetails
from casework.reports.fincen.settings import FincenInstitution
from casework.reports.fincen.values import clean, compact
from casework.reports.fincen.writing import fc2


@dataclass(frozen=True)
class _Institution:
    settings: FincenInstitution
    prefix: str
    what: str


class Institutions(PartyDetails):
    """The parties casework writes from the tenant's FinCEN settings."""

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
        tin = Ident(
            number=compact(transmitter.tin),
            field=f"{prefix}.tin",
            what="the transmitter's TIN",
            code=TRANSMITTER_TIN,
            required=True,
            nine_digits=True,
        )
        self._identification(party, tin)
        tcc = Ident(
            number=clean(transmitter.tcc),
            field=f"{prefix}.tcc",
            what="the transmitter control code (TCC)",
            code=TCC,
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
                fc2("PrimaryRegulatorTypeCode"),
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
        reference = clean(self.meta.entity_reference)
        # Optional for FinCEN: a reference of casework's making that does not fit is left
        # out rather than shortened, since a shortened one would match nothing.
        if reference is None or len(reference) > MAX_LENGTH["PartyIdentificationNumberText"]:
            return
        internal = Ident(
            number=reference,
            field="entity_reference",
            what="the report's internal reference",
            code=INTERNAL_CONTROL,
        )
        self._identification(party, internal)

    def _institution_tin(self, institution: _Institution) -> Ident:
        given, prefix = institution.settings, institution.prefix
        code = TIN_TYPE_CODES.get(given.tin_type or "")
        return Ident(
            number=compact(given.tin),
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
        ident = Ident(
            number=compact(given.id_number),
            field=f"{prefix}.id_number",
            what=f"the identification number of {institution.what}",
            code=INSTITUTION_ID_CODES.get(given.id_type or ""),
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
                    element, fc2("OrganizationTypeID"), given.institution_type, source=field
                )
            elif index == 0:
                self._missing(
                    element, "OrganizationTypeID", f"The type of {what} is not set", field
                )
            if subtype in ("1999", "5999"):
                self._value(
                    element,
                    "OtherOrganizationSubTypeText",
                    clean(given.institution_subtype_other),
                    f"{prefix}.institution_subtype_other",
                    f"the description of the 'other' subtype of {what}",
                    required=True,
                )
            if given.institution_type == "999":
                self._value(
                    element,
                    "OtherOrganizationTypeText",
                    clean(given.institution_type_other),
                    f"{prefix}.institution_type_other",
                    f"the description of the 'other' type of {what}",
                    required=True,
                )

    def _institution_subtype(
        self, element: etree._Element, subtype: str, institution: _Institution
    ) -> None:
        field = f"{institution.prefix}.institution_subtypes"
        written = self.writer.add(element, fc2("OrganizationSubtypeID"), subtype, source=field)
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
