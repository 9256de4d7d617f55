"""The FinCEN SAR writer: batches that FinCEN's own schema accepts, values where FinCEN
looks for them, and casework's rules naming exactly what a draft lacks."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from casework.reports.content import (
    Address,
    Business,
    Identification,
    Person,
    Problem,
    ReportContent,
    ReportMeta,
    ReportTransaction,
    Subject,
)
from casework.reports.fincen import (
    FILING_TYPES,
    NAMESPACE,
    FincenContactOffice,
    FincenInstitution,
    FincenSettings,
    FincenTransmitter,
    activity_category,
    build,
    check,
)
from casework.reports.schema import Schema, load
from casework.reports.xml import Built, readable

REGULATORY = Path(__file__).resolve().parents[3] / "shared" / "data" / "regulatory"
SAR_XSD = REGULATORY / "fincen" / "EFL_SARXBatchSchema.xsd"
NS = {"fc2": NAMESPACE}
ACTIVITY = "/EFilingBatchXML/Activity"


@pytest.fixture(scope="module")
def schema() -> Schema:
    if not SAR_XSD.is_file():
        pytest.skip(f"the FinCEN SAR schema is not available at {SAR_XSD}")
    return load(SAR_XSD.read_bytes())


def _settings(**changes: object) -> FincenSettings:
    office = Address(
        street="100 Main Street",
        city="Springfield",
        state="IL",
        postal_code="62701-1234",
        country="USA",
    )
    filer = FincenInstitution(
        name="Prairie State Bank",
        tin="12-3456789",
        tin_type="ein",
        institution_type="2",
        primary_regulator="4",
        id_type="rssd",
        id_number="1234567",
        address=office,
    )
    settings = FincenSettings(
        transmitter=FincenTransmitter(
            name="Prairie State Bank",
            tin="12-3456789",
            tcc="PBSA1234",
            phone="+1 (217) 555-0100",
            address=office,
            contact_name="Jane Filer",
        ),
        filer=filer,
        contact_office=FincenContactOffice(name="BSA Officer", phone="217-555-0199"),
    )
    return settings.model_copy(update=changes)


def _transactions() -> list[ReportTransaction]:
    rows = [
        ("W-1", datetime(2026, 1, 5, 10, tzinfo=UTC), "9500.00", "USD", None),
        ("W-2", datetime(2026, 1, 9, 16, tzinfo=UTC), "8000.00", "EUR", "8720.40"),
        ("W-3", datetime(2026, 1, 14, 9, tzinfo=UTC), "9800.00", "USD", "9800.00"),
        ("W-4", datetime(2026, 1, 20, 12, tzinfo=UTC), "4500.00", "EUR", "4905.35"),
    ]
    return [
        ReportTransaction(
            reference=reference,
            occurred_at=moment,
            amount=Decimal(amount),
            currency=currency,
            amount_local=Decimal(usd) if usd else None,
            direction="in",
            account_number="004-7781-22",
        )
        for reference, moment, amount, currency, usd in rows
    ]


# 9500 + 8720.40 + 9800 + 4905.35 = 32925.75, rounded up to whole dollars
TOTAL = "32926"
NARRATIVE = (
    "Between 5 and 20 January 2026 the customer received four wire transfers just below "
    "internal review thresholds, two of them in euros, and moved the funds out within a day."
)


def _person() -> Subject:
    return Subject(
        kind="person",
        customer_id="65a1f0c2e4b0a1b2c3d4e5f6",
        account_number="004-7781-22",
        person=Person(
            first_name="John",
            middle_name="Q",
            last_name="Doe",
            birth_date=date(1980, 5, 17),
            gender="M",
            occupation="Used car dealer",
            email="john.doe@example.org",
            phone="+1 312 555 0101",
            addresses=[
                Address(
                    street="1 Elm Street",
                    city="Chicago",
                    state="IL",
                    postal_code="60601",
                    country="USA",
                ),
                Address(street="Hauptstrasse 1", city="Berlin", postal_code="10115", country="DEU"),
            ],
            identifications=[
                Identification(type="passport", number="C01X00T47", issuing_country="DEU"),
                Identification(type="tax_id", number="123-45-6789", issuing_country="USA"),
            ],
        ),
    )


def _business() -> Subject:
    return Subject(
        kind="business",
        customer_id="65a1f0c2e4b0a1b2c3d4e5f7",
        account_number="004-9900-10",
        business=Business(
            name="Northwind Trading LLC",
            commercial_name="Northwind Autos",
            registration_number="HRB 12345",
            incorporation_country="USA",
            tax_number="98-7654321",
            business_activity="Motor vehicle wholesale",
            email="office@northwind.example",
            phone="+1 (312) 555-0199",
            url="https://northwind.example",
            addresses=[
                Address(
                    street="500 Lake Shore Drive",
                    city="Chicago",
                    state="IL",
                    postal_code="60611",
                    country="USA",
                )
            ],
        ),
    )


def _content(subject: Subject | None = None, **changes: object) -> ReportContent:
    content = ReportContent(
        subject=subject or _person(),
        transactions=_transactions(),
        local_currency="USD",
        narrative=NARRATIVE,
        activity_types=["812", "114"],
    )
    return content.model_copy(update=changes)


def _meta(**changes: object) -> ReportMeta:
    values: dict[str, object] = {
        "report_id": "r-1",
        "entity_reference": "SAR-2026-0042",
        "report_code": "initial",
        "report_date": date(2026, 2, 3),
    }
    values.update(changes)
    return ReportMeta(**values)  # type: ignore[arg-type]


def _parsed(built: Built) -> etree._Element:
    """The batch as FinCEN would read it: serialised, then parsed afresh."""
    return etree.fromstring(built.serialize())


def _text(root: etree._Element, path: str) -> list[str]:
    return [str(value) for value in root.xpath(path, namespaces=NS)]


def _pairs(problems: list[Problem]) -> set[tuple[str, str | None]]:
    return {(problem.element, problem.field) for problem in problems}


@pytest.mark.parametrize("subject", [_person(), _business()], ids=["person", "business"])
def test_an_initial_sar_is_valid_for_fincen(schema: Schema, subject: Subject) -> None:
    meta, content, settings = _meta(), _content(subject), _settings()
    built = build(meta, content, settings)
    assert schema.problems(built) == []
    assert check(meta, content, settings) == []


def test_the_batch_carries_the_amount_dates_and_counts() -> None:
    root = _parsed(build(_meta(), _content(), _settings()))
    assert root.tag == f"{{{NAMESPACE}}}EFilingBatchXML"
    assert root.get("TotalAmount") == TOTAL
    assert root.get("ActivityCount") == "1"
    assert root.get("PartyCount") == "1"  # the subjects
    assert root.get("ActivityAttachmentCount") == "0"
    assert root.get("AttachmentCount") == "0"
    assert _text(root, "fc2:FormTypeCode/text()") == ["SARX"]
    activity = "fc2:Activity"
    assert _text(root, f"{activity}/fc2:FilingDateText/text()") == ["20260203"]
    assert _text(root, f"{activity}/fc2:ActivityAssociation/fc2:InitialReportIndicator/text()") == [
        "Y"
    ]
    assert _text(root, f"{activity}/fc2:Party/fc2:ActivityPartyTypeCode/text()") == [
        "35",
        "37",
        "30",
        "8",
        "34",
        "33",
    ]
    suspicious = f"{activity}/fc2:SuspiciousActivity"
    assert _text(root, f"{suspicious}/fc2:TotalSuspiciousAmountText/text()") == [TOTAL]
    assert _text(root, f"{suspicious}/fc2:SuspiciousActivityFromDateText/text()") == ["20260105"]
    assert _text(root, f"{suspicious}/fc2:SuspiciousActivityToDateText/text()") == ["20260120"]
    classification = f"{suspicious}/fc2:SuspiciousActivityClassification"
    assert _text(root, f"{classification}/fc2:SuspiciousActivitySubtypeID/text()") == ["812", "114"]
    assert _text(root, f"{classification}/fc2:SuspiciousActivityTypeID/text()") == ["8", "1"]
    narrative = f"{activity}/fc2:ActivityNarrativeInformation"
    assert _text(root, f"{narrative}/fc2:ActivityNarrativeSequenceNumber/text()") == ["1"]
    assert _text(root, f"{narrative}/fc2:ActivityNarrativeText/text()") == [NARRATIVE]


def test_seq_numbers_are_unique_and_in_document_order() -> None:
    root = _parsed(build(_meta(), _content(), _settings()))
    numbers = [int(value) for value in _text(root, "//@SeqNum")]
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_activity_dates_of_the_draft_win_over_the_transactions() -> None:
    content = _content(activity_start=date(2025, 12, 1), activity_end=date(2026, 1, 31))
    built = build(_meta(), content, _settings())
    root = _parsed(built)
    suspicious = "fc2:Activity/fc2:SuspiciousActivity"
    assert _text(root, f"{suspicious}/fc2:SuspiciousActivityFromDateText/text()") == ["20251201"]
    assert _text(root, f"{suspicious}/fc2:SuspiciousActivityToDateText/text()") == ["20260131"]
    assert f"{ACTIVITY}/SuspiciousActivity/SuspiciousActivityFromDateText" in {
        readable(path) for path, source in built.fields.items() if source == "activity_start"
    }


def test_the_person_subject_is_written_as_fincen_reads_it() -> None:
    root = _parsed(build(_meta(), _content(), _settings()))
    subject = "fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='33']"
    name = f"{subject}/fc2:PartyName[fc2:PartyNameTypeCode='L']"
    assert _text(root, f"{name}/fc2:RawEntityIndividualLastName/text()") == ["Doe"]
    assert _text(root, f"{name}/fc2:RawIndividualFirstName/text()") == ["John"]
    assert _text(root, f"{name}/fc2:RawIndividualMiddleName/text()") == ["Q"]
    assert _text(root, f"{subject}/fc2:IndividualBirthDateText/text()") == ["19800517"]
    assert _text(root, f"{subject}/fc2:MaleGenderIndicator/text()") == ["Y"]
    # ISO alpha-3 in casework, alpha-2 for FinCEN; a state only where FinCEN codes states.
    assert _text(root, f"{subject}/fc2:Address/fc2:RawCountryCodeText/text()") == ["US", "DE"]
    assert _text(root, f"{subject}/fc2:Address/fc2:RawStateCodeText/text()") == ["IL"]
    ids = f"{subject}/fc2:PartyIdentification"
    assert _text(
        root, f"{ids}[fc2:PartyIdentificationTypeCode='6']/fc2:OtherIssuerCountryText/text()"
    ) == ["DE"]
    assert _text(
        root, f"{ids}[fc2:PartyIdentificationTypeCode='1']/fc2:PartyIdentificationNumberText/text()"
    ) == ["123456789"]
    assert _text(root, f"{subject}/fc2:PhoneNumber/fc2:PhoneNumberText/text()") == ["13125550101"]
    assert _text(
        root, f"{subject}/fc2:PartyOccupationBusiness/fc2:OccupationBusinessText/text()"
    ) == ["Used car dealer"]
    assert _text(root, f"{subject}/fc2:PartyAssociation/fc2:CustomerIndicator/text()") == ["Y"]
    account = (
        f"{subject}/fc2:PartyAccountAssociation/fc2:Party/fc2:Account/fc2:AccountNumberText/text()"
    )
    assert _text(root, account) == ["004-7781-22"]


def test_the_business_subject_is_an_entity_with_its_ein() -> None:
    root = _parsed(build(_meta(), _content(_business()), _settings()))
    subject = "fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='33']"
    assert _text(root, f"{subject}/fc2:PartyAsEntityOrganizationIndicator/text()") == ["Y"]
    assert _text(root, f"{subject}/fc2:PartyName/fc2:PartyNameTypeCode/text()") == ["L", "DBA"]
    assert _text(root, f"{subject}/fc2:PartyName/fc2:RawEntityIndividualLastName/text()") == [
        "Northwind Trading LLC"
    ]
    ids = f"{subject}/fc2:PartyIdentification"
    assert _text(
        root, f"{ids}[fc2:PartyIdentificationTypeCode='2']/fc2:PartyIdentificationNumberText/text()"
    ) == ["987654321"]
    assert _text(root, f"{subject}/fc2:ElectronicAddress/fc2:ElectronicAddressTypeCode/text()") == [
        "E",
        "U",
    ]
    assert _text(root, f"{subject}/fc2:MaleGenderIndicator") == []
    # Both accounts: the subject's own and the one the transactions went through.
    account = (
        f"{subject}/fc2:PartyAccountAssociation/fc2:Party/fc2:Account/fc2:AccountNumberText/text()"
    )
    assert _text(root, account) == ["004-9900-10", "004-7781-22"]


@pytest.mark.parametrize("report_code", ["correct", "continuing"], ids=["correction", "continuing"])
def test_a_report_on_a_prior_sar_carries_its_bsa_id(schema: Schema, report_code: str) -> None:
    meta, content, settings = (
        _meta(report_code=report_code, prior_bsa_id="31000012345678"),
        _content(),
        _settings(),
    )
    built = build(meta, content, settings)
    assert schema.problems(built) == []
    assert check(meta, content, settings) == []
    root = _parsed(built)
    assert _text(root, "fc2:Activity/fc2:EFilingPriorDocumentNumber/text()") == ["31000012345678"]
    (indicator,) = FILING_TYPES[report_code]
    assert _text(root, f"fc2:Activity/fc2:ActivityAssociation/fc2:{indicator}/text()") == ["Y"]
    assert _text(root, "fc2:Activity/fc2:ActivityAssociation/fc2:InitialReportIndicator") == []


@pytest.mark.parametrize("report_code", ["correct", "continuing"], ids=["correction", "continuing"])
def test_a_report_on_a_prior_sar_without_its_bsa_id_is_a_problem(report_code: str) -> None:
    problems = check(_meta(report_code=report_code), _content(), _settings())
    assert _pairs(problems) == {(f"{ACTIVITY}/EFilingPriorDocumentNumber", "prior_bsa_id")}
    assert problems[0].rule == "required"


def test_an_initial_report_carries_no_prior_bsa_id() -> None:
    root = _parsed(build(_meta(prior_bsa_id="31000012345678"), _content(), _settings()))
    assert _text(root, "fc2:Activity/fc2:EFilingPriorDocumentNumber") == []


def test_an_unknown_filing_type_is_named() -> None:
    problems = check(_meta(report_code="STR"), _content(), _settings())
    assert _pairs(problems) == {(f"{ACTIVITY}/ActivityAssociation", "report_code")}


def test_a_report_without_a_suspect_says_so_and_is_valid(schema: Schema) -> None:
    meta, settings = _meta(suspect_identified=False), _settings()
    content = _content().model_copy(update={"subject": None})
    built = build(meta, content, settings)
    assert schema.problems(built) == []
    assert check(meta, content, settings) == []
    root = _parsed(built)
    (subject,) = root.xpath("fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='33']", namespaces=NS)
    children = [etree.QName(child).localname for child in subject]
    assert children == [
        "ActivityPartyTypeCode",
        "AllCriticalSubjectInformationUnavailableIndicator",
    ]
    assert _text(subject, "fc2:AllCriticalSubjectInformationUnavailableIndicator/text()") == ["Y"]
    assert root.get("PartyCount") == "1"


def test_a_case_missing_required_data_lists_exactly_what_is_missing(schema: Schema) -> None:
    person = _person()
    assert person.person is not None
    subject = person.model_copy(
        update={"person": person.person.model_copy(update={"last_name": None})}
    )
    content = _content(subject, narrative=None, activity_types=[])
    settings = _settings(filer=_settings().filer.model_copy(update={"tin": None}))
    problems = check(_meta(), content, settings)
    assert _pairs(problems) == {
        (
            f"{ACTIVITY}/Party[3]/PartyIdentification[1]/PartyIdentificationNumberText",
            "settings.fincen.filer.tin",
        ),
        (f"{ACTIVITY}/ActivityNarrativeInformation/ActivityNarrativeText", "narrative"),
        (f"{ACTIVITY}/Party[6]/PartyName/RawEntityIndividualLastName", "subject.person.last_name"),
        (f"{ACTIVITY}/SuspiciousActivity/SuspiciousActivityClassification", "activity_types"),
    }
    assert {problem.rule for problem in problems} == {"required"}
    assert {problem.source for problem in problems} == {"rules"}
    messages = {problem.field: problem.message for problem in problems}
    assert messages["settings.fincen.filer.tin"] == "The TIN of the filing institution is not set"
    assert messages["subject.person.last_name"] == "The subject's last name is not set"
    # The schema sees only what its own structure demands: the narrative block and the
    # activity classification, each named after the field that would fill it.
    assert {(p.field, p.rule) for p in schema.problems(build(_meta(), content, settings))} == {
        ("narrative", "required element"),
        ("activity_types", "required element"),
    }


def test_missing_filer_settings_are_named_once_each() -> None:
    problems = check(_meta(), _content(), FincenSettings())
    fields = [problem.field for problem in problems]
    assert len(fields) == len(set(fields))
    assert {
        "settings.fincen.transmitter.name",
        "settings.fincen.transmitter.tin",
        "settings.fincen.transmitter.tcc",
        "settings.fincen.transmitter.phone",
        "settings.fincen.transmitter.address.street",
        "settings.fincen.transmitter.contact_name",
        "settings.fincen.filer.name",
        "settings.fincen.filer.tin",
        "settings.fincen.filer.tin_type",
        "settings.fincen.filer.primary_regulator",
        "settings.fincen.filer.institution_type",
        "settings.fincen.filer.address.city",
        "settings.fincen.contact_office.name",
        "settings.fincen.contact_office.phone",
    } <= set(fields)
    # The filer stands in for the institution where the activity occurred: one fix each.
    assert not any(
        field and field.startswith("settings.fincen.activity_institution") for field in fields
    )


def test_a_separate_activity_institution_is_written_and_checked() -> None:
    branch = FincenInstitution(name="Prairie State Bank Trust Co", tin="223456789", tin_type="ein")
    settings = _settings(activity_institution=branch)
    problems = check(_meta(), _content(), settings)
    assert {problem.field for problem in problems} == {
        "settings.fincen.activity_institution.primary_regulator",
        "settings.fincen.activity_institution.address.city",
        "settings.fincen.activity_institution.address.country",
        "settings.fincen.activity_institution.address.street",
        "settings.fincen.activity_institution.address.postal_code",
        "settings.fincen.activity_institution.institution_type",
    }
    root = _parsed(build(_meta(), _content(), settings))
    where = "fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='34']"
    assert _text(root, f"{where}/fc2:PartyName/fc2:RawPartyFullName/text()") == [
        "Prairie State Bank Trust Co"
    ]
    relationship = "fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='33']/fc2:PartyAssociation"
    assert _text(
        root, f"{relationship}/fc2:SubjectRelationshipFinancialInstitutionTINText/text()"
    ) == ["223456789"]


def test_a_schema_problem_names_its_field(schema: Schema) -> None:
    person = _person()
    assert person.person is not None
    occupation = "Independent dealer in classic and collectible motor vehicles and parts"
    subject = person.model_copy(
        update={"person": person.person.model_copy(update={"occupation": occupation})}
    )
    meta, content, settings = _meta(), _content(subject), _settings()
    element = f"{ACTIVITY}/Party[6]/PartyOccupationBusiness/OccupationBusinessText"
    found = schema.problems(build(meta, content, settings))
    assert {(p.element, p.field) for p in found} == {(element, "subject.person.occupation")}
    assert {p.rule for p in found} == {"facet maxLength"}
    (rule,) = check(meta, content, settings)
    assert (rule.element, rule.field, rule.rule) == (
        element,
        "subject.person.occupation",
        "maxLength 50",
    )


def test_a_transaction_without_a_dollar_amount_is_named() -> None:
    transactions = _transactions()
    transactions[1] = transactions[1].model_copy(update={"amount_local": None})
    content = _content(transactions=transactions)
    problems = check(_meta(), content, _settings())
    assert _pairs(problems) == {
        (f"{ACTIVITY}/SuspiciousActivity/TotalSuspiciousAmountText", "transactions[1].amount_local")
    }
    # The known amounts are still written: 9500 + 9800 + 4905.35, rounded up.
    root = _parsed(build(_meta(), content, _settings()))
    assert root.get("TotalAmount") == "24206"


def test_local_amounts_in_another_currency_are_not_taken_for_dollars() -> None:
    content = _content(local_currency="EUR")
    problems = check(_meta(), content, _settings())
    assert _pairs(problems) == {
        (f"{ACTIVITY}/SuspiciousActivity/TotalSuspiciousAmountText", "local_currency")
    }
    # Only the transactions made in dollars: 9500 + 9800.
    assert _parsed(build(_meta(), content, _settings())).get("TotalAmount") == "19300"


def test_without_transactions_or_dates_the_amount_and_start_are_unknown(schema: Schema) -> None:
    content = _content(transactions=[])
    problems = check(_meta(), content, _settings())
    assert _pairs(problems) == {
        (f"{ACTIVITY}/SuspiciousActivity/SuspiciousActivityFromDateText", "activity_start")
    }
    built = build(_meta(), content, _settings())
    assert {p.field for p in schema.problems(built)} == {"activity_start"}
    root = _parsed(built)
    assert _text(root, "fc2:Activity/fc2:SuspiciousActivity/fc2:AmountUnknownIndicator/text()") == [
        "Y"
    ]
    assert root.get("TotalAmount") == "0"


def test_a_long_narrative_is_split_into_blocks_that_join_back(schema: Schema) -> None:
    sentence = "The customer structured cash deposits across several branches. "
    narrative = (sentence * 150).strip()  # about 9,700 characters
    meta, content, settings = _meta(), _content(narrative=narrative), _settings()
    built = build(meta, content, settings)
    assert schema.problems(built) == []
    assert check(meta, content, settings) == []
    root = _parsed(built)
    information = "fc2:Activity/fc2:ActivityNarrativeInformation"
    assert _text(root, f"{information}/fc2:ActivityNarrativeSequenceNumber/text()") == [
        "1",
        "2",
        "3",
    ]
    blocks = _text(root, f"{information}/fc2:ActivityNarrativeText/text()")
    assert "".join(blocks) == narrative
    assert all(len(block) <= 4000 for block in blocks)
    assert all(block == block.strip() for block in blocks)


def test_a_narrative_longer_than_fincen_takes_is_named() -> None:
    narrative = "x" * 17_001
    problems = check(_meta(), _content(narrative=narrative), _settings())
    assert [(p.field, p.rule) for p in problems] == [("narrative", "maxLength 17000")]


def test_activity_types_that_fincen_does_not_know_are_named(schema: Schema) -> None:
    content = _content(activity_types=["812", "8120", "9999"])
    problems = check(_meta(), content, _settings())
    assert {(p.field, p.rule) for p in problems} == {
        ("activity_types[1]", "enumeration"),
        ("activity_types[2]", "required"),
    }
    assert {p.field for p in schema.problems(build(_meta(), content, _settings()))} == {
        "activity_types[1]"
    }


@pytest.mark.parametrize(
    ("subtype", "category"),
    [
        ("106", 1),
        ("812", 8),
        ("1005", 10),
        ("1102", 11),
        ("1204", 12),
        ("1999", 1),
        ("9999", 9),
        ("12999", 12),
        ("813", None),
        ("x", None),
    ],
    ids=[
        "structuring",
        "laundering",
        "mortgage",
        "cyber",
        "gaming",
        "structuring-other",
        "other-other",
        "gaming-other",
        "unlisted",
        "not-a-number",
    ],
)
def test_a_subtype_belongs_to_the_category_fincen_numbers_it_under(
    subtype: str, category: int | None
) -> None:
    assert activity_category(subtype) == category


def test_a_subject_with_unknown_details_is_declared_unknown(schema: Schema) -> None:
    subject = Subject(kind="person", person=Person(first_name="John", last_name="Doe"))
    content = _content(subject, transactions=[], activity_start=date(2026, 1, 5))
    meta, settings = _meta(), _settings()
    built = build(meta, content, settings)
    assert schema.problems(built) == []
    assert check(meta, content, settings) == []
    root = _parsed(built)
    party = "fc2:Activity/fc2:Party[fc2:ActivityPartyTypeCode='33']"
    for flag in (
        "BirthDateUnknownIndicator",
        "UnknownGenderIndicator",
        "NoKnownAccountInvolvedIndicator",
    ):
        assert _text(root, f"{party}/fc2:{flag}/text()") == ["Y"], flag
    address = f"{party}/fc2:Address"
    for flag in (
        "CityUnknownIndicator",
        "CountryCodeUnknownIndicator",
        "StateCodeUnknownIndicator",
        "StreetAddressUnknownIndicator",
        "ZIPCodeUnknownIndicator",
    ):
        assert _text(root, f"{address}/fc2:{flag}/text()") == ["Y"], flag
    assert _text(root, f"{party}/fc2:PartyIdentification/fc2:TINUnknownIndicator/text()") == ["Y"]


@pytest.mark.parametrize("subject", [_person(), _business()], ids=["person", "business"])
def test_every_value_comes_from_a_named_field(subject: Subject) -> None:
    built = build(_meta(), _content(subject), _settings())
    tree = built.root.getroottree()
    # The format's own constants: form, party roles, name kinds, account roles, and the
    # identification kinds casework always uses for the transmitter's TIN, its TCC, the
    # internal control number and the account-holding institution's TIN.
    constants = {
        "FormTypeCode",
        "ActivityPartyTypeCode",
        "PartyNameTypeCode",
        "PartyAccountAssociationTypeCode",
    }
    fixed_codes = {"4", "28", "29"}
    unsourced = [
        tree.getpath(element)
        for element in built.root.iter()
        if len(element) == 0
        and tree.getpath(element) not in built.fields
        and etree.QName(element).localname not in constants
        and not (
            etree.QName(element).localname == "PartyIdentificationTypeCode"
            and element.text in fixed_codes
        )
    ]
    assert unsourced == []
