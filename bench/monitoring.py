"""Benchmark transaction monitoring: ingest through the batch API, rules evaluated in
the background, alerts grouped into cases.

    .venv/bin/python bench/monitoring.py [--postgres] [--workers N]
                                         [--transactions N] [--customers N] [--json]

Starts ``casework serve`` on a fresh data directory (SQLite: jobs run inside the
server) or a fresh PostgreSQL database with N ``casework worker`` processes; makes a
tenant with N customers and 10 enabled rules (velocity, structuring and pass-through
among them); then sends the transactions in time order, 10,000 per POST
/v1/transactions/batch, in EUR, USD and GBP. A few customers are given patterns the
rules look for (structuring, pass-through, a burst, a dormant account woken up); the
rest is ordinary traffic. Prints transactions/s ingested (all POSTs answered) and
evaluated (every batch's evaluation committed), alerts and cases made, and the time
from a transaction being stored to its alert being on a case (target: at least 5,000
transactions/s evaluated on a 2-core machine). Progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, select, text

from api_cases import CASEWORK, cli, free_port, log, postgres_database, run_and_print, server
from casework.infra.ids import new_id
from casework.models import Alert, Case, Customer, PendingEvaluation, Transaction

START = datetime(2026, 3, 2, tzinfo=UTC)
DAYS = 180
BATCH = 10_000
BACKTESTED = "structuring-72h"
RATES = {"USD": "1.0800", "GBP": "0.8500"}
COUNTRIES = ["DEU", "FRA", "NLD", "ESP", "ITA", "GBR", "USA", "BEL", "AUT", "POL"]
RISKY = ["IRN", "PRK", "MMR"]
RULES: list[dict[str, Any]] = [
    {
        "name": "large-amount",
        "severity": "high",
        "condition": {"test": "amount", "at_least": 15000},
    },
    {
        "name": "burst-24h",
        "severity": "medium",
        "condition": {"test": "velocity", "window": "24h", "count_at_least": 8},
    },
    {
        "name": "outflow-7d",
        "severity": "medium",
        "condition": {
            "test": "velocity",
            "window": "7d",
            "sum_at_least": 40000,
            "direction": "out",
        },
    },
    {
        "name": "structuring-72h",
        "severity": "high",
        "condition": {
            "test": "structuring",
            "threshold": 10000,
            "below_by": "0.1",
            "window": "72h",
            "count_at_least": 3,
        },
    },
    {
        "name": "pass-through-48h",
        "severity": "high",
        "condition": {"test": "pass_through", "window": "48h", "ratio": "0.9", "in_at_least": 8000},
    },
    {
        "name": "high-risk-country",
        "severity": "high",
        "condition": {"test": "high_risk_country", "at_least": 1000},
    },
    {
        "name": "round-amounts",
        "severity": "low",
        "condition": {"test": "round_amount", "multiple_of": 1000, "at_least": 5000},
    },
    {
        "name": "dormant-60d",
        "severity": "medium",
        "condition": {"test": "dormant_reactivation", "inactive_days": 60, "at_least": 2000},
    },
    {
        "name": "new-counterparty",
        "severity": "low",
        "condition": {"test": "new_counterparty", "at_least": 7500},
    },
    {
        "name": "cash-in-7d",
        "severity": "medium",
        "condition": {
            "test": "velocity",
            "window": "7d",
            "sum_at_least": 20000,
            "direction": "in",
            "types": ["cash_deposit"],
        },
    },
]


class Feed:
    """Deterministic traffic: each customer's transactions spread over the period,
    some customers with a pattern the rules should catch."""

    def __init__(self, customers: list[str], total: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.customers = customers
        self.total = total
        self.partners = {
            c: [f"ACC{self.rng.randrange(10**9):09d}" for _ in range(4)] for c in customers
        }

    def _ordinary(self, customer: str, at: datetime) -> dict[str, Any]:
        rng = self.rng
        incoming = rng.random() < 0.4
        amount = round(min(rng.lognormvariate(5.0, 1.1), 14_000), 2)
        currency = rng.choices(["EUR", "USD", "GBP"], weights=[80, 12, 8])[0]
        new = rng.random() < 0.03
        account = f"NEW{rng.randrange(10**9):09d}" if new else rng.choice(self.partners[customer])
        risky = rng.random() < 0.002
        return {
            "customer_id": customer,
            "amount": f"{amount:.2f}",
            "currency": currency,
            "direction": "in" if incoming else "out",
            "type": rng.choice(
                ["card", "transfer", "transfer", "cash_deposit"]
                if incoming
                else ["card", "transfer"]
            ),
            "channel": rng.choice(["online", "branch", "mobile"]),
            "counterparty_name": f"Party {account[-4:]}",
            "counterparty_account": account,
            "counterparty_country": rng.choice(RISKY) if risky else rng.choice(COUNTRIES),
            "occurred_at": at,
        }

    def _pattern(self, customer: str, at: datetime) -> list[dict[str, Any]]:
        """A short burst of suspicious activity starting at ``at``."""
        rng = self.rng
        kind = rng.choice(["structuring", "pass_through", "burst"])
        made = []
        if kind == "structuring":
            for i in range(4):
                row = self._ordinary(customer, at + timedelta(hours=7 * i))
                row.update(amount=f"{rng.uniform(9100, 9990):.2f}", currency="EUR", direction="in")
                made.append(row)
        elif kind == "pass_through":
            amount = rng.uniform(9000, 30000)
            row = self._ordinary(customer, at)
            row.update(amount=f"{amount:.2f}", currency="EUR", direction="in", type="transfer")
            made.append(row)
            out = self._ordinary(customer, at + timedelta(hours=rng.uniform(2, 30)))
            out.update(amount=f"{amount * 0.97:.2f}", currency="EUR", direction="out")
            made.append(out)
        else:
            for i in range(9):
                made.append(self._ordinary(customer, at + timedelta(minutes=40 * i)))
        return made

    def rows(self) -> list[dict[str, Any]]:
        span = DAYS * 86_400
        rows: list[dict[str, Any]] = []
        patterned = self.rng.sample(self.customers, max(1, len(self.customers) // 50))
        for customer in patterned:
            rows += self._pattern(customer, START + timedelta(seconds=self.rng.randrange(span)))
        while len(rows) < self.total:
            customer = self.rng.choice(self.customers)
            rows.append(
                self._ordinary(customer, START + timedelta(seconds=self.rng.randrange(span)))
            )
        rows = rows[: self.total]
        rows.sort(key=lambda r: r["occurred_at"])
        for i, row in enumerate(rows):
            row["external_id"] = f"bench-{i:08d}"
            row["occurred_at"] = row["occurred_at"].isoformat()
        return rows


def batches(rows: list[dict[str, Any]]) -> Iterator[bytes]:
    for start in range(0, len(rows), BATCH):
        yield json.dumps({"transactions": rows[start : start + BATCH]}).encode()


def make_customers(url: str, tenant_slug: str, count: int) -> list[str]:
    """Customers straight into the database: they are not what is measured."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        tenant_id = conn.execute(
            text("SELECT id FROM tenants WHERE slug = :s"), {"s": tenant_slug}
        ).scalar_one()
        ids = [new_id() for _ in range(count)]
        conn.execute(
            insert(Customer),
            [
                {
                    "id": cid,
                    "tenant_id": tenant_id,
                    "customer_type": "INDIVIDUAL",
                    "external_id": f"cust-{i:06d}",
                    "full_name": f"Customer {i:06d}",
                    "created_at": now,
                    "updated_at": now,
                }
                for i, cid in enumerate(ids)
            ],
        )
    engine.dispose()
    return ids


