"""How a new case reaches the database: plain inserts, then ordinary persistent objects."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from casework.auth.principal import Principal
from casework.cases import service
from casework.cases.schemas import CaseCreate
from casework.infra.db import Database
from casework.models import Case, Task
from casework.models.enums import Priority
from casework.tenants.service import create_tenant
from tests.factories import TenantKit, case_body


def _data(**overrides: object) -> CaseCreate:
    return CaseCreate.model_validate(case_body(**overrides))


def test_a_new_case_can_be_changed_in_the_transaction_that_made_it(db: Database, kit: TenantKit):
    actor = Principal.system(kit.tenant_id)
    with db.transaction() as session:
        case = service.create_case(session, actor=actor, data=_data(tasks=["one", "two"]))
        case_id = case.id
        case.title = "Renamed before commit"
        case.tasks[1].done = True
        session.flush()
    with db.transaction(write=False) as session:
        stored = session.scalars(
            select(Case).where(Case.id == case_id).options(selectinload(Case.tasks))
        ).one()
        assert stored.title == "Renamed before commit"
        assert [(t.text, t.done) for t in stored.tasks] == [("one", False), ("two", True)]
        assert all(t.case_id == case_id and t.tenant_id == kit.tenant_id for t in stored.tasks)
        # Columns the request did not set carry their defaults, in the row and the object.
        assert stored.priority is Priority.high
        assert stored.risk_score is None and stored.is_escalated is False
        assert stored.updated_at > stored.created_at, "the rename was an ordinary UPDATE"


def test_one_insert_per_table_leaves_nothing_for_the_unit_of_work(db: Database, kit: TenantKit):
    actor = Principal.system(kit.tenant_id)
    with db.transaction() as session:
        case = service.create_case(session, actor=actor, data=_data())
        assert case in session and not session.new and not session.dirty
        assert all(task in session for task in case.tasks)


def test_numbers_work_for_a_tenant_made_in_the_same_transaction(db: Database):
    with db.transaction() as session:
        tenant = create_tenant(session, slug_value=f"t-{secrets.token_hex(6)}", name="New")
        actor = Principal.system(tenant.id)
        first = service.create_case(session, actor=actor, data=_data())
        second = service.create_case(session, actor=actor, data=_data())
        assert (first.number, second.number) == (1, 2)
    with db.transaction(write=False) as session:
        numbers = session.scalars(
            select(Case.number).where(Case.tenant_id == tenant.id).order_by(Case.number)
        ).all()
        assert list(numbers) == [1, 2]
        assert session.scalar(select(Task.id).where(Task.case_id == first.id)) is not None
