"""Batches: 10,000 in one request, all or nothing, duplicates counted; the CSV import."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from casework.cli import app as cli
from casework.config import Settings
from casework.infra.db import Database
from casework.models import AuditEvent, Transaction
from tests.factories import TenantKit

LONG_NAME = "transactions-exported-from-the-core-banking-system-on-the-first-of-february.csv"


def _customers(client: TestClient, kit: TenantKit, n: int) -> list[dict[str, Any]]:
    return [
        client.post(
            "/v1/customers",
            json={"full_name": f"Customer {i}", "external_id": f"cust-{i}"},
            headers=kit.admin.headers,
        ).json()
        for i in range(n)
    ]


def _item(n: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": f"b-{n}",
        "customer_external_id": f"cust-{n % 3}",
        "amount": f"{n}.{n % 100:02d}" if n else "0.01",
        "currency": "EUR",
        "direction": "in" if n % 2 else "out",
        "occurred_at": f"2005-01-{n % 28 + 1:02d}T09:00:00Z",
    }
    body.update(overrides)
    return body


def _stored(db: Database, tenant_id: str) -> int:
    with db.transaction(write=False) as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Transaction)
                .where(Transaction.tenant_id == tenant_id)
            )
            or 0
        )


def _actions(db: Database, tenant_id: str) -> list[Any]:
    with db.transaction(write=False) as session:
        return list(
            session.execute(
                select(AuditEvent.action, AuditEvent.after)
                .where(AuditEvent.tenant_id == tenant_id, AuditEvent.action.like("transaction%"))
                .order_by(AuditEvent.seq)
            ).all()
        )


def test_ten_thousand_in_one_request_then_resent(client: TestClient, kit: TenantKit, db: Database):
    _customers(client, kit, 3)
    items = [_item(n) for n in range(10_000)]
    h = kit.analyst.headers
    r = client.post("/v1/transactions/batch", json={"transactions": items}, headers=h)
    assert r.status_code == 201, r.text[:500]
    body = r.json()
    assert (body["inserted"], body["duplicates"], len(body["items"])) == (10_000, 0, 10_000)
    assert _stored(db, kit.tenant_id) == 10_000
    assert _actions(db, kit.tenant_id)[-1][1]["inserted"] == 10_000

    again = client.post("/v1/transactions/batch", json={"transactions": items[:5]}, headers=h)
    assert again.status_code == 200
    assert (again.json()["inserted"], again.json()["duplicates"]) == (0, 5)
    assert [i["id"] for i in again.json()["items"]] == [i["id"] for i in body["items"][:5]]
    assert _stored(db, kit.tenant_id) == 10_000
    too_many = client.post(
        "/v1/transactions/batch", json={"transactions": [*items, _item(10_001)]}, headers=h
    )
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0]["field"] == "transactions"


def test_duplicates_within_and_across_batches_are_counted(
    client: TestClient, kit: TenantKit, db: Database
):
    _customers(client, kit, 3)
    h = kit.analyst.headers
    client.post("/v1/transactions/batch", json={"transactions": [_item(1)]}, headers=h)
    r = client.post(
        "/v1/transactions/batch",
        json={"transactions": [_item(1), _item(2), _item(2)]},
        headers=h,
    )
    assert r.status_code == 201
    assert (r.json()["inserted"], r.json()["duplicates"]) == (1, 2)
    assert _stored(db, kit.tenant_id) == 2


BAD_ITEMS = [
    ({"amount": "-1"}, "transactions[2].amount", 422),
    ({"amount": "0"}, "transactions[2].amount", 422),
    ({"amount": "1.00001"}, "transactions[2].amount", 422),
    ({"currency": "XXQ"}, "transactions[2].currency", 422),
    ({"customer_external_id": "nobody"}, "transactions[2].customer_external_id", 422),
    ({"customer_id": "0" * 24}, "transactions[2].customer_id", 422),
    ({"customer_external_id": None}, "transactions[2].customer_id", 422),  # no customer
    ({"external_id": "b-1", "amount": "999"}, "transactions[2].external_id", 409),
]


@pytest.mark.parametrize(
    ("overrides", "field", "status"), BAD_ITEMS, ids=[f for _, f, _ in BAD_ITEMS]
)
def test_one_bad_item_stores_nothing(
    client: TestClient, kit: TenantKit, db: Database, overrides: dict, field: str, status: int
):
    _customers(client, kit, 3)
    items = [_item(0), _item(1), _item(2, **overrides), _item(3)]
    before = (_stored(db, kit.tenant_id), len(_actions(db, kit.tenant_id)))
    r = client.post(
        "/v1/transactions/batch", json={"transactions": items}, headers=kit.analyst.headers
    )
    assert r.status_code == status, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    assert (_stored(db, kit.tenant_id), len(_actions(db, kit.tenant_id))) == before


def test_stored_external_id_with_new_content_is_409_naming_the_item(
    client: TestClient, kit: TenantKit, db: Database
):
    _customers(client, kit, 3)
    h = kit.analyst.headers
    client.post("/v1/transactions/batch", json={"transactions": [_item(5)]}, headers=h)
    r = client.post(
        "/v1/transactions/batch",
        json={"transactions": [_item(6), _item(5, amount="1")]},
        headers=h,
    )
    assert r.status_code == 409
    assert [e["field"] for e in r.json()["errors"]] == ["transactions[1].external_id"]
    assert _stored(db, kit.tenant_id) == 1


def test_csv_import_refuses_bad_rows_by_line(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, tmp_path: Path
):
    _customers(client, kit, 3)
    path = tmp_path / "transactions.csv"
    path.write_text(
        "external_id,customer_external_id,amount,currency,direction,occurred_at,metadata\n"
        'c-1,cust-0,10.50,EUR,in,2005-02-01T10:00:00Z,"{""branch"": 4}"\n'
        "c-2,cust-1,-3,EUR,out,2005-02-01T11:00:00Z,\n"
        "c-3,cust-9,7,EUR,out,2005-02-01T12:00:00Z,\n"
        "c-4,cust-2,7,EUR,out,2005-02-01T13:00:00Z,\n"
    )
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    run = CliRunner().invoke(
        cli,
        ["transactions", "import", "--tenant", kit.slug, str(path), "--chunk", "2", "--json"],
        env=env,
    )
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout)
    assert (report["inserted"], report["duplicates"]) == (2, 0)
    assert [(r["line"], r["error"].split(":")[0]) for r in report["refused"]] == [
        (3, "amount"),
        (4, "customer_external_id"),
    ]
    listed = client.get("/v1/transactions", headers=kit.viewer.headers).json()["items"]
    assert {i["external_id"]: i["metadata"] for i in listed} == {"c-1": {"branch": 4}, "c-4": {}}

    human = CliRunner().invoke(
        cli, ["transactions", "import", "--tenant", kit.slug, str(path)], env=env
    )
    assert "inserted 0, duplicates 2, refused 2" in human.stdout
    assert "line 3: amount" not in human.stdout  # each row only behind --verbose
    assert "(e.g. line 3)" in human.stdout and "(e.g. line 4)" in human.stdout
    verbose = CliRunner().invoke(
        cli, ["transactions", "import", "--tenant", kit.slug, str(path), "--verbose"], env=env
    )
    assert "line 3: amount" in verbose.stdout and "line 4: customer_external_id" in verbose.stdout
    assert _stored(db, kit.tenant_id) == 2


def test_csv_import_counts_refused_rows_by_reason(
    client: TestClient, kit: TenantKit, settings: Settings, tmp_path: Path
):
    """Many refused rows make a few lines, one per reason, on lines as long as they are."""
    _customers(client, kit, 3)
    header = "external_id,customer_external_id,amount,currency,direction,occurred_at\n"
    stored = tmp_path / "stored.csv"
    stored.write_text(
        header + "".join(f"s-{n},cust-0,5,EUR,in,2005-02-01T10:00:00Z\n" for n in range(3))
    )
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    args = ["transactions", "import", "--tenant", kit.slug]
    assert CliRunner().invoke(cli, [*args, str(stored)], env=env).exit_code == 0
    rows = [
        *(f"u-{n},cust-unknown,7,EUR,out,2005-02-01T12:00:00Z" for n in range(12)),
        *(f"n-{n},cust-1,-3,EUR,out,2005-02-01T11:00:00Z" for n in range(5)),
        *(f"s-{n},cust-0,6,EUR,in,2005-02-01T10:00:00Z" for n in range(3)),  # content changed
        "ok-1,cust-2,7,EUR,out,2005-02-01T13:00:00Z",
    ]
    path = tmp_path / LONG_NAME
    path.write_text(header + "".join(row + "\n" for row in rows))
    human = CliRunner().invoke(cli, [*args, str(path)], env=env)
    assert human.exit_code == 1, human.output
    lines = human.stdout.splitlines()
    # The first line is longer than 80 columns, and stays one line.
    assert lines[0] == f"{LONG_NAME}: inserted 1, duplicates 0, refused 20"
    assert lines[1] == "  refused, by reason:"
    assert lines[2] == (
        "    customer_external_id: no customer has this external id: 12 (e.g. line 2; line 3)"
    )
    assert lines[3].startswith("    amount: ") and lines[3].endswith(": 5 (e.g. line 14; line 15)")
    assert lines[4] == (
        "    external_id: is stored with different content: 3 (e.g. line 19; line 20)"
    )
    assert len(lines) == 6 and "--verbose" in lines[5]

    report = json.loads(CliRunner().invoke(cli, [*args, str(path), "--json"], env=env).stdout)
    assert [(g["reason"], g["count"]) for g in report["refused_reasons"]] == [
        ("customer_external_id: no customer has this external id", 12),
        (lines[3].strip().rsplit(": 5 (", 1)[0], 5),
        ("external_id: is stored with different content", 3),
    ]
    assert len(report["refused"]) == 20
    assert report["refused"][-1]["error"] == "external_id: 's-2' is stored with different content"

    verbose = CliRunner().invoke(cli, [*args, str(path), "--verbose"], env=env)
    refusals = [line for line in verbose.stdout.splitlines() if line.startswith("    line ")]
    assert len(refusals) == 20
    assert refusals[-1] == "    line 21: external_id: 's-2' is stored with different content"


def test_csv_import_refuses_text_no_database_can_hold(
    client: TestClient, kit: TenantKit, db: Database, settings: Settings, tmp_path: Path
):
    _customers(client, kit, 3)
    deep = "[" * 40 + "]" * 40
    path = tmp_path / "transactions.csv"
    path.write_text(
        "external_id,customer_external_id,amount,currency,direction,occurred_at,metadata\n"
        "c-1,cust-0,10.50,EUR,in,2005-02-01T10:00:00Z,\n"
        "c\x002,cust-1,3,EUR,out,2005-02-01T11:00:00Z,\n"
        'c-3,cust-1,7,EUR,out,2005-02-01T12:00:00Z,"{""a\\u0000"": 1}"\n'
        f'c-4,cust-2,7,EUR,out,2005-02-01T13:00:00Z,"{{""a"": {deep}}}"\n'
        'c-5,cust-2,7,EUR,out,2005-02-01T14:00:00Z,"{""a"": NaN}"\n'
    )
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    run = CliRunner().invoke(
        cli, ["transactions", "import", "--tenant", kit.slug, str(path), "--json"], env=env
    )
    assert run.exit_code == 1, run.output
    report = json.loads(run.stdout)
    assert report["inserted"] == 1
    assert [(r["line"], r["error"].split(":")[0]) for r in report["refused"]] == [
        (3, "external_id"),
        (4, "metadata.a\\u0000"),
        (5, "metadata.a" + ".0" * 31),
        (6, "metadata.a"),
    ]
    assert _stored(db, kit.tenant_id) == 1
