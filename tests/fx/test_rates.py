"""FX rates: the ECB CSV import, conversions through the euro, and /v1/fx-rates."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from casework.cli import app as cli
from casework.config import Settings
from casework.fx.ecb import Quote
from casework.fx.service import convert, upsert_rates
from casework.infra.db import Database
from casework.infra.errors import ValidationFailed
from casework.models import AuditEvent, FxRate
from tests.factories import TenantKit

# Each test file keeps to its own years, so the shared rate table never mixes them.
HISTORY = """Date,USD,JPY,GBP,CYP,
2001-03-05,1.0865,160.25,0.8571,N/A,
2001-03-02,1.0800,N/A,0.8500,0.5760,
2001-03-01,1.0900,161.00,0.8600,0.5750,
"""


def _import(settings: Settings, path: Path, *args: str):
    env = {
        "CASEWORK_DATABASE_URL": settings.resolved_database_url,
        "CASEWORK_DATA_DIR": str(settings.data_dir),
    }
    return CliRunner().invoke(cli, ["fx", "import", str(path), *args], env=env)


def _rate(db: Database, currency: str, day: date) -> Decimal | None:
    with db.transaction(write=False) as session:
        return session.scalar(
            select(FxRate.rate).where(FxRate.currency == currency, FxRate.rate_date == day)
        )


def test_ecb_history_import_is_idempotent_and_reports_changes(
    settings: Settings, db: Database, tmp_path: Path
):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HISTORY)
    first = _import(settings, path, "--json")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["dates"], report["currencies"], report["inserted"]) == (3, 4, 10)
    assert report["not_quoted"] == 2  # JPY on the 2nd and CYP on the 5th
    assert _rate(db, "USD", date(2001, 3, 5)) == Decimal("1.0865")
    assert _rate(db, "JPY", date(2001, 3, 2)) is None

    again = json.loads(_import(settings, path, "--json").stdout)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, 10)

    path.write_text(HISTORY.replace("1.0865", "1.0866"))
    corrected = _import(settings, path)
    assert corrected.exit_code == 0
    assert "updated 1" in corrected.stdout
    assert "USD 2001-03-05: 1.0865000000 -> 1.0866000000" in corrected.stdout
    assert _rate(db, "USD", date(2001, 3, 5)) == Decimal("1.0866")


def test_ecb_daily_layout(settings: Settings, db: Database, tmp_path: Path):
    path = tmp_path / "eurofxref.csv"
    path.write_text("Date, USD, JPY, \n06 April 2001, 1.0712, 158.10, \n")
    result = _import(settings, path, "--json")
    assert result.exit_code == 0, result.output
    assert _rate(db, "JPY", date(2001, 4, 6)) == Decimal("158.10")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Date,USD,\n2001-05-01,abc,\n", "line 2: USD rate 'abc' is no number"),
        ("Date,USD,\n2001-05-01,-1,\n", "line 2: USD rate '-1' must be positive"),
        ("Date,USD,\n01/05/2001,1.1,\n", "line 2: date '01/05/2001'"),
        ("Currency,USD\n", "line 1: the first column must be Date"),
    ],
)
def test_malformed_files_name_the_line_and_store_nothing(
    settings: Settings, db: Database, tmp_path: Path, text: str, fragment: str
):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    result = _import(settings, path)
    assert result.exit_code == 2
    assert fragment in " ".join(result.stderr.split())
    assert _rate(db, "USD", date(2001, 5, 1)) is None


@pytest.fixture(scope="module")
def rates(db: Database) -> None:
    quotes = [
        Quote("USD", date(2002, 6, 7), Decimal("1.2000")),  # a Friday
        Quote("GBP", date(2002, 6, 7), Decimal("0.8000")),
        Quote("JPY", date(2002, 6, 7), Decimal("130.00")),
        Quote("USD", date(2002, 6, 10), Decimal("1.2500")),  # the Monday after
    ]
    with db.transaction() as session:
        upsert_rates(session, quotes, source="test")


def _convert(db: Database, amount: str, currency: str, to: str, on: date):
    with db.transaction(write=False) as session:
        return convert(session, Decimal(amount), currency, to, on)


def test_conversion_to_and_from_the_euro(db: Database, rates: None):
    to_usd = _convert(db, "100", "EUR", "USD", date(2002, 6, 7))
    assert (to_usd.amount, to_usd.rate, to_usd.rate_date) == (
        Decimal("120.0000"),
        Decimal("1.2"),
        date(2002, 6, 7),
    )
    from_usd = _convert(db, "120", "USD", "EUR", date(2002, 6, 7))
    assert from_usd.amount == Decimal("100.0000")


def test_cross_rate_goes_through_the_euro(db: Database, rates: None):
    result = _convert(db, "80", "GBP", "USD", date(2002, 6, 7))
    assert result.amount == Decimal("120.0000")  # 80 / 0.8 * 1.2
    assert result.rate == Decimal("1.5")
    yen = _convert(db, "1000", "JPY", "GBP", date(2002, 6, 7))
    assert yen.amount == Decimal("6.1538")  # 1000 / 130 * 0.8, rounded half-even
    assert yen.rate == Decimal("0.0061538462")


def test_a_weekend_uses_the_previous_business_day(db: Database, rates: None):
    saturday = _convert(db, "10", "EUR", "USD", date(2002, 6, 8))
    assert (saturday.amount, saturday.rate_date) == (Decimal("12.0000"), date(2002, 6, 7))
    monday = _convert(db, "10", "EUR", "USD", date(2002, 6, 10))
    assert (monday.amount, monday.rate_date) == (Decimal("12.5000"), date(2002, 6, 10))
    # A cross rate is as old as its older leg.
    mixed = _convert(db, "10", "GBP", "USD", date(2002, 6, 10))
    assert mixed.rate_date == date(2002, 6, 7)


def test_same_currency_is_rate_one(db: Database):
    result = _convert(db, "0.1", "CHF", "CHF", date(1990, 1, 1))
    assert (result.amount, result.rate) == (Decimal("0.1000"), Decimal(1))


def test_no_rate_names_the_currency(db: Database):
    with pytest.raises(ValidationFailed) as caught:
        _convert(db, "10", "USD", "EUR", date(1990, 1, 1))
    assert caught.value.errors[0].field == "currency"
    assert "no USD exchange rate on or before 1990-01-01" in caught.value.errors[0].message


def test_decimal_arithmetic_is_exact(db: Database, rates: None):
    a = _convert(db, "0.1", "EUR", "USD", date(2002, 6, 7)).amount
    b = _convert(db, "0.2", "EUR", "USD", date(2002, 6, 7)).amount
    assert a + b == Decimal("0.36")
    big = _convert(db, "99999999999999.9999", "EUR", "EUR", date(2002, 6, 7))
    assert big.amount == Decimal("99999999999999.9999")


def test_put_and_get_rates(client: TestClient, kit: TenantKit, db: Database):
    h = kit.admin.headers
    body = {"rate_date": "2003-01-10", "rates": {"usd": 1.0412345678, "JPY": "124.5"}}
    put = client.put("/v1/fx-rates", json=body, headers=h)
    assert put.status_code == 200, put.text
    assert put.json()["inserted"] == 2
    # A JSON number keeps every digit: it is never parsed as a float.
    assert [r["rate"] for r in put.json()["rates"]] == ["124.5000000000", "1.0412345678"]
    again = client.put("/v1/fx-rates", json={**body, "rates": {"USD": "1.05"}}, headers=h)
    assert (again.json()["updated"], again.json()["inserted"]) == (1, 0)

    r = client.get(
        "/v1/fx-rates", params={"currency": "USD", "on": "2003-01-12"}, headers=kit.viewer.headers
    )
    assert r.status_code == 200
    [usd] = r.json()["items"]
    assert (usd["rate"], usd["rate_date"]) == ("1.0500000000", "2003-01-10")
    listed = client.get("/v1/fx-rates", params={"currency": "JPY"}, headers=h).json()
    assert any(i["rate_date"] == "2003-01-10" for i in listed["items"])

    with db.transaction(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.tenant_id == kit.tenant_id)
        ).all()
    assert actions.count("fx_rates.updated") == 2


@pytest.mark.parametrize(
    ("rates", "field"),
    [
        ({"XXY": "1"}, "rates.XXY"),
        ({"USD": "-1"}, "rates.USD"),
        ({"USD": "abc"}, "rates.USD"),
        ({"USD": "1.12345678901"}, "rates.USD"),
        ({"EUR": "1"}, "rates.EUR"),
    ],
)
def test_bad_rates_are_refused(client: TestClient, kit: TenantKit, rates: dict, field: str):
    r = client.put(
        "/v1/fx-rates", json={"rate_date": "2003-02-03", "rates": rates}, headers=kit.admin.headers
    )
    assert r.status_code == 422, r.text
    assert any(e["field"].startswith(field.split(".")[0]) for e in r.json()["errors"]), r.json()


def test_only_admins_put_rates(client: TestClient, kit: TenantKit):
    body = {"rate_date": "2003-02-04", "rates": {"USD": "1.1"}}
    assert client.put("/v1/fx-rates", json=body, headers=kit.supervisor.headers).status_code == 403