def pending(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(PendingEvaluation)).scalar_one()
    engine.dispose()
    return int(count)


def outcome(url: str) -> dict[str, Any]:
    """Alerts, cases and, per alert, the time from its transaction being stored to the
    alert being written on a case."""
    engine = create_engine(url)
    with engine.connect() as conn:
        alerts = conn.execute(select(func.count()).select_from(Alert)).scalar_one()
        cases = conn.execute(
            select(func.count()).select_from(Case).where(Case.created_by_type == "byRule")
        ).scalar_one()
        delays = sorted(
            (row.alerted - row.stored).total_seconds()
            for row in conn.execute(
                select(
                    Alert.created_at.label("alerted"), Transaction.created_at.label("stored")
                ).join(Transaction, Transaction.id == Alert.transaction_id)
            )
        )
        by_rule = dict(
            conn.execute(
                text(
                    "SELECT r.name, count(*) FROM alerts a JOIN rules r ON r.id = a.rule_id "
                    "GROUP BY r.name ORDER BY r.name"
                )
            ).all()
        )
    engine.dispose()

    def pct(p: float) -> float:
        return (
            round(delays[min(len(delays) - 1, int(p * len(delays)))] * 1000, 1) if delays else 0.0
        )

    return {
        "alerts": int(alerts),
        "cases": int(cases),
        "alerts_by_rule": {k: int(v) for k, v in by_rule.items()},
        "store_to_case_p50_ms": pct(0.50),
        "store_to_case_p99_ms": pct(0.99),
        "store_to_case_max_ms": pct(1.0),
    }


