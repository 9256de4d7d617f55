"""Benchmark the cases API against a real ``casework serve`` process.

    .venv/bin/python bench/api_cases.py [--postgres] [--requests N] [--concurrency N]
                                        [--workers N] [--cases N] [--json]

Starts the server on a free port with a fresh data directory (SQLite; the server migrates
and loads demo data) or a fresh ``casework_bench_<random>`` database (PostgreSQL, dropped
at the end); creates a tenant, an analyst and an API client with the CLI; then measures
GET /healthz and POST /v1/cases at the same concurrency over keep-alive connections
(target: create rate >= 40% of the healthz rate), bulk-fills the tenant to --cases rows
and times 300 sequential GET /v1/cases?review_status=open&sort=-priority&limit=50
(target p99 < 50 ms), and prints the plan of the equivalent SQL. Progress goes to stderr;
the table to stdout, or to stderr with --json, which prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, insert, make_url, select, text, update

from casework.cases import listing, repository
from casework.config import Settings
from casework.infra.db import Database
from casework.infra.ids import new_id
from casework.models import Case
from casework.models.base import Base
from casework.models.enums import CreatedByType, Module, Priority, ReviewStatus

# The interpreter running the benchmark, and its casework (PYTHONPATH may name another
# source tree, to measure two versions of it alike).
CASEWORK = [sys.executable, "-m", "casework.cli"]
INDEX = "ix_cases_tenant_id_review_status_priority_id"
LIST_QUERY = "/v1/cases?review_status=open&sort=-priority&limit=50"
WARMUP, LIST_REQUESTS, BATCH = 200, 300, 5_000
Send = Callable[[int], Awaitable[httpx.Response]]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_and_print(
    args: argparse.Namespace,
    run: Callable[[argparse.Namespace, Path], dict[str, Any]],
    report: Callable[[dict[str, Any]], str],
) -> None:
    """Run a benchmark in a scratch directory and print its figures: the report, or with
    ``--json`` the result as JSON (and the report on stderr)."""
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        result = run(args, Path(tmp))
    if args.json:
        log(report(result))
        print(json.dumps(result, indent=2))
    else:
        print(report(result))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def stats(n: int, latencies: list[float], failures: list[str], elapsed: float) -> dict[str, Any]:
    """Throughput and nearest-rank p50/p99 in milliseconds."""
    ordered = sorted(latencies)

    def pct(p: float) -> float:
        return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000, 2)

    return {
        "requests": n,
        "rps": round(n / elapsed, 1),
        "p50_ms": pct(50),
        "p99_ms": pct(99),
        "failures": len(failures),
        "failure_samples": failures[:5],
    }


def cli(env: dict[str, str], command: str) -> dict[str, Any]:
    args = [*CASEWORK, *shlex.split(command), "--json"]
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        log(f"`casework {command}` exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
        raise SystemExit(1)
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


@contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    name = f"casework_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    log(f"created database {name}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
        log(f"dropped database {name}")


@contextmanager
def server(env: dict[str, str], port: int, logdir: Path, workers: int = 1) -> Iterator[str]:
    """Run ``casework serve``; stop it (terminate, wait) however the block ends."""
    out, err = (logdir / "server.out").open("w"), (logdir / "server.err").open("w")
    proc = subprocess.Popen(
        [*CASEWORK, "serve", "--port", str(port), "--workers", str(workers)],
        env=env,
        stdout=out,
        stderr=err,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not answer /healthz within 120 s")
            time.sleep(0.1)
        log(f"server up at {base} (pid {proc.pid})")
        yield base
    except BaseException:
        err.flush()
        log("server stderr (tail):\n" + (logdir / "server.err").read_text()[-4000:])
        raise
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()
        err.close()


async def run_load(n: int, concurrency: int, send: Send, expect: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[str] = []
    todo = iter(range(n))

    async def worker() -> None:
        for i in todo:  # one shared iterator: each index is taken by exactly one worker
            start = time.perf_counter()
            try:
                response = await send(i)
            except httpx.HTTPError as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                continue
            latencies.append(time.perf_counter() - start)
            if response.status_code != expect:
                failures.append(f"{response.status_code} {response.text[:500]}")

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stats(n, latencies, failures, time.perf_counter() - start)


async def load_phase(base: str, api_key: str, n: int, concurrency: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Authorization": f"Bearer {api_key}"}
    tasks = ["Review history", "Verify source of funds", "Check sanctions", "Write summary"]
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        def healthz(_: int) -> Awaitable[httpx.Response]:
            return client.get("/healthz")

        def create(i: int) -> Awaitable[httpx.Response]:
            body = {
                "title": f"Bench case {i}",
                "description": "Structured cash deposits",
                "priority": "high",
                "module": "aml",
                "tasks": tasks,
            }
            return client.post("/v1/cases", json=body, headers=headers)

        await run_load(WARMUP, concurrency, healthz, 200)
        warm = await run_load(WARMUP, concurrency, create, 201)
        if warm["failures"]:
            log(f"warm-up: {warm['failures']} creates failed: {warm['failure_samples'][0]}")
        return {
            "healthz": await run_load(n, concurrency, healthz, 200),
            "create": await run_load(n, concurrency, create, 201),
        }


def fill_cases(database: Database, tenant_id: str, total: int) -> dict[str, Any]:
    """Insert rows directly until the tenant has ``total`` cases; advance its counter."""
    rng = random.Random(7)
    statuses = [ReviewStatus(s) for s in ("open", "in_progress", "resolved", "closed")]
    now, started = datetime.now(UTC), time.perf_counter()
    cases, counters = Base.metadata.tables["cases"], Base.metadata.tables["tenant_counters"]
    counter = (counters.c.tenant_id == tenant_id) & (counters.c.name == "case_number")
    with database.engine.begin() as conn:
        where = cases.c.tenant_id == tenant_id
        existing = conn.scalar(select(func.count()).select_from(cases).where(where)) or 0
        number = conn.scalar(select(counters.c.value).where(counter)) or 0
        missing = max(0, total - existing)
        for offset in range(0, missing, BATCH):
            rows = []
            for _ in range(min(BATCH, missing - offset)):
                number += 1
                created = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
                rows.append(
                    {
                        "id": new_id(),
                        "tenant_id": tenant_id,
                        "number": number,
                        "title": f"Bulk case {number}",
                        "description": "Inserted by the benchmark",
                        "priority": Priority(rng.randint(1, 3)),
                        "module": rng.choice(list(Module)),
                        "review_status": statuses[number % 4],
                        "is_escalated": False,
                        "created_by_type": CreatedByType.by_api,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
            conn.execute(insert(cases), rows)
        conn.execute(update(counters).where(counter).values(value=number))
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE cases")  # what autovacuum would do shortly after
    return {
        "existing_before": existing,
        "inserted": missing,
        "total": existing + missing,
        "insert_seconds": round(time.perf_counter() - started, 2),
    }


def explain(database: Database, tenant_id: str) -> list[str]:
    """The plan of the list endpoint's main query (same builder code, literal parameters)."""
    key = listing.sort_key(listing.CaseSort.priority_desc)
    stmt = (
        repository.cases_of(tenant_id)
        .where(Case.review_status.in_([ReviewStatus.open]))
        .options(*repository.full_case_options())
        .order_by(*key.order_by())
        .limit(51)
    )
    dialect = database.engine.dialect
    sql = str(stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
    pg = dialect.name == "postgresql"
    with database.engine.connect() as conn:
        rows = conn.execute(text(("EXPLAIN ANALYZE " if pg else "EXPLAIN QUERY PLAN ") + sql))
        return [str(row[0] if pg else row[-1]) for row in rows]


def list_phase(base: str, api_key: str) -> dict[str, Any]:
    latencies: list[float] = []
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        first = client.get(LIST_QUERY)  # also warms the connection and the caches
        first_page = len(first.json()["items"]) if first.status_code == 200 else -1
        started = time.perf_counter()
        for _ in range(LIST_REQUESTS):
            start = time.perf_counter()
            response = client.get(LIST_QUERY)
            latencies.append(time.perf_counter() - start)
            if response.status_code != 200:
                failures.append(f"{response.status_code} {response.text[:500]}")
    return {
        **stats(LIST_REQUESTS, latencies, failures, time.perf_counter() - started),
        "first_page_items": first_page,
    }


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    env = {**os.environ, "CASEWORK_DATA_DIR": str(workdir)}
    env.pop("CASEWORK_DATABASE_URL", None)
    backend = postgres_database(args.pg_url) if args.postgres else nullcontext(None)
    with backend as url:
        if url:
            env["CASEWORK_DATABASE_URL"] = url
            subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
        database = Database(Settings(data_dir=workdir, database_url=url))
        try:
            with server(env, free_port(), workdir, args.workers) as base:
                slug = f"bench-{secrets.token_hex(3)}"
                tenant = cli(env, f"tenants create --slug {slug} --name 'Bench Bank'")
                email = f"analyst@{slug}.test"
                cli(
                    env,
                    f"users create --tenant {slug} --email {email} --first-name Ana "
                    "--last-name Lyst --role analyst",
                )
                client = cli(
                    env, f"api-clients create --tenant {slug} --name bench --acting-user {email}"
                )
                log(f"load: {args.requests} requests per endpoint at {args.concurrency}")
                load = asyncio.run(
                    load_phase(base, client["api_key"], args.requests, args.concurrency)
                )
                log(f"bulk-filling the tenant to {args.cases} cases")
                fill = fill_cases(database, tenant["id"], args.cases)
                log(f"list: {LIST_REQUESTS} sequential requests")
                listed = list_phase(base, client["api_key"])
                plan = explain(database, tenant["id"])
        finally:
            database.dispose()
    ratio = load["create"]["rps"] / load["healthz"]["rps"] * 100
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "concurrency": args.concurrency,
        "workers": args.workers,
        "warmup_per_endpoint": WARMUP,
        **load,
        "create_vs_healthz_pct": round(ratio, 1),
        "create_target_pct": 40,
        "cases": fill,
        "list": {**listed, "target_p99_ms": 50},
        "plan": plan,
        "plan_uses_index": any(INDEX in line for line in plan),
    }


