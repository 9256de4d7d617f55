"""What happened at the demo bank over the last five weeks: its customers and cases.

Customers and owners are invented. Some of them are, or resemble, entries of the
fictional list (``demo_fictional``): a confirmed sanctions hit, a politically exposed
person, an adverse-media subject, a listed beneficial owner behind a company, a name
match cleared as a false positive and one still waiting for review. The rest are clean.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from casework.demo.cases import (
    Story,
    comment,
    decide,
    escalate,
    moment,
    move,
    resolve,
    work,
)
from casework.models.enums import MatchDecision, Resolution, ReviewStatus

KYC = "kyc-review"
AML = "aml-investigation"
# The checks the KYC config runs on every onboarding.
KYC_CHECKS = ("SANCTIONS", "PEP", "ADVERSE_MEDIA", "JURISDICTION")

# Listed entities of the fictional list that demo customers meet.
LISTED_OWNER = "demo-p-quellvashin"  # Radomir Quellvashin, sanctioned
CLEARED = "demo-p-threnwald"  # Oskar Threnwald, sanctioned; the customer is someone else
UNDER_REVIEW = "demo-p-zanfiroun"  # Tariq Zanfiroun, sanctioned
PEP = "demo-p-vellacombe"  # Honorata Vellacombe-Ruiz, deputy minister
ADVERSE = "demo-p-dunmore-welk"  # Cassius Dunmore-Welk, financial crime

# A company whose largest owner is a listed person, through a listed holding company.
BRANNOCH_OWNERSHIP: dict[str, Any] = {
    "subject": "brannoch",
    "entities": [
        {
            "id": "brannoch",
            "name": "Brannoch Vale Maritime Ltd",
            "type": "company",
            "country": "GBR",
        },
        {
            "id": "lanterngate",
            "name": "Lanterngate Holdings S.A.",
            "type": "company",
            "country": "PAN",
        },
        {"id": "quellvashin", "name": "Radomir Quellvashin", "type": "person", "country": "RUS"},
        {"id": "carrow", "name": "Ines Carrow-Dalby", "type": "person", "country": "GBR"},
        {"id": "kittiwake", "name": "Kittiwake Family Trust", "type": "trust", "country": "JEY"},
    ],
    "ownerships": [
        {"owner": "lanterngate", "owned": "brannoch", "percentage": 60},
        {"owner": "quellvashin", "owned": "lanterngate", "percentage": 75},
        {"owner": "carrow", "owned": "brannoch", "percentage": 25},
        {"owner": "kittiwake", "owned": "brannoch", "percentage": 15},
    ],
}
NORTHWIND_OWNERSHIP: dict[str, Any] = {
    "subject": "northwind",
    "entities": [
        {"id": "northwind", "name": "Northwind Trading Ltd", "type": "company", "country": "GBR"},
        {"id": "oduya", "name": "Harriet Oduya-Penrose", "type": "person", "country": "GBR"},
        {"id": "klenze", "name": "Tobias Klenze", "type": "person", "country": "DEU"},
    ],
    "ownerships": [
        {"owner": "oduya", "owned": "northwind", "percentage": 55},
        {"owner": "klenze", "owned": "northwind", "percentage": 45},
    ],
}


def _person(
    external_id: str,
    first: str,
    last: str,
    country: str,
    birth_date: str | None = None,
) -> dict[str, Any]:
    person: dict[str, Any] = {
        "customer_type": "INDIVIDUAL",
        "first_name": first,
        "last_name": last,
        "country": country,
        "nationality": country,
        "external_id": external_id,
    }
    if birth_date:
        person["birth_date"] = birth_date
    return person


def _business(external_id: str, name: str, country: str, **details: Any) -> dict[str, Any]:
    return {
        "customer_type": "BUSINESS",
        "full_name": name,
        "country": country,
        "external_id": external_id,
        "input_details": details,
    }


def _onboarding(customer: dict[str, Any]) -> dict[str, Any]:
    """What the core-banking system sends when a customer applies."""
    name = customer.get("full_name") or f"{customer['first_name']} {customer['last_name']}"
    return {"title": f"Onboarding screening: {name}", "config": KYC, "customer": customer}


def _h(hours: float) -> timedelta:
    return timedelta(hours=hours)


def _checks(*types: str) -> list[dict[str, Any]]:
    return [{"type": t} for t in types]


def _clean(
    now: datetime, days_ago: int, clock: str, customer: dict[str, Any], who: str, hours: float
) -> Story:
    """An onboarding that screens clean and is approved ``hours`` after it arrived."""
    return Story(
        opened=moment(now, days_ago, clock),
        by="api",
        body=_onboarding(customer),
        steps=[
            (timedelta(hours=hours * 0.4), work(who)),
            (
                timedelta(hours=hours),
                resolve(who, Resolution.false_positive, "Screening clear; identity verified."),
            ),
        ],
    )


def stories(now: datetime) -> list[Story]:
    """The demo's cases, opened between five weeks and a few hours before ``now``."""
    return [
        _clean(
            now,
            34,
            "10:12",
            _person("C-1010", "Maren", "Solbakken", "NOR", "1987-06-21"),
            "analyst",
            5,
        ),
        _clean(
            now,
            29,
            "11:30",
            _person("C-1011", "Kofi", "Mensah-Lartey", "GHA", "1992-01-30"),
            "analyst",
            4,
        ),
        _clean(
            now,
            27,
            "15:05",
            _person("C-1012", "Petra", "Novotná-Kral", "CZE", "1984"),
            "analyst2",
            20,
        ),
        Story(
            opened=moment(now, 26, "09:05"),
            by="api",
            body=_onboarding(_person("C-1013", "Radomir", "Kvelvashin", "RUS", "1966-09-14")),
            steps=[
                (_h(0.7), work("analyst")),
                (
                    _h(1),
                    decide(
                        "analyst",
                        LISTED_OWNER,
                        MatchDecision.true_positive,
                        "Same name, date of birth and nationality as the listed person; "
                        "the passport copy confirms it.",
                    ),
                ),
                (
                    _h(1.1),
                    escalate(
                        "analyst",
                        "supervisor",
                        "Confirmed sanctions match: accounts frozen, report to be filed.",
                    ),
                ),
                (_h(27), comment("supervisor", "Report filed; the relationship is declined.")),
                (
                    _h(49),
                    resolve(
                        "supervisor",
                        Resolution.potential_threat,
                        "Confirmed match on a listed person: onboarding refused and reported.",
                    ),
                ),
            ],
        ),
        _clean(
            now,
            26,
            "14:10",
            _person("C-1022", "Ottilie", "Fairbrook", "GBR", "1991-08-12"),
            "analyst2",
            3,
        ),
        _clean(
            now,
            23,
            "16:45",
            _person("C-1014", "Liesel", "Amberwood", "GBR", "1988-04-02"),
            "analyst2",
            2,
        ),
        Story(
            opened=moment(now, 20, "14:30"),
            by="api",
            body=_onboarding(_person("C-1015", "Oskar", "Threnwald", "DEU")),
            steps=[
                (_h(1), work("analyst2", "Possible sanctions match; asked for a passport copy.")),
                (
                    _h(3),
                    decide(
                        "analyst2",
                        CLEARED,
                        MatchDecision.false_positive,
                        "Passport: born 1994-03-08, German national. The listed person was "
                        "born 1958-11-02 and is Austrian.",
                    ),
                ),
                (
                    _h(3.2),
                    resolve(
                        "analyst2",
                        Resolution.false_positive,
                        "Name match cleared on date of birth and nationality.",
                    ),
                ),
            ],
        ),
        _clean(
            now,
            20,
            "09:30",
            _person("C-1023", "Mateus", "Calloway", "PRT", "1986-05-05"),
            "analyst",
            30,
        ),
        Story(
            opened=moment(now, 18, "11:20"),
            by="supervisor",
            assignee="analyst",
            body={
                "title": "Onboarding review: Northwind Trading",
                "config": KYC,
                "customer": _business(
                    "B-2001", "Northwind Trading Ltd", "GBR", ownership=NORTHWIND_OWNERSHIP
                ),
                "checks": _checks("UBO_RESOLUTION", "SANCTIONS", "JURISDICTION"),
            },
            steps=[
                (
                    _h(1),
                    work("analyst", "Started the review; pulling statements for the last 90 days."),
                ),
                (
                    _h(28),
                    resolve(
                        "analyst",
                        Resolution.false_positive,
                        "Documents verified; activity matches the business profile.",
                    ),
                ),
            ],
        ),
        _clean(
            now,
            16,
            "08:50",
            _person("C-1016", "Rafael", "Quintanar Boix", "ESP", "1979"),
            "analyst",
            26,
        ),
        _clean(
            now,
            14,
            "13:40",
            _person("C-1017", "Yusra", "Haddadin", "JOR", "1995-12-09"),
            "analyst",
            1,
        ),
        Story(
            opened=moment(now, 13, "15:10"),
            by="supervisor",
            assignee="analyst2",
            body={
                "title": "Counterparty countries review: Ferrowick Industrial Supplies",
                "module": "aml",
                "priority": "high",
                "customer": _business(
                    "B-2002",
                    "Ferrowick Industrial Supplies GmbH",
                    "DEU",
                    counterparty_countries=["IRN", "SYR", "ARE"],
                ),
                "checks": _checks("JURISDICTION", "SANCTIONS"),
            },
            steps=[
                (
                    _h(0.3),
                    work("analyst2", "Invoices show shipments routed through high-risk countries."),
                ),
                (
                    _h(50),
                    resolve(
                        "analyst2",
                        Resolution.potential_threat,
                        "Export-control concerns confirmed; reported, relationship under review.",
                    ),
                ),
            ],
        ),
        _clean(
            now,
            13,
            "11:05",
            _person("C-1024", "Ingrid", "Halvorsrud", "NOR", "1972-10-28"),
            "analyst2",
            6,
        ),
        Story(
            opened=moment(now, 12, "09:00"),
            by="supervisor",
            body={
                "title": "Periodic review of high-risk customer",
                "custom_module": "periodic-review",
                "priority": "medium",
                "tasks": ["Refresh source of wealth"],
            },
        ),
        Story(
            opened=moment(now, 11, "10:00"),
            by="api",
            body=_onboarding(_person("C-1018", "Cassius", "Dunmore Welk", "GBR", "1983-10-07")),
            steps=[
                (
                    _h(1),
                    work(
                        "analyst",
                        "The listed prosecution gives the same date of birth; asked the "
                        "customer to explain.",
                    ),
                ),
                (_h(1.2), move("analyst", ReviewStatus.awaiting_user)),
            ],
        ),
        Story(
            opened=moment(now, 9, "12:00"),
            by="supervisor",
            assignee="analyst2",
            body={
                "title": "Rapid pass-through of incoming wires",
                "config": AML,
                "customer": _person("C-1002", "Олена", "Коваленко", "UKR", "1990-07"),
            },
            steps=[
                (
                    _h(2),
                    work(
                        "analyst2", "Started the review; pulling statements for the last 90 days."
                    ),
                ),
                (_h(3), move("analyst2", ReviewStatus.awaiting_user)),
            ],
        ),
        Story(
            opened=moment(now, 8, "13:15"),
            by="api",
            body=_onboarding(_person("C-1019", "Honorata", "Vellacombe Ruiz", "ESP", "1970-05-30")),
            steps=[
                (_h(2), work("analyst2")),
                (
                    _h(2.5),
                    decide(
                        "analyst2",
                        PEP,
                        MatchDecision.true_positive,
                        "The customer is the listed deputy minister: enhanced due diligence.",
                    ),
                ),
                (
                    _h(2.7),
                    escalate(
                        "analyst2",
                        "supervisor",
                        "A politically exposed person needs senior management approval.",
                    ),
                ),
                (_h(24), comment("supervisor", "Asked for evidence of the source of wealth.")),
            ],
        ),
        _clean(
            now,
            6,
            "10:20",
            _person("C-1020", "Saoirse", "Delahunt", "IRL", "1990-02-17"),
            "analyst2",
            3,
        ),
        _clean(
            now,
            6,
            "15:40",
            _person("C-1025", "Dariusz", "Brandowski", "POL", "1980"),
            "analyst",
            18,
        ),
        _clean(
            now,
            5,
            "16:20",
            _person("C-1026", "Amara", "Okelo-Finch", "KEN", "1993-03-15"),
            "analyst2",
            2,
        ),
        Story(
            opened=moment(now, 5, "09:30"),
            by="supervisor",
            assignee="analyst",
            body={
                "title": "Ownership review: Brannoch Vale Maritime",
                "config": KYC,
                "priority": "high",
                "customer": _business(
                    "B-2003", "Brannoch Vale Maritime Ltd", "GBR", ownership=BRANNOCH_OWNERSHIP
                ),
                "checks": _checks("UBO_RESOLUTION", "SANCTIONS", "PEP", "JURISDICTION"),
            },
            steps=[
                (_h(0.75), work("analyst")),
                (
                    _h(1),
                    decide(
                        "analyst",
                        LISTED_OWNER,
                        MatchDecision.true_positive,
                        "The 45% indirect owner, through Lanterngate Holdings S.A., is the "
                        "listed person.",
                    ),
                ),
                (
                    _h(1.2),
                    escalate(
                        "analyst",
                        "supervisor",
                        "A listed person is a beneficial owner; onboarding must stop.",
                    ),
                ),
                (
                    _h(1.3),
                    move("analyst", ReviewStatus.blocked, "Blocked until compliance decides."),
                ),
            ],
        ),
        Story(
            opened=moment(now, 3, "10:40"),
            by="supervisor",
            assignee="analyst",
            body={
                "title": "Structuring below reporting threshold",
                "config": AML,
                "customer": _person("C-1001", "Jürgen", "Müller", "DEU", "1978-03-14"),
                "description": "Nine cash deposits of EUR 9,500 within five days.",
            },
            steps=[
                (
                    _h(1),
                    work("analyst", "Started the review; pulling statements for the last 90 days."),
                ),
            ],
        ),
        Story(
            opened=moment(now, 2, "17:25"),
            by="supervisor",
            assignee="analyst2",
            body={
                "title": "Unusual card spend abroad",
                "module": "transaction-monitoring",
                "priority": "low",
            },
            steps=[
                (_h(1), work("analyst2", "Card blocked pending the customer's confirmation.")),
                (_h(1.5), move("analyst2", ReviewStatus.blocked)),
            ],
        ),
        Story(
            opened=moment(now, 1, "09:45"),
            by="api",
            body=_onboarding(_person("C-1021", "Henrik", "Aalbergsen", "NOR", "1975-11-04")),
        ),
        Story(
            opened=moment(now, 1, "13:30"),
            by="api",
            body=_onboarding(_person("C-1027", "Lucía", "Esterhold", "ARG", "1989-07-22")),
        ),
        Story(
            opened=now - timedelta(hours=4),
            by="supervisor",
            body={
                "title": "Possible sanctions name match",
                "module": "aml",
                "priority": "high",
                # The customer file has no birth date: the analyst must compare it.
                "customer": _person("C-1003", "Tarik", "Zanfiroun", "FRA"),
                "tasks": ["Compare date of birth", "Compare nationality"],
                "due_date": (now + timedelta(hours=6)).isoformat(),
                "checks": _checks("SANCTIONS", "PEP"),
            },
        ),
    ]