def backtest(
    base: str, headers: dict[str, str], rule_id: str, live: dict[str, Any]
) -> dict[str, Any]:
    """Replay one rule over the whole period: its time, and whether it finds what the
    live path found (the feed arrives in time order, so it should, exactly)."""
    body = {
        "from": START.isoformat(),
        "to": (START + timedelta(days=DAYS + 2)).isoformat(),
        "sample": 0,
    }
    log(f"backtesting {BACKTESTED} over the whole period")
    started = time.perf_counter()
    r = httpx.post(f"{base}/v1/rules/{rule_id}/backtest", json=body, headers=headers, timeout=3600)
    r.raise_for_status()
    answer = r.json()
    return {
        "rule": BACKTESTED,
        "seconds": round(time.perf_counter() - started, 1),
        "transactions": answer["transactions_evaluated"],
        "alerts": answer["alerts"],
        "live_alerts": live["alerts_by_rule"].get(BACKTESTED, 0),
    }


def send(base: str, key: str, bodies: list[bytes], concurrency: int) -> tuple[float, list[float]]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    latencies: list[float] = []
    lock = threading.Lock()
    done = [0]

    def post(client: httpx.Client, body: bytes) -> None:
        started = time.perf_counter()
        r = client.post(f"{base}/v1/transactions/batch", content=body, headers=headers)
        if r.status_code != 201:
            raise RuntimeError(f"batch refused: {r.status_code} {r.text[:500]}")
        with lock:
            latencies.append(time.perf_counter() - started)
            done[0] += 1
            if done[0] % 10 == 0:
                log(f"  {done[0]}/{len(bodies)} batches stored")

    start = time.perf_counter()
    with httpx.Client(timeout=300) as client, ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(post, client, b) for b in bodies]:
            future.result()
    return time.perf_counter() - start, latencies


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "CASEWORK_DATA_DIR": str(workdir), "CASEWORK_LOG_LEVEL": "WARNING"}
    env.pop("CASEWORK_DATABASE_URL", None)
    backend = postgres_database(args.pg_url) if args.postgres else nullcontext(None)
    with backend as pg_url, ExitStack() as stack:
        url = pg_url or f"sqlite:///{workdir / 'casework.db'}"
        if pg_url:
            env["CASEWORK_DATABASE_URL"] = pg_url
        subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
        slug = f"bench-{random.randrange(16**6):06x}"
        cli(env, f"tenants create --slug {slug} --name 'Bench Bank'")
        email = f"admin@{slug}.test"
        cli(
            env,
            f"users create --tenant {slug} --email {email} --first-name A --last-name D "
            "--role admin",
        )
        key = cli(env, f"api-clients create --tenant {slug} --name bench --acting-user {email}")[
            "api_key"
        ]
        log(f"making {args.customers} customers")
        customers = make_customers(url, slug, args.customers)
        log(f"generating {args.transactions} transactions")
        rows = Feed(customers, args.transactions, args.seed).rows()
        bodies = list(batches(rows))
        del rows
        base = stack.enter_context(server(env, free_port(), workdir, args.server_workers))
        if pg_url:
            workers = []
            for index in range(args.workers):
                out = (workdir / f"worker{index}.log").open("w")
                workers.append(
                    subprocess.Popen(
                        [*CASEWORK, "worker", "--concurrency", str(args.worker_concurrency)],
                        env=env,
                        stdout=out,
                        stderr=out,
                    )
                )
            stack.callback(lambda: [w.terminate() or w.wait(30) for w in workers])
        h = {"Authorization": f"Bearer {key}"}
        day = (START - timedelta(days=3)).date().isoformat()
        httpx.put(
            f"{base}/v1/fx-rates", json={"rate_date": day, "rates": RATES}, headers=h
        ).raise_for_status()
        rule_ids = {}
        for rule in RULES:
            body = {**rule, "title": rule["name"].replace("-", " ").capitalize(), "enabled": True}
            made = httpx.post(f"{base}/v1/rules", json=body, headers=h)
            made.raise_for_status()
            rule_ids[rule["name"]] = made.json()["id"]
        log(f"sending {len(bodies)} batches of {BATCH}")
        started = time.perf_counter()
        ingest_seconds, latencies = send(base, key, bodies, args.concurrency)
        log(f"all stored in {ingest_seconds:.1f} s; waiting for evaluation")
        while (left := pending(url)) > 0:
            time.sleep(0.2)  # a progress poll of the database, not a synchronisation in a test
            if time.perf_counter() - started > 3600:
                raise RuntimeError(f"{left} batches still unevaluated after an hour")
        evaluated_seconds = time.perf_counter() - started
        result = outcome(url)
        result["backtest"] = backtest(base, h, rule_ids[BACKTESTED], result)
    latencies.sort()
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "workers": args.workers if args.postgres else "in-process",
        "server_workers": args.server_workers,
        "transactions": args.transactions,
        "customers": args.customers,
        "rules": len(RULES),
        "ingest_seconds": round(ingest_seconds, 1),
        "ingested_per_second": round(args.transactions / ingest_seconds),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "batch_p99_ms": round(
            latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
        ),
        "evaluated_seconds": round(evaluated_seconds, 1),
        "evaluated_per_second": round(args.transactions / evaluated_seconds),
        **result,
    }


