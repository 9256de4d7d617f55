"""The shared repository base: tenant-owned reads by id, keyset and offset pages,
batches by id."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from casework.cases import repository as case_repository
from casework.customers.schemas import CustomerCreate
from casework.customers.service import new_customer
from casework.infra import repository
from casework.infra.db import Database
from casework.infra.errors import NotFound
from casework.infra.pagination import SortKey
from casework.models import Customer
from casework.tenants.service import create_tenant


def _tenant_with_customers(db: Database, count: int) -> tuple[str, list[str]]:
    """A new tenant and the ids of its ``count`` customers ("Person 0", ...), in order."""
    slug = f"t-{secrets.token_hex(6)}"
    with db.transaction() as session:
        tenant = create_tenant(session, slug_value=slug, name=f"Tenant {slug}")
        ids = [
            new_customer(
                session,
                tenant_id=tenant.id,
                data=CustomerCreate(full_name=f"Person {n}"),
            ).id
            for n in range(count)
        ]
        return tenant.id, ids


Tenants = tuple[tuple[str, list[str]], tuple[str, list[str]]]


@pytest.fixture(scope="module")
def two_tenants(db: Database) -> Tenants:
    return _tenant_with_customers(db, 5), _tenant_with_customers(db, 2)


def test_get_finds_the_tenants_own_row(db: Database, two_tenants: Tenants) -> None:
    (tenant, ids), _ = two_tenants
    with db.transaction(write=False) as session:
        found = repository.get(session, Customer, ids[0], tenant_id=tenant, what="customer")
        assert (found.id, found.tenant_id) == (ids[0], tenant)


def test_get_refuses_another_tenants_id_as_if_it_did_not_exist(
    db: Database, two_tenants: Tenants
) -> None:
    (tenant, _), (_, foreign) = two_tenants
    with db.transaction(write=False) as session:
        with pytest.raises(NotFound) as theirs:
            repository.get(session, Customer, foreign[0], tenant_id=tenant, what="customer")
        with pytest.raises(NotFound) as missing:
            repository.get(session, Customer, "0" * 24, tenant_id=tenant, what="customer")
    assert str(theirs.value) == f"customer {foreign[0]} not found"
    assert str(missing.value) == f"customer {'0' * 24} not found"


def test_by_ids_keeps_the_order_asked_and_leaves_out_foreign_and_unknown_ids(
    db: Database, two_tenants: Tenants
) -> None:
    (tenant, ids), (_, foreign) = two_tenants
    asked = [ids[3], foreign[0], ids[0], "0" * 24, ids[3], ids[1], foreign[1]]
    with db.transaction(write=False) as session:
        rows = repository.by_ids(session, Customer, asked, tenant_id=tenant)
        by_id = repository.by_id(session, Customer, asked, tenant_id=tenant)
    assert [r.id for r in rows] == [ids[3], ids[0], ids[1]]
    assert set(by_id) == {ids[0], ids[1], ids[3]}
    assert all(r.tenant_id == tenant for r in by_id.values())


def test_by_ids_of_no_ids_is_empty(db: Database, two_tenants: Tenants) -> None:
    (tenant, _), _ = two_tenants
    with db.transaction(write=False) as session:
        assert repository.by_ids(session, Customer, [], tenant_id=tenant) == []
        assert repository.by_id(session, Customer, set(), tenant_id=tenant) == {}


def test_keyset_pages_cover_the_rows_once_in_order(db: Database, two_tenants: Tenants) -> None:
    (tenant, ids), _ = two_tenants
    stmt = select(Customer).where(Customer.tenant_id == tenant)
    key = SortKey(column=None, id_column=Customer.id, descending=True)
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    with db.transaction(write=False) as session:
        while True:
            rows, cursor = repository.keyset_page(session, stmt, key=key, cursor=cursor, limit=2)
            seen += [r.id for r in rows]
            pages += 1
            if cursor is None:
                break
    assert seen == sorted(ids, reverse=True)
    assert pages == 3


def test_keyset_page_by_a_column_continues_after_the_cursor(
    db: Database, two_tenants: Tenants
) -> None:
    (tenant, _), _ = two_tenants
    stmt = select(Customer).where(Customer.tenant_id == tenant)
    key = SortKey(column=Customer.full_name, id_column=Customer.id, descending=False)
    with db.transaction(write=False) as session:
        first, cursor = repository.keyset_page(
            session, stmt, key=key, cursor=None, limit=3, value_of=lambda c: c.full_name
        )
        rest, after = repository.keyset_page(
            session, stmt, key=key, cursor=cursor, limit=3, value_of=lambda c: c.full_name
        )
    assert [c.full_name for c in first] == ["Person 0", "Person 1", "Person 2"]
    assert [c.full_name for c in rest] == ["Person 3", "Person 4"]
    assert cursor is not None
    assert after is None


def test_offset_page_gives_the_rows_at_its_place_and_the_total(
    db: Database, two_tenants: Tenants
) -> None:
    (tenant, ids), _ = two_tenants
    stmt = select(Customer).where(Customer.tenant_id == tenant)
    newest = [Customer.id.desc()]
    with db.transaction(write=False) as session:
        middle = repository.offset_page(session, stmt, order_by=newest, offset=1, limit=2)
        beyond = repository.offset_page(session, stmt, order_by=newest, offset=10, limit=2)
        assert repository.count(session, stmt.order_by(Customer.id)) == 5
        assert repository.rows(session, stmt, order_by=newest, offset=4, limit=2) == [
            session.get(Customer, min(ids))
        ]
    assert [c.id for c in middle.items] == sorted(ids, reverse=True)[1:3]
    assert middle.total == 5
    assert (beyond.items, beyond.total) == ([], 5)


def test_a_case_number_of_no_case_is_named_in_its_refusal(
    db: Database, two_tenants: Tenants
) -> None:
    (tenant, _), _ = two_tenants
    with db.transaction(write=False) as session:
        for number in (7, 2**31):  # none yet, and one no case can have
            with pytest.raises(NotFound) as missing:
                case_repository.number_to_id(session, tenant_id=tenant, number=number)
            assert str(missing.value) == f"case {number} not found"
