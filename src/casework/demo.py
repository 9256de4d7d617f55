"""Demo data: a fictional bank with a team, case configs and cases in every state."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.auth.service import principal_for_user
from casework.db import Database
from casework.models import Tenant, User
from casework.models.base import utcnow
from casework.models.enums import CreatedByType, Resolution, ReviewStatus
from casework.webhooks.secrets_box import SecretBox, box_for

DEMO_SLUG = "demo"
TEAM = [
    ("admin", "admin@demo.casework.test", "Ada", "Admin", "admin"),
    ("supervisor", "supervisor@demo.casework.test", "Sam", "Okafor", "supervisor"),
    ("analyst", "amaka@demo.casework.test", "Amaka", "Osei", "analyst"),
    ("analyst2", "jonas@demo.casework.test", "Jonas", "Berg", "analyst"),
    ("viewer", "viewer@demo.casework.test", "Vera", "Viewer", "viewer"),
]
CUSTOMERS: list[dict[str, Any]] = [
    {
        "customer_type": "INDIVIDUAL",
        "first_name": "Jürgen",
        "last_name": "Müller",
        "birth_date": "1978-03-14",
        "country": "DEU",
        "nationality": "DEU",
        "external_id": "C-1001",
    },
    {
        "customer_type": "INDIVIDUAL",
        "first_name": "Олена",
        "last_name": "Коваленко",
        "birth_date": "1990-07",
        "country": "UKR",
        "nationality": "UKR",
        "external_id": "C-1002",
    },
    {
        "customer_type": "INDIVIDUAL",
        "first_name": "Chidi",
        "last_name": "Okonkwo",
        "birth_date": "1985",
        "country": "NGA",
        "nationality": "NGA",
        "external_id": "C-1003",
    },
    {
        "customer_type": "BUSINESS",
        "full_name": "Northwind Trading Ltd",
        "country": "GBR",
        "external_id": "B-2001",
    },
]


@dataclass
class DemoReport:
    created: bool
    tenant: str = DEMO_SLUG
    logins: list[dict[str, str]] = field(default_factory=list)
    api_client: dict[str, str] = field(default_factory=dict)
    cases: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "tenant": self.tenant,
            "logins": self.logins,
            "api_client": self.api_client,
            "cases": self.cases,
        }

    def human(self) -> str:
        if not self.created:
            return (
                f"demo tenant '{self.tenant}' is already present; its credentials were shown "
                "when it was created (make new ones with `casework api-clients create`)"
            )
        lines = [f"demo tenant '{self.tenant}' created with {self.cases} cases.", "users:"]
        lines += [
            f"  {u['email']:<34} {u['role']:<11} password: {u['password']}" for u in self.logins
        ]
        lines += [
            "API client (acts as the supervisor):",
            f"  api_key:       {self.api_client['api_key']}",
            f"  client_id:     {self.api_client['client_id']}",
            f"  client_secret: {self.api_client['client_secret']}",
            "try: curl -H 'Authorization: Bearer <api_key>' http://127.0.0.1:8000/v1/cases",
            "These secrets are shown once; they are stored only as hashes.",
        ]
        return "\n".join(lines)


def has_tenants(database: Database) -> bool:
    with database.transaction(write=False) as session:
        return session.scalar(select(Tenant.id).limit(1)) is not None


def ensure_demo(database: Database) -> DemoReport:
    with database.transaction() as session:
        if session.scalar(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)):
            return DemoReport(created=False)
        return _build(session, box_for(database.settings))


def _build(session: Session, box: SecretBox) -> DemoReport:
    from casework.auth.clients import create_api_client
    from casework.configs.schemas import CaseConfigCreate
    from casework.configs.service import create_config
    from casework.tenants.service import create_tenant
    from casework.users.service import create_user

    tenant = create_tenant(session, slug_value=DEMO_SLUG, name="Demo Bank", currency="EUR")
    system = Principal.system(tenant.id, "demo")
    report = DemoReport(created=True)
    users: dict[str, User] = {}
    for key, email, first, last, role in TEAM:
        password = secrets.token_urlsafe(12)
        users[key] = create_user(
            session,
            actor=system,
            email=email,
            first_name=first,
            last_name=last,
            role_slug=role,
            password=password,
        )
        report.logins.append({"email": email, "role": role, "password": password})
    client, secret, api_key = create_api_client(
        session,
        actor=system,
        name="Demo integration",
        acting_user_id=users["supervisor"].id,
        box=box,
    )
    report.api_client = {"client_id": client.client_id, "client_secret": secret, "api_key": api_key}
    create_config(
        session,
        actor=system,
        data=CaseConfigCreate(
            slug="aml-investigation",
            name="AML investigation",
            module="aml",
            default_priority="high",
            sla_hours=72,
            checklist=[
                "Review transaction history",
                "Verify source of funds",
                "Screen counterparties",
                "Record the decision",
            ],
        ),
    )
    create_config(
        session,
        actor=system,
        data=CaseConfigCreate(
            slug="kyc-review",
            name="KYC review",
            module="kyc",
            default_priority="medium",
            sla_hours=120,
            checklist=["Check identity document", "Confirm address"],
        ),
    )
    report.cases = _cases(session, users)
    return report


def _cases(session: Session, users: dict[str, User]) -> int:
    from casework.cases import parts, service
    from casework.cases.schemas import CaseCreate

    supervisor = principal_for_user(users["supervisor"])
    analyst = principal_for_user(users["analyst"])
    analyst2 = principal_for_user(users["analyst2"])
    now = utcnow()
    specs: list[tuple[dict[str, Any], ReviewStatus, Principal]] = [
        (
            {
                "title": "Structuring below reporting threshold",
                "config": "aml-investigation",
                "customer": CUSTOMERS[0],
                "assignee_id": users["analyst"].id,
                "description": "Nine cash deposits of EUR 9,500 within five days.",
            },
            ReviewStatus.in_progress,
            analyst,
        ),
        (
            {
                "title": "Rapid pass-through of incoming wires",
                "config": "aml-investigation",
                "customer": CUSTOMERS[1],
                "assignee_id": users["analyst2"].id,
            },
            ReviewStatus.awaiting_user,
            analyst2,
        ),
        (
            {
                "title": "Possible sanctions name match",
                "module": "aml",
                "priority": "high",
                "customer": CUSTOMERS[2],
                "tasks": ["Compare date of birth", "Compare nationality"],
                "due_date": (now + timedelta(hours=6)).isoformat(),
            },
            ReviewStatus.open,
            supervisor,
        ),
        (
            {
                "title": "Onboarding review: Northwind Trading",
                "config": "kyc-review",
                "customer": CUSTOMERS[3],
                "assignee_id": users["analyst"].id,
            },
            ReviewStatus.resolved,
            analyst,
        ),
        (
            {
                "title": "Unusual card spend abroad",
                "module": "transaction-monitoring",
                "priority": "low",
                "assignee_id": users["analyst2"].id,
            },
            ReviewStatus.blocked,
            analyst2,
        ),
        (
            {
                "title": "Periodic review of high-risk customer",
                "custom_module": "periodic-review",
                "priority": "medium",
                "tasks": ["Refresh source of wealth"],
            },
            ReviewStatus.open,
            supervisor,
        ),
    ]
    for body, target, worker in specs:
        case = service.create_case(
            session,
            actor=supervisor,
            data=CaseCreate.model_validate(body),
            created_by_type=CreatedByType.by_officer,
        )
        if target == ReviewStatus.open:
            continue
        service.transition(
            session,
            actor=worker,
            case_id=case.id,
            to=ReviewStatus.in_progress,
            resolution=None,
            note=None,
        )
        parts.add_comment(
            session,
            actor=worker,
            case_id=case.id,
            body="Started the review; pulling statements for the last 90 days.",
        )
        if target == ReviewStatus.resolved:
            for task in case.tasks:
                parts.update_task(
                    session, actor=worker, case_id=case.id, task_id=task.id, done=True, text=None
                )
            service.transition(
                session,
                actor=worker,
                case_id=case.id,
                to=ReviewStatus.resolved,
                resolution=Resolution.false_positive,
                note="Documents verified; activity matches the business profile.",
            )
        elif target != ReviewStatus.in_progress:
            service.transition(
                session, actor=worker, case_id=case.id, to=target, resolution=None, note=None
            )
    return len(specs)
