"""goAML 5.0.2 reports written from a draft: valid against the official schema when the
draft is complete, and each gap named by casework's own checks before the schema does."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from casework.reports import goaml
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
from casework.reports.goaml import GoamlSettings, ReportingPerson, build, check
from casework.reports.schema import Schema, load

SCHEMA = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "regulatory"
    / "goaml"
    / "goAMLSchema-5.0.2.xsd"
)


@pytest.fixture(scope="module")
def schema() -> Schema:
    if not SCHEMA.is_file():
        pytest.skip(f"the goAML schema is not at {SCHEMA}")
    return load(SCHEMA.read_bytes())


def _address(city: str = "Berlin", state: str = "Berlin") -> Address:
    return Address(
        street="Friedrichstrasse 10", city=city, postal_code="10117", state=state, country="DEU"
    )


def _passport(number: str = "C01X00T47") -> Identification:
    return Identification(
        type="passport",
        number=number,
        issuing_country="DEU",
        issue_date=date(2019, 3, 1),
        expiry_date=date(2029, 2, 28),
    )


def _person(**changes: Any) -> Person:
    fields: dict[str, Any] = {
        "first_name": "Anna",
        "middle_name": "Maria",
        "last_name": "Schmidt",
        "birth_date": date(1980, 5, 6),
        "gender": "F",
        "nationality": "DEU",
        "residence": "DEU",
        "occupation": "Engineer",
        "email": "anna.schmidt@example.org",
        "phone": "+49 30 1234567",
        "addresses": [_address()],
        "identifications": [
            _passport(),
            Identification(
                type="national_id",
                number="L01X00T47",
                issuing_country="DEU",
                issue_date=date(2018, 1, 1),
                expiry_date=date(2028, 1, 1),
            ),
            Identification(type="tax_id", number="12345678901", issuing_country="DEU"),
        ],
    }
    return Person(**{**fields, **changes})


def _director(first: str, last: str, **changes: Any) -> Person:
    fields: dict[str, Any] = {
        "role": "director",
        "first_name": first,
        "last_name": last,
        "birth_date": date(1970, 2, 3),
        "nationality": "NLD",
        "residence": "DEU",
        "identifications": [_passport(f"NL{last.upper()}")],
    }
    return Person(**{**fields, **changes})


def _business(**changes: Any) -> Business:
    fields: dict[str, Any] = {
        "name": "Nordlicht Handel GmbH",
        "commercial_name": "Nordlicht",
        "legal_form": "GmbH",
        "registration_number": "HRB 123456",
        "incorporation_country": "DEU",
        "incorporation_date": date(2015, 7, 1),
        "tax_number": "DE123456789",
        "business_activity": "Wholesale of electronics",
        "email": "info@nordlicht.example",
        "phone": "+49 40 555000",
        "url": "https://nordlicht.example",
        "addresses": [_address("Hamburg", "Hamburg")],
    }
    return Business(**{**fields, **changes})


def _transactions() -> list[ReportTransaction]:
    """Both directions, EUR (local) and USD, counterparties with and without accounts."""
    return [
        ReportTransaction(
            transaction_id="6650a1b2c3d4e5f601234567",
            reference="TX-1001",
            occurred_at=datetime(2026, 1, 15, 9, 30, tzinfo=UTC),
            amount=Decimal("9500.00"),
            currency="EUR",
            amount_local=Decimal("9500.00"),
            direction="out",
            type="transfer",
            channel="online",
            description="Payment for consulting",
            account_number="DE89370400440532013000",
            counterparty_name="Jean-Paul Dupont",
            counterparty_account="FR7630006000011234567890189",
            counterparty_bank="BNPAFRPP",
            counterparty_country="FRA",
        ),
        ReportTransaction(
            reference="TX-1002",
            occurred_at=datetime(2026, 1, 16, 14, 0, tzinfo=UTC),
            amount=Decimal("12000"),
            currency="USD",
            amount_local=Decimal("11040.5"),
            direction="in",
            type="transfer",
            channel="swift",
            counterparty_name="Blue Harbor Trading LLC",
            counterparty_account="021000021-4455667788",
            counterparty_bank="First Harbor Bank",
            counterparty_country="USA",
        ),
        ReportTransaction(
            reference="TX-1003",
            occurred_at=datetime(2026, 1, 17, 11, 15),
            amount=Decimal("4800"),
            currency="EUR",
            direction="in",
            type="cash",
            channel="branch",
            counterparty_name="Peter O'Neill",
        ),
        ReportTransaction(
            reference="TX-1004",
            occurred_at=datetime(2026, 1, 18, 16, 45, tzinfo=UTC),
            amount=Decimal("3000.1234"),
            currency="USD",
            amount_local=Decimal("2760.11"),
            direction="out",
            type="card",
            counterparty_name="Sunrise Electronics",
            counterparty_country="ARE",
        ),
    ]


def _content(kind: str, **changes: Any) -> ReportContent:
    if kind == "person":
        subject = Subject(
            kind="person",
            customer_id="6650a1b2c3d4e5f6aaaaaaaa",
            person=_person(),
            account_number="DE89370400440532013000",
        )
        parties: list[Person] = []
    else:
        subject = Subject(
            kind="business",
            customer_id="6650a1b2c3d4e5f6bbbbbbbb",
            business=_business(),
            account_number="DE02120300000000202051",
        )
        parties = [_director("Lars", "Jansen"), _director("Eva", "de Vries", gender="F")]
    fields: dict[str, Any] = {
        "subject": subject,
        "parties": parties,
        "transactions": _transactions(),
        "local_currency": "EUR",
        "narrative": "Rapid movement of funds through the account with no business purpose.",
        "action": "The account was restricted and the customer asked for documents.",
        "indicators": ["ALP01", "UMFAC"],
    }
    return ReportContent(**{**fields, **changes})


def _settings(**changes: Any) -> GoamlSettings:
    fields: dict[str, Any] = {
        "rentity_id": 1042,
        "rentity_branch": "Head office",
        "local_currency": "EUR",
        "reporting_person": ReportingPerson(
            gender="F",
            title="Ms",
            first_name="Mary",
            last_name="Keller",
            occupation="MLRO",
            email="mlro@bank.example",
            phone="+49 30 9999",
            address=_address(),
        ),
        "location": _address(),
        "deadline_days": 30,
    }
    return GoamlSettings(**{**fields, **changes})


def _meta(code: str = "STR", **changes: Any) -> ReportMeta:
    fields: dict[str, Any] = {
        "report_id": "6650a1b2c3d4e5f6cccccccc",
        "entity_reference": "CASE-2026-0042",
        "report_code": code,
        "report_date": date(2026, 2, 2),
    }
    return ReportMeta(**{**fields, **changes})


def _pairs(problems: list[Problem]) -> set[tuple[str, str | None]]:
    return {(p.element, p.field) for p in problems}


def _texts(root: etree._Element, xpath: str) -> list[str]:
    found = root.xpath(xpath)
    assert isinstance(found, list)
    return [str(item) for item in found]


@pytest.mark.parametrize("kind", ["person", "business"])
@pytest.mark.parametrize("code", sorted(goaml.REPORT_CODES))
def test_a_complete_draft_is_valid(schema: Schema, code: str, kind: str) -> None:
    content = _content(kind)
    built = build(_meta(code), content, _settings())
    assert schema.problems(built) == []
    assert check(_meta(code), content, _settings()) == []
    assert _texts(built.root, "/report/report_code/text()") == [code]


def test_str_and_sar_are_supported() -> None:
    assert {"STR", "SAR"} <= goaml.REPORT_CODES


def test_amounts_currencies_and_dates(schema: Schema) -> None:
    root = build(_meta(), _content("person"), _settings()).root
    assert _texts(root, "/report/currency_code_local/text()") == ["EUR"]
    assert _texts(root, "/report/report_date/text()") == ["2026-02-02T00:00:00"]
    assert _texts(root, "//transaction/date_transaction/text()") == [
        "2026-01-15T09:30:00",
        "2026-01-16T14:00:00",
        "2026-01-17T11:15:00",
        "2026-01-18T16:45:00",
    ]
    # The third transaction is in the local currency and has no amount_local of its own.
    assert _texts(root, "//transaction/amount_local/text()") == [
        "9500.00",
        "11040.50",
        "4800.00",
        "2760.11",
    ]
    second, fourth = root.xpath("//transaction")[1], root.xpath("//transaction")[3]
    for side in ("t_from/from_foreign_currency", "t_to_my_client/to_foreign_currency"):
        assert _texts(second, f"{side}/foreign_currency_code/text()") == ["USD"]
        assert _texts(second, f"{side}/foreign_amount/text()") == ["12000.00"]
        assert _texts(second, f"{side}/foreign_exchange_rate/text()") == ["0.92004167"]
    assert _texts(fourth, "t_from_my_client/from_foreign_currency/foreign_amount/text()") == [
        "3000.1234"
    ]
    assert root.xpath("//transaction[1]//*[contains(name(), 'foreign_currency')]") == []


def test_each_transaction_joins_the_customer_and_the_counterparty() -> None:
    root = build(_meta(), _content("person"), _settings()).root
    first, second, third, fourth = root.xpath("//transaction")
    assert _texts(first, "transactionnumber/text()") == ["TX-1001"]
    assert _texts(first, "internal_ref_number/text()") == ["6650a1b2c3d4e5f601234567"]
    assert _texts(first, "transmode_code/text()") == ["ONBNK"]
    person = first.xpath("t_from_my_client/from_person")[0]
    assert _texts(person, "last_name/text()") == ["Schmidt"]
    assert _texts(person, "passport_number/text()") == ["C01X00T47"]
    assert _texts(person, "id_number/text()") == ["L01X00T47"]
    assert _texts(person, "identification/type/text()") == ["PASSP", "-"]
    assert _texts(person, "tax_number/text()") == ["12345678901"]
    assert _texts(first, "t_from_my_client/from_funds_comment/text()") == [
        "Debited from account DE89370400440532013000"
    ]
    assert _texts(first, "t_to/to_account/swift/text()") == ["BNPAFRPP"]
    assert _texts(first, "t_to/to_account/account_name/text()") == ["Jean-Paul Dupont"]
    assert _texts(first, "t_to/to_country/text()") == ["FR"]
    assert _texts(second, "transmode_code/text()") == ["SWIFT"]
    assert _texts(second, "t_from/from_account/institution_name/text()") == ["First Harbor Bank"]
    assert _texts(second, "t_to_my_client/to_person/nationality1/text()") == ["DE"]
    assert _texts(third, "transmode_code/text()") == ["BO"]
    assert _texts(third, "t_from/from_funds_code/text()") == ["CASH"]
    assert _texts(third, "t_from/from_entity/name/text()") == ["Peter O'Neill"]
    assert _texts(third, "t_from/from_country/text()") == ["-"]
    assert _texts(fourth, "t_to/to_entity/name/text()") == ["Sunrise Electronics"]
    assert _texts(fourth, "t_to/to_country/text()") == ["AE"]


def test_a_business_names_its_directors() -> None:
    root = build(_meta(), _content("business"), _settings()).root
    entity = root.xpath("//transaction[1]/t_from_my_client/from_entity")[0]
    assert _texts(entity, "name/text()") == ["Nordlicht Handel GmbH"]
    assert _texts(entity, "incorporation_number/text()") == ["HRB 123456"]
    assert _texts(entity, "incorporation_country_code/text()") == ["DE"]
    assert _texts(entity, "director_id/last_name/text()") == ["Jansen", "de Vries"]
    assert _texts(entity, "director_id/role/text()") == ["DIR", "DIR"]
    assert _texts(entity, "director_id/nationality1/text()") == ["NL", "NL"]
    built = build(_meta(), _content("business"), _settings())
    path = "/report/transaction[1]/t_from_my_client/from_entity/director_id[2]/birthdate"
    assert built.fields[path] == "parties[1].birth_date"


def test_an_amendment_carries_the_rejected_reference(schema: Schema) -> None:
    meta = _meta("STR", prev_rejected_ref_number="FIU-2026-000123")
    built = build(meta, _content("person"), _settings())
    assert schema.problems(built) == []
    assert _texts(built.root, "/report/prev_rejected_ref_number/text()") == ["FIU-2026-000123"]
    assert built.fields["/report/prev_rejected_ref_number"] == "report.prev_rejected_ref_number"
    names = [child.tag for child in built.root]
    assert names.index("prev_rejected_ref_number") == names.index("entity_reference") + 1


def _incomplete() -> tuple[ReportMeta, ReportContent, GoamlSettings]:
    content = _content("person")
    assert content.subject is not None and content.subject.person is not None
    subject = content.subject.model_copy(
        update={"person": content.subject.person.model_copy(update={"last_name": None})}
    )
    transactions = list(content.transactions)
    transactions[1] = transactions[1].model_copy(update={"counterparty_name": None})
    draft = content.model_copy(
        update={"subject": subject, "transactions": transactions, "narrative": None}
    )
    return _meta(), draft, _settings(rentity_id=None)


def test_a_case_missing_required_data_lists_exactly_what_is_missing() -> None:
    problems = check(*_incomplete())
    assert _pairs(problems) == {
        ("/report/rentity_id", "settings.goaml.rentity_id"),
        ("/report/reason", "narrative"),
        (
            "/report/transaction[1]/t_from_my_client/from_person/last_name",
            "subject.person.last_name",
        ),
        (
            "/report/transaction[2]/t_from/from_account/account_name",
            "transactions[1].counterparty_name",
        ),
    }
    by_field = {p.field: p for p in problems}
    rentity = by_field["settings.goaml.rentity_id"]
    assert rentity.message == "The reporting entity id is not set in the goAML settings."
    assert rentity.rule == "required (minOccurs 1)"
    assert rentity.source == "rules"
    assert by_field["subject.person.last_name"].message == (
        "The last name of the subject is missing."
    )
    assert by_field["transactions[1].counterparty_name"].message == (
        "The counterparty name of transaction 2 (TX-1002) is missing."
    )


def test_the_schema_refuses_what_the_checks_named(schema: Schema) -> None:
    meta, content, settings = _incomplete()
    found = schema.problems(build(meta, content, settings))
    assert found and all(p.source == "schema" for p in found)
    named = {p.field for p in check(meta, content, settings)}
    assert {p.field for p in found} <= named
    assert {p.field for p in found} == {
        "settings.goaml.rentity_id",
        "subject.person.last_name",
        "transactions[1].counterparty_name",
    }


@pytest.mark.parametrize(
    ("name", "characters"),
    [("Müller & Co", ['"ü"', '"&"']), ("Nordlicht/Handel", ['"/"'])],
    ids=["umlaut-and-ampersand", "slash"],
)
def test_a_name_outside_the_pattern_is_named_with_its_characters(
    schema: Schema, name: str, characters: list[str]
) -> None:
    content = _content("business")
    assert content.subject is not None and content.subject.business is not None
    business = content.subject.business.model_copy(update={"name": name})
    subject = content.subject.model_copy(update={"business": business})
    draft = content.model_copy(update={"subject": subject})
    by_schema = schema.problems(build(_meta(), draft, _settings()))
    assert by_schema
    assert {p.field for p in by_schema} == {"subject.business.name"}
    assert {p.rule for p in by_schema} == {"facet pattern"}
    (problem,) = check(_meta(), draft, _settings())
    assert problem.element == "/report/transaction[1]/t_from_my_client/from_entity/name"
    assert problem.field == "subject.business.name"
    assert problem.rule == "pattern [a-zA-Z0-9 .'-]*"
    assert f'"{name}"' in problem.message
    assert all(character in problem.message for character in characters)


@pytest.mark.parametrize(
    ("change", "pair"),
    [
        (
            {"birth_date": None},
            (
                "/report/transaction[1]/t_from_my_client/from_person/birthdate",
                "subject.person.birth_date",
            ),
        ),
        (
            {"nationality": None},
            (
                "/report/transaction[1]/t_from_my_client/from_person/nationality1",
                "subject.person.nationality",
            ),
        ),
        (
            {"first_name": "A" * 101},
            (
                "/report/transaction[1]/t_from_my_client/from_person/first_name",
                "subject.person.first_name",
            ),
        ),
        (
            {"identifications": []},
            (
                "/report/transaction[1]/t_from_my_client/from_person/identification",
                "subject.person.identifications",
            ),
        ),
    ],
    ids=["birth-date", "nationality", "long-first-name", "no-identification"],
)
def test_a_subject_gap_is_named_once_where_it_first_appears(
    schema: Schema, change: dict[str, Any], pair: tuple[str, str]
) -> None:
    content = _content("person")
    assert content.subject is not None and content.subject.person is not None
    person = content.subject.person.model_copy(update=change)
    draft = content.model_copy(
        update={"subject": content.subject.model_copy(update={"person": person})}
    )
    assert _pairs(check(_meta(), draft, _settings())) == {pair}
    by_schema = schema.problems(build(_meta(), draft, _settings()))
    assert by_schema and {p.field for p in by_schema} == {pair[1]}


def test_a_foreign_amount_without_its_local_amount_is_named(schema: Schema) -> None:
    content = _content("person")
    transactions = list(content.transactions)
    transactions[3] = transactions[3].model_copy(update={"amount_local": None})
    draft = content.model_copy(update={"transactions": transactions})
    (problem,) = check(_meta(), draft, _settings())
    assert (problem.element, problem.field) == (
        "/report/transaction[4]/amount_local",
        "transactions[3].amount_local",
    )
    assert problem.message == (
        "The amount in EUR of transaction 4 (TX-1004) is missing: the transaction is in USD."
    )
    assert {p.field for p in schema.problems(build(_meta(), draft, _settings()))} == {
        "transactions[3].amount_local"
    }


def test_a_report_without_transactions_names_them_and_the_subject_gaps(schema: Schema) -> None:
    content = _content("person")
    assert content.subject is not None and content.subject.person is not None
    person = content.subject.person.model_copy(update={"birth_date": None})
    subject = content.subject.model_copy(update={"person": person})
    draft = content.model_copy(update={"transactions": [], "subject": subject})
    assert _pairs(check(_meta("SAR"), draft, _settings())) == {
        ("/report/transaction", "transactions"),
        ("/report/transaction/t_from_my_client/from_person/birthdate", "subject.person.birth_date"),
    }
    by_schema = schema.problems(build(_meta("SAR"), draft, _settings()))
    assert {p.field for p in by_schema} == {"transactions"}


def test_a_business_without_directors_or_indicators(schema: Schema) -> None:
    draft = _content("business", parties=[], indicators=[])
    assert _pairs(check(_meta(), draft, _settings())) == {
        ("/report/transaction[1]/t_from_my_client/from_entity/director_id", "parties"),
        ("/report/report_indicators", "indicators"),
    }
    by_schema = schema.problems(build(_meta(), draft, _settings()))
    assert {p.field for p in by_schema} == {"parties", "indicators"}


def test_an_unsupported_report_code_is_named() -> None:
    (problem,) = check(_meta("CTR"), _content("person"), _settings())
    assert (problem.element, problem.field) == ("/report/report_code", "report.report_code")


def test_an_address_without_a_state_is_named(schema: Schema) -> None:
    location = _address().model_copy(update={"state": None, "postal_code": "12345678901"})
    problems = check(_meta(), _content("person"), _settings(location=location))
    assert _pairs(problems) == {
        ("/report/location/state", "settings.goaml.location.state"),
        ("/report/location/zip", "settings.goaml.location.postal_code"),
    }
    assert {p.rule for p in problems} == {"required (minOccurs 1)", "maxLength 10"}
    by_schema = schema.problems(build(_meta(), _content("person"), _settings(location=location)))
    assert {p.field for p in by_schema} == {
        "settings.goaml.location.state",
        "settings.goaml.location.postal_code",
    }


@pytest.mark.parametrize(
    ("channel", "kind", "direction", "code"),
    [
        ("online", "transfer", "out", "ONBNK"),
        ("Mobile App", None, "out", "MB"),
        ("branch", "cash", "in", "BO"),
        ("ATM", "cash withdrawal", "out", "ATMWT"),
        ("atm", "cash", "in", "CDM"),
        (None, "SWIFT wire", "out", "SWIFT"),
        (None, "credit card", "out", "CCD"),
        (None, "card", "out", "DBCD"),
        (None, "transfer", "in", "ELCFT"),
        (None, "standing order", "out", "-"),
        (None, None, "out", "-"),
    ],
)
def test_transmode(channel: str | None, kind: str | None, direction: str, code: str) -> None:
    assert goaml.transmode(channel, kind, direction) == code


@pytest.mark.parametrize(
    ("kind", "code"),
    [("cash", "CASH"), ("Cheque deposit", "CHQ"), ("transfer", "ELCFT"), (None, "ELCFT")],
)
def test_funds_code(kind: str | None, code: str) -> None:
    assert goaml.funds_code(kind, None) == code


def test_values_in_goaml_form() -> None:
    assert goaml.sql_date(date(2026, 1, 15)) == "2026-01-15T00:00:00"
    assert goaml.sql_date(datetime(2026, 1, 15, 23, 30, 5, 999)) == "2026-01-15T23:30:05"
    aware = datetime.fromisoformat("2026-01-15T23:30:00+02:00")
    assert goaml.sql_date(aware) == "2026-01-15T21:30:00"
    assert goaml.amount_text(Decimal("1E+3")) == "1000.00"
    assert goaml.amount_text(Decimal("12.5000")) == "12.50"
    assert goaml.amount_text(Decimal("0.0001")) == "0.0001"
    assert goaml.rate_text(Decimal("100"), Decimal("3")) == "33.33333333"
    assert goaml.alpha2("DEU") == "DE"


def test_settings_are_strict_and_bounded() -> None:
    assert GoamlSettings().submission_code == "E"
    for bad in ({"rentity_id": 0}, {"deadline_days": 366}, {"submission_code": "X"}, {"x": 1}):
        with pytest.raises(ValueError, match="validation error"):
            GoamlSettings.model_validate(bad)
    assert GoamlSettings.model_validate({"deadline_days": 365}).deadline_days == 365
