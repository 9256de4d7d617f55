"""Benchmark regulatory report XML: writing, casework's rule checks and schema validation.

    .venv/bin/python bench/reports.py [--sizes 10,100,1000] [--runs 7] [--json]

For goAML (STR, business subject with two directors) and FinCEN SAR (person subject),
builds drafts with N transactions in two currencies and times, in this process: the XML
written by lxml (``build``), casework's own rules (``check``), and validation against the
official schema from ../shared/data/regulatory (``schema``; skipped when it is absent).
Prints the median of the runs in milliseconds, and the XML size. No target: validation
runs on every GET /v1/reports/{id}/validation and when a report is marked ready.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from casework.reports import fincen, goaml
from casework.reports import schema as xsd
from casework.reports.content import (
    Address,
    Business,
    Identification,
    Person,
    ReportContent,
    ReportMeta,
    ReportTransaction,
    Subject,
)

REGULATORY = Path(__file__).resolve().parents[2] / "shared" / "data" / "regulatory"
SCHEMAS = {
    "goaml": REGULATORY / "goaml" / "goAMLSchema-5.0.2.xsd",
    "fincen_sar": REGULATORY / "fincen" / "EFL_SARXBatchSchema.xsd",
}
ADDRESS = Address(
    street="1 Main Street", city="Springfield", postal_code="62701", state="IL", country="USA"
)
PASSPORT = Identification(
    type="passport",
    number="X1234567",
    issuing_country="DEU",
    issue_date=date(2020, 1, 1),
    expiry_date=date(2030, 1, 1),
)


def _person(role: str | None = None) -> Person:
    return Person(
        role=role,
        first_name="Anna",
        last_name="Schmidt",
        birth_date=date(1980, 5, 6),
        gender="F",
        nationality="DEU",
        residence="DEU",
        occupation="Engineer",
        phone="+49 30 1234567",
        addresses=[ADDRESS],
        identifications=[PASSPORT],
    )


def _transactions(n: int, local: str) -> list[ReportTransaction]:
    start = datetime(2026, 1, 1, 9, tzinfo=UTC)
    rows = []
    for i in range(n):
        foreign = i % 2 == 1
        amount = Decimal(1000 + i)
        rows.append(
            ReportTransaction(
                reference=f"TX-{i}",
                occurred_at=start + timedelta(hours=i),
                amount=amount,
                currency="GBP" if foreign else local,
                amount_local=(amount * Decimal("1.17")).quantize(Decimal("0.01")),
                direction="out" if i % 3 else "in",
                channel="online",
                type="transfer",
                counterparty_name=f"Counterparty {i}",
                counterparty_account=f"GB{i:020d}" if i % 4 else None,
                counterparty_bank="BARCGB22",
                counterparty_country="GBR",
            )
        )
    return rows


def _goaml(n: int) -> tuple[Any, Any, Any, Any]:
    settings = goaml.GoamlSettings(
        rentity_id=1042,
        local_currency="EUR",
        reporting_person=goaml.ReportingPerson(
            first_name="Mary", last_name="Keller", occupation="MLRO", address=ADDRESS
        ),
        location=ADDRESS,
    )
    business = Business(
        name="Nordlicht Handel GmbH",
        legal_form="GmbH",
        registration_number="HRB 123456",
        incorporation_country="DEU",
        incorporation_date=date(2015, 7, 1),
        tax_number="DE123456789",
        phone="+49 40 555000",
        addresses=[ADDRESS],
    )
    content = ReportContent(
        subject=Subject(kind="business", business=business),
        parties=[_person("director"), _person("director")],
        transactions=_transactions(n, "EUR"),
        local_currency="EUR",
        narrative="Funds moved below thresholds. " * 20,
        action="Account restricted",
        indicators=["UMFAC"],
    )
    meta = ReportMeta(
        report_id="r", entity_reference="bench-1", report_code="STR", report_date=date(2026, 2, 1)
    )
    return goaml, meta, content, settings


def _fincen(n: int) -> tuple[Any, Any, Any, Any]:
    filer = fincen.FincenInstitution(
        name="Prairie State Bank",
        tin="123456789",
        tin_type="ein",
        institution_type="2",
        primary_regulator="4",
        id_type="rssd",
        id_number="1234567",
        address=ADDRESS,
    )
    settings = fincen.FincenSettings(
        transmitter=fincen.FincenTransmitter(
            name="Prairie State Bank",
            tin="123456789",
            tcc="PBSA1234",
            phone="2175550100",
            address=ADDRESS,
            contact_name="Jane Filer",
        ),
        filer=filer,
        contact_office=fincen.FincenContactOffice(name="BSA Officer", phone="2175550199"),
    )
    content = ReportContent(
        subject=Subject(kind="person", person=_person(), account_number="12345678"),
        transactions=_transactions(n, "USD"),
        local_currency="USD",
        narrative="Funds moved below thresholds. " * 20,
        activity_types=["812"],
    )
    meta = ReportMeta(
        report_id="r",
        entity_reference="bench-1",
        report_code="initial",
        report_date=date(2026, 2, 1),
    )
    return fincen, meta, content, settings


def _median_ms(runs: int, fn: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _measure(
    name: str, n: int, made: tuple[Any, Any, Any, Any], compiled: xsd.Schema | None, runs: int
) -> dict[str, Any]:
    module, meta, content, settings = made
    built = module.build(meta, content, settings)
    row: dict[str, Any] = {
        "format": name,
        "transactions": n,
        "xml_kib": round(len(built.serialize()) / 1024, 1),
        "build_ms": round(
            _median_ms(runs, lambda: module.build(meta, content, settings).serialize()), 2
        ),
        "check_ms": round(_median_ms(runs, lambda: module.check(meta, content, settings)), 2),
        "rule_problems": len(module.check(meta, content, settings)),
    }
    if compiled is not None:
        row["schema_ms"] = round(_median_ms(runs, lambda: compiled.problems(built)), 2)
        row["schema_problems"] = len(compiled.problems(built))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for name, make in (("goaml", _goaml), ("fincen_sar", _fincen)):
        path = SCHEMAS[name]
        compiled = xsd.load(path.read_bytes()) if path.is_file() else None
        for n in (int(s) for s in args.sizes.split(",")):
            results.append(_measure(name, n, make(n), compiled, args.runs))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    heads = ("XML KiB", 8), ("build ms", 9), ("check ms", 9), ("schema ms", 10), ("problems", 9)
    print(f"{'format':<11} {'txns':>5} " + " ".join(f"{h:>{w}}" for h, w in heads))
    for r in results:
        schema_ms = f"{r['schema_ms']:>10.2f}" if "schema_ms" in r else f"{'-':>10}"
        found = r["rule_problems"] + r.get("schema_problems", 0)
        print(
            f"{r['format']:<11} {r['transactions']:>5} {r['xml_kib']:>8} {r['build_ms']:>9.2f} "
            f"{r['check_ms']:>9.2f} {schema_ms} {found:>9}"
        )


if __name__ == "__main__":
    main()