def report(r: dict[str, Any]) -> str:
    ok = {True: "OK", False: "MISSED"}
    lst, cs, ratio = r["list"], r["cases"], r["create_vs_healthz_pct"]
    lines = [
        f"backend {r['backend']}  python {r['python']}  cpus {r['cpus']}  "
        f"workers {r['workers']}  concurrency {r['concurrency']} (list: sequential)  "
        f"warm-up {WARMUP}/endpoint",
        f"{'endpoint':<42}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'fail':>6}",
    ]
    for label, s in (
        ("GET /healthz", r["healthz"]),
        ("POST /v1/cases", r["create"]),
        ("GET " + LIST_QUERY[:38], lst),
    ):
        lines.append(
            f"{label:<42}{s['requests']:>9}{s['rps']:>9}{s['p50_ms']:>9}"
            f"{s['p99_ms']:>9}{s['failures']:>6}"
        )
    lines += [
        f"create / healthz rate: {ratio}%  (target >= 40%: {ok[ratio >= 40]})",
        f"list p99: {lst['p99_ms']} ms  (target < 50 ms: {ok[lst['p99_ms'] < 50]});  "
        f"first page items: {lst['first_page_items']}",
        f"cases in tenant: {cs['total']} ({cs['existing_before']} via API, {cs['inserted']} "
        f"bulk-inserted in {cs['insert_seconds']} s)",
        f"plan (uses {INDEX}: {'yes' if r['plan_uses_index'] else 'no'}):",
        *(f"  {line}" for line in r["plan"]),
    ]
    for name in ("healthz", "create", "list"):
        lines += [f"{name} failure: {sample}" for sample in r[name]["failure_samples"]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the cases API.")
    parser.add_argument("--postgres", action="store_true", help="Use PostgreSQL.")
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/test",
        help="Admin URL; the benchmark database is created beside it.",
    )
    parser.add_argument("--requests", type=int, default=3000, help="Requests per endpoint.")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--workers", type=int, default=1, help="Server processes (above 1 needs --postgres)."
    )
    parser.add_argument("--cases", type=int, default=100_000, help="Tenant size for the list.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on terminate too
    run_and_print(args, run, report)


if __name__ == "__main__":
    main()
