"""Demo data: a fictional bank with a team, case configs, a fictional watchlist of its
own and five weeks of cases in every state, whose checks ran against that list."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.auth.service import principal_for_user
from casework.demo import timeline, watchlist
from casework.demo.cases import Cast, moment, replay
from casework.infra.db import Database
from casework.infra.secrets_box import SecretBox, box_for
from casework.models import (
    MonitoringRun,
    Tenant,
    WatchlistChange,
    WatchlistDataset,
    WatchlistEntity,
    WatchlistVersion,
)
from casework.models.base import clock_at, utcnow
from casework.reports import service as reports
from casework.reports.settings import ReportingSettings
from casework.screening import repository as watchlists
from casework.screening.service import get_dataset
from casework.tenants import repository as tenant_repository

DEMO_SLUG = "demo"
LOADED = "demo_loaded_at"  # tenant setting: set when the whole demo has been loaded
TEAM = [
    ("admin", "admin@demo.casework.test", "Ada", "Admin", "admin"),
    ("supervisor", "supervisor@demo.casework.test", "Sam", "Okafor", "supervisor"),
    ("analyst", "amaka@demo.casework.test", "Amaka", "Osei", "analyst"),
    ("analyst2", "jonas@demo.casework.test", "Jonas", "Berg", "analyst"),
    ("viewer", "viewer@demo.casework.test", "Vera", "Viewer", "viewer"),
]
# The demo bank as a reporting entity (invented identifiers), so that reports drafted
# from its cases show what the case itself lacks.
_OFFICE = {
    "street": "1 Example Square",
    "city": "Frankfurt",
    "postal_code": "60311",
    "state": "Hesse",
    "country": "DEU",
}
REPORTING = ReportingSettings.model_validate(
    {
        "goaml": {
            "rentity_id": 9001,
            "rentity_branch": "Head office",
            "local_currency": "EUR",
            "reporting_person": {
                "gender": "M",
                "first_name": "Sam",
                "last_name": "Okafor",
                "occupation": "MLRO",
                "email": "supervisor@demo.casework.test",
                "phone": "+49 69 000000",
                "address": _OFFICE,
            },
            "location": _OFFICE,
            "deadline_days": 30,
        }
    }
)
FOUNDED_DAYS_AGO = 40  # the team, its configs and the list's first version
LIST_TITLE = "Fictional demo list (invented people and companies)"


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
        lines = [
            f"demo tenant '{self.tenant}' created with {self.cases} cases, screened against "
            f"the fictional list '{watchlist.DATASET}' (invented people and companies, "
            "searched for this tenant only).",
            "users:",
        ]
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


def needs_demo(database: Database) -> bool:
    """Whether an embedded install should load the demo: it has no tenant yet, or only a
    demo tenant whose load was interrupted (its logins were never shown)."""
    with database.transaction(write=False) as session:
        tenants = tenant_repository.first(session, 2)
    return not tenants or (
        len(tenants) == 1 and tenants[0].slug == DEMO_SLUG and not _loaded(tenants[0])
    )


def _loaded(tenant: Tenant) -> bool:
    return bool((tenant.settings or {}).get(LOADED))


def _remove(session: Session, tenant: Tenant) -> None:
    """Delete an interrupted demo: its own list's rows, then the tenant, whose rows
    everywhere else go with it (every table's tenant key cascades)."""
    owned = watchlists.ids_owned_by(tenant.id)
    for table in (MonitoringRun, WatchlistChange, WatchlistEntity, WatchlistVersion):
        session.execute(delete(table).where(table.dataset_id.in_(owned)))
    session.execute(delete(WatchlistDataset).where(WatchlistDataset.tenant_id == tenant.id))
    session.execute(delete(Tenant).where(Tenant.id == tenant.id))


def ensure_demo(database: Database) -> DemoReport:
    """Create the demo tenant unless it exists.

    The team, its configs and the fictional list's first version are dated
    FOUNDED_DAYS_AGO days back; the cases and the list's weekly issues are then replayed
    at their own past times (see ``cases``), and today's issue becomes the current
    version, so no check ever searched a list older than a week.
    """
    now = utcnow()
    founded = moment(now, FOUNDED_DAYS_AGO, "08:00")
    with database.transaction() as session:
        present = tenant_repository.by_slug(session, DEMO_SLUG)
        if present is not None and _loaded(present):
            return DemoReport(created=False)
        if present is not None:  # a load that was interrupted: start it again
            _remove(session, present)
    with clock_at(founded), database.transaction() as session:
        report, cast = _build(session, box_for(database.settings), founded=founded)
    # The publisher issues the list every week; the bank imports each issue.
    issues = [founded + timedelta(days=days) for days in range(7, FOUNDED_DAYS_AGO, 7)]
    report.cases = replay(
        database,
        cast,
        timeline.stories(now),
        [(when, partial(_import_issue, cast.tenant_id, when)) for when in issues],
    )
    with database.transaction() as session:
        watchlist.import_list(
            session, tenant_id=cast.tenant_id, published_at=now - timedelta(hours=3)
        )
        tenant = session.get(Tenant, cast.tenant_id)
        assert tenant is not None
        tenant.settings = {**(tenant.settings or {}), LOADED: utcnow().isoformat()}
    return report


def _import_issue(tenant_id: str, imported: datetime, session: Session) -> None:
    watchlist.import_list(session, tenant_id=tenant_id, published_at=imported - timedelta(hours=2))


def _build(session: Session, box: SecretBox, *, founded: datetime) -> tuple[DemoReport, Cast]:
    from casework.api_clients.service import create_api_client
    from casework.configs.schemas import CaseConfigCreate
    from casework.configs.service import create_config
    from casework.tenants.service import create_tenant
    from casework.users.service import create_user

    tenant = create_tenant(session, slug_value=DEMO_SLUG, name="Demo Bank", currency="EUR")
    system = Principal.system(tenant.id, "demo")
    report = DemoReport(created=True)
    actors: dict[str, Principal] = {}
    for key, email, first, last, role in TEAM:
        password = secrets.token_urlsafe(12)
        user = create_user(
            session,
            actor=system,
            email=email,
            first_name=first,
            last_name=last,
            role_slug=role,
            password=password,
        )
        actors[key] = principal_for_user(user)
        report.logins.append({"email": email, "role": role, "password": password})
    supervisor_id = actors["supervisor"].user_id
    assert supervisor_id is not None
    client, secret, api_key = create_api_client(
        session,
        actor=system,
        name="Demo integration",
        acting_user_id=supervisor_id,
        box=box,
    )
    actors["api"] = replace(actors["supervisor"], api_client_id=client.id)
    reports.set_settings(session, actor=system, body=REPORTING)
    report.api_client = {"client_id": client.client_id, "client_secret": secret, "api_key": api_key}
    create_config(
        session,
        actor=system,
        data=CaseConfigCreate(
            slug=timeline.AML,
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
        data=CaseConfigCreate.model_validate(
            {
                "slug": timeline.KYC,
                "name": "KYC review",
                "module": "kyc",
                "default_priority": "medium",
                "sla_hours": 120,
                "checklist": ["Check identity document", "Confirm address"],
                "checks": [{"type": t} for t in timeline.KYC_CHECKS],
            }
        ),
    )
    # The list's first issue, published the day before the bank imported it.
    watchlist.import_list(session, tenant_id=tenant.id, published_at=founded - timedelta(days=1))
    get_dataset(session, watchlist.DATASET).title = LIST_TITLE
    return report, Cast(tenant_id=tenant.id, actors=actors)
