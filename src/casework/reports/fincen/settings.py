"""A tenant's FinCEN filer settings: the transmitter, the filing institution, the
contact office and the institution where the activity occurred."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from casework.reports.content import Address, Draft

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
