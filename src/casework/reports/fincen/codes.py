"""FinCEN's codes as the SARX batch schema spells them: the namespace and form, the filing
types, the party types, the identification types, the suspicious activity types and the
schema's length limits."""

from __future__ import annotations

from typing import Final

NAMESPACE: Final = "www.fincen.gov/base"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION: Final = "www.fincen.gov/base https://www.fincen.gov/base/EFL_SARXBatchSchema.xsd"
FORM_TYPE: Final = "SARX"

# A filing type -> the ActivityAssociation indicators it sets, in the schema's order.
# A joint report is left out: it must name every other filing institution as a further
# institution where the activity occurred, which these settings cannot hold.
FILING_TYPES: Final[dict[str, tuple[str, ...]]] = {
    "initial": ("InitialReportIndicator",),
    "correct": ("CorrectsAmendsPriorReportIndicator",),
    "continuing": ("ContinuingActivityReportIndicator",),
}
NEEDS_PRIOR = frozenset({"CorrectsAmendsPriorReportIndicator", "ContinuingActivityReportIndicator"})
PRIOR_PURPOSE = {
    "correct": "A correction needs the BSA ID of the report it corrects",
    "continuing": "A continuing activity report needs the BSA ID of the previous report",
}

TRANSMITTER, TRANSMITTER_CONTACT, FILING_INSTITUTION = "35", "37", "30"
CONTACT_OFFICE, ACTIVITY_INSTITUTION, SUBJECT, ACCOUNT_INSTITUTION = "8", "34", "33", "41"

TIN_TYPE_CODES: Final = {"ssn_itin": "1", "ein": "2", "foreign": "9"}
INSTITUTION_ID_CODES: Final = {
    "crd": "10", "iard": "11", "nfa": "12", "sec": "13", "rssd": "14", "naic": "32", "nmls": "33",
}  # fmt: skip
TRANSMITTER_TIN, TCC, INTERNAL_CONTROL = "4", "28", "29"
ACCOUNT_INSTITUTION_TIN = "4"
_OTHER_ID = "999"
# The subject's identity documents. The first tax id is the subject's TIN, written apart;
# FinCEN takes one TIN per subject, so a further one goes as an "other" identification.
DOCUMENT_CODES: Final[dict[str, tuple[str, str | None]]] = {
    "tax_id": (_OTHER_ID, "Further tax identification number"),
    "passport": ("6", None),
    "driving_licence": ("5", None),
    "national_id": (_OTHER_ID, "National identity card"),
    "registration": (_OTHER_ID, "Registration number"),
    "other": (_OTHER_ID, "Other identification"),
}
# States are written only for the countries whose states FinCEN codes.
STATE_COUNTRIES = frozenset({"US", "CA", "MX"})

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
MAX_LENGTH: Final = {
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


def activity_category(subtype: str) -> int | None:
    """The SuspiciousActivityTypeID of a subtype code, or None when FinCEN has no such code."""
    if not subtype.isdigit() or int(subtype) not in _SUBTYPES:
        return None
    code = int(subtype)
    return code // 1000 if code % 1000 == 999 else code // 100