def report(r: dict[str, Any]) -> str:
    bt = r["backtest"]
    return "\n".join(
        [
            f"backend {r['backend']}  workers {r['workers']}  server processes "
            f"{r['server_workers']}  {r['transactions']:,} transactions "
            f"for {r['customers']:,} customers, {r['rules']} enabled rules, batches of {BATCH:,}",
            f"ingested: {r['ingested_per_second']:,} tx/s ({r['ingest_seconds']} s; batch POST "
            f"p50 {r['batch_p50_ms']} ms, p99 {r['batch_p99_ms']} ms)",
            f"evaluated: {r['evaluated_per_second']:,} tx/s (all evaluated "
            f"{r['evaluated_seconds']} s after the first POST; target >= 5,000 tx/s)",
            f"alerts {r['alerts']:,}  cases {r['cases']:,}  by rule: {r['alerts_by_rule']}",
            f"stored -> alert on a case: p50 {r['store_to_case_p50_ms']} ms  "
            f"p99 {r['store_to_case_p99_ms']} ms  max {r['store_to_case_max_ms']} ms",
            f"backtest of {bt['rule']} over the period: {bt['transactions']:,} transactions in "
            f"{bt['seconds']} s, {bt['alerts']:,} alerts (live: {bt['live_alerts']:,})",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark transaction monitoring.")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=2, help="casework worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--server-workers", type=int, default=1, help="casework serve processes")
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2, help="batches in flight")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    run_and_print(args, run, report)


if __name__ == "__main__":
    main()
