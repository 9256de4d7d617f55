"""Server time of the console's case queue and case page with a large tenant.

    .venv/bin/python bench/console.py [--postgres] [--cases N] [--requests N]

Starts ``casework serve`` on a fresh SQLite data directory or a fresh PostgreSQL database
(plus one ``casework worker`` for the checks); imports a small watchlist; creates a tenant
and an analyst with a password; opens one case through the API with a customer, tasks,
comments, a screening check with matches and their audit trail; bulk-inserts customers and
cases up to --cases; signs in through /console/login and times sequential requests of queue
views and of the case page (target: < 100 ms). Progress on stderr, the table on stdout.
"""

from __future__ import annotations

import argparse
import html
import json
import math
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, update

from api_cases import CASEWORK, cli, free_port, log, postgres_database, server
from casework.config import Settings
from casework.infra.db import Database
from casework.models.base import Base
from casework.models.enums import CreatedByType, CustomerType, Module, Priority, Resolution

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PASSWORD = "bench-console-password"
TARGET_MS = 100.0
WARMUP, BATCH = 20, 5_000
FIRST = ["Maria", "James", "Olga", "Ahmed", "Li", "Carlos", "Fatima", "Jan", "Aisha", "Tom"]
FIRST += ["Sofia", "Ivan", "Chloe", "Omar", "Yuki", "Pedro", "Anna", "Lars", "Nadia", "Ken"]
LAST = ["Berg", "Novak", "Haddad", "Silva", "Chen", "Moreau", "Okafor", "Ivanova", "Kim"]
LAST += ["Schmidt", "Rossi", "Dubois", "Nowak", "Garcia", "Larsen", "Tanaka", "Khan", "Popescu"]
TITLES = ["Structured cash deposits", "Unusual wire to {country}", "Onboarding review"]
TITLES += ["Adverse media hit", "PEP relationship review", "Rapid movement of funds"]
COUNTRIES = ["DEU", "FRA", "GBR", "USA", "ESP", "ITA", "NLD", "POL", "ARE", "SGP"]
LISTED = ["Viktor Bout", "Viktor Anatolyevich Bout", "Victor Bout", "Viktor But"]
LISTED += ["Viktor A. Bout", "Wiktor Bout", "Victor Anatolievich But", "Viktor Bouts"]
LISTED += ["Viktor Boute", "Vitor Bout", "Viktor Butt", "Victor But"]
CUSTOMER = {"full_name": "Viktor Bout", "birth_date": "1967-01-13", "country": "ARE"}
NEXT_LINK = re.compile(r'href="([^"]*cursor=[^"]*)"')
STATUS = {"open": 17, "in_progress": 12, "awaiting_user": 3, "blocked": 2, "resolved": 24}
STATUS |= {"closed": 42}  # a year of history: most cases finished
PROVENANCE = dict(zip(CreatedByType, (15, 50, 25, 5, 5), strict=True))  # officer, API, rule...
DUR = re.compile(r"dur=([0-9.]+)")
Rows = list[tuple[str, str, dict[str, Any]]]


def weighted(rng: random.Random, table: dict[Any, int]) -> Any:
    return rng.choices(list(table), weights=list(table.values()))[0]


def id_at(moment: datetime) -> str:
    """An id of the application's shape (creation milliseconds, then random bits)."""
    return f"{(int(moment.timestamp() * 1000) << 48) | secrets.randbits(48):024x}"


def write_watchlist(path: Path) -> Path:
    """Near namesakes of the measured customer, so that the screening check has matches."""
    facts = {"topics": ["sanction"], "birthDate": ["1967-01-13"]}
    rows = [{"id": f"vb{i}", "schema": "Person", "target": True} for i in range(len(LISTED))]
    for row, name in zip(rows, LISTED, strict=True):
        row["properties"] = {"name": [name], **facts}
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def create_people(env: dict[str, str]) -> dict[str, Any]:
    """A tenant, users who can sign in, and an API client acting as the analyst."""
    slug = f"bench-{secrets.token_hex(3)}"
    tenant = cli(env, f"tenants create --slug {slug} --name 'Bench Bank'")
    people: dict[str, Any] = {"tenant_id": tenant["id"], "slug": slug}
    with_password = {**env, "CASEWORK_USER_PASSWORD": PASSWORD}
    for key, role in (("analyst", "analyst"), ("colleague", "analyst"), ("lead", "supervisor")):
        email = f"{key}@{slug}.test"
        command = f"users create --tenant {slug} --email {email} --first-name {key.title()} "
        user = cli(with_password, command + f"--last-name Bench --role {role}")
        people[key] = {"id": user["id"], "email": email}
    acting = people["analyst"]["email"]
    client = cli(env, f"api-clients create --tenant {slug} --name bench --acting-user {acting}")
    people["api_key"] = client["api_key"]
    return people


def measured_case(base: str, people: dict[str, Any]) -> dict[str, Any]:
    """A typical worked case, made through the API so every part and event is real."""
    headers = {"Authorization": f"Bearer {people['api_key']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as api:

        def call(method: str, url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
            response = api.request(method, url, json=body)
            if response.status_code >= 300:
                raise RuntimeError(f"{method} {url}: {response.status_code} {response.text}")
            data: dict[str, Any] = response.json()
            return data

        due = (datetime.now(UTC) + timedelta(days=5)).isoformat()
        body: dict[str, Any] = {"title": "Onboarding review: Viktor Bout", "priority": "high"}
        body |= {"customer": CUSTOMER, "checks": [{"type": "SANCTIONS"}, {"type": "PEP"}]}
        tasks = [f"Step {n}: review the file" for n in range(1, 6)]
        body |= {"module": "kyc", "tasks": tasks, "due_date": due}
        case = call("POST", "/v1/cases", body)
        url = f"/v1/cases/{case['id']}"
        deadline = time.monotonic() + 120
        while api.get(url).json()["processing_status"] not in {"COMPLETED", "FAILED"}:
            if time.monotonic() > deadline:
                raise RuntimeError("the measured case's checks did not finish within 120 s")
            time.sleep(0.2)
        call("POST", f"{url}/assign", {"assignee_id": people["analyst"]["id"]})
        call("POST", f"{url}/transition", {"to": "in_progress"})
        for task in call("GET", url)["tasks"][:3]:
            call("PATCH", f"{url}/tasks/{task['id']}", {"done": True})
        for n in range(10):
            call("POST", f"{url}/comments", {"body": f"Note {n}: source of funds reviewed."})
        checks = call("GET", f"/v1/cases/{case['id']}/checks")["items"]
        matches = [(c["id"], m["id"]) for c in checks for m in c.get("matches") or []]
        for check_id, match_id in matches[:4]:
            decision = {"decision": "false_positive", "note": "Date of birth differs"}
            call("POST", f"/v1/checks/{check_id}/matches/{match_id}/decision", decision)
        escalation = {"to": people["lead"]["id"], "note": "Second opinion please"}
        call("POST", f"{url}/escalate", escalation)
        for n in range(7):
            call("PATCH", url, {"notes": f"Working notes, revision {n}"})
        events = api.get(f"{url}/log").json()
    return {"id": case["id"], "matches": len(matches), "events": len(events), "tasks": 5}


def counter_to(conn: Any, tenant_id: str, name: str) -> tuple[int, Any]:
    counters = Base.metadata.tables["tenant_counters"]
    where = (counters.c.tenant_id == tenant_id) & (counters.c.name == name)
    value = conn.scalar(select(counters.c.value).where(where))
    if value is None:
        conn.execute(insert(counters).values(tenant_id=tenant_id, name=name, value=0))
    return value or 0, update(counters).where(where)


def insert_customers(conn: Any, tenant_id: str, count: int, rng: random.Random) -> list[str]:
    customers = Base.metadata.tables["customers"]
    number, bump = counter_to(conn, tenant_id, "customer_number")
    ids, rows = [], []
    for n in range(number + 1, number + count + 1):
        business = rng.random() < 0.2
        last = rng.choice(LAST)
        name = f"{last} Trading Ltd" if business else f"{rng.choice(FIRST)} {last}"
        ids.append(new := id_at(datetime.now(UTC)))
        born = f"{rng.randint(1940, 2004)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
        kind = CustomerType.business if business else CustomerType.individual
        rows.append(
            {"id": new, "tenant_id": tenant_id, "number": n, "customer_type": kind}
            | {"external_id": f"C-{n:07d}", "full_name": name, "full_name_en": name}
            | {"birth_date": None if business else born, "country": rng.choice(COUNTRIES)}
        )
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(customers), rows[start : start + BATCH])
    conn.execute(bump.values(value=number + count))
    return ids


def case_row(rng: random.Random, created: datetime, people: dict[str, Any]) -> dict[str, Any]:
    status = weighted(rng, STATUS)
    finished = status in {"resolved", "closed"}
    owner = weighted(rng, {"analyst": 30, "colleague": 30, "lead": 5, None: 35})
    escalated = not finished and rng.random() < 0.04
    due = created + timedelta(days=rng.uniform(3, 45)) if rng.random() < 0.85 else None
    return {
        "title": rng.choice(TITLES).format(country=rng.choice(COUNTRIES)),
        "description": "Alert raised by transaction monitoring; see the linked activity.",
        "priority": weighted(rng, {Priority.low: 35, Priority.medium: 45, Priority.high: 20}),
        "module": rng.choice(list(Module)),
        "review_status": status,
        "resolution": Resolution.false_positive if finished else None,
        "resolved_at": created + timedelta(days=rng.uniform(1, 20)) if finished else None,
        "assignee_id": people[owner]["id"] if owner else None,
        "assigned_at": created if owner else None,
        "is_escalated": escalated,
        "escalated_to_id": people[rng.choice(["analyst", "lead"])]["id"] if escalated else None,
        "escalated_at": created + timedelta(days=1) if escalated else None,
        "due_date": due,
        "created_by_type": weighted(rng, PROVENANCE),
        "created_at": created,
        "updated_at": created + timedelta(hours=rng.uniform(0, 240)),
    }


def fill(database: Database, people: dict[str, Any], total: int) -> dict[str, Any]:
    """Customers for 40% of the cases, then cases spread over the past year, up to ``total``."""
    rng, started, tenant_id = random.Random(11), time.perf_counter(), people["tenant_id"]
    cases = Base.metadata.tables["cases"]
    now = datetime.now(UTC)
    with database.engine.begin() as conn:
        count = select(func.count()).where(cases.c.tenant_id == tenant_id)
        missing = max(0, total - (conn.scalar(count) or 0))
        customers = insert_customers(conn, tenant_id, missing * 3 // 10, rng)
        number, bump = counter_to(conn, tenant_id, "case_number")
        ages = sorted((rng.uniform(60, 365 * 86400) for _ in range(missing)), reverse=True)
        moments = [now - timedelta(seconds=age) for age in ages]
        for start in range(0, missing, BATCH):
            rows = []
            for created in moments[start : start + BATCH]:
                number += 1
                row = case_row(rng, created, people)
                customer = rng.choice(customers) if customers and rng.random() < 0.4 else None
                ids = {"id": id_at(created), "tenant_id": tenant_id, "number": number}
                rows.append({**row, **ids, "customer_id": customer})
            conn.execute(insert(cases), rows)
            log(f"  {start + len(rows)} / {missing} cases")
        conn.execute(bump.values(value=number))
    if database.engine.dialect.name == "postgresql":
        with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")  # what the maintenance job would do shortly after
    seconds = round(time.perf_counter() - started, 1)
    return {"inserted": missing, "customers": len(customers), "seconds": seconds}


def sign_in(client: httpx.Client, email: str) -> None:
    client.get("/console/login").raise_for_status()
    form = {"email": email, "password": PASSWORD, "csrf_token": client.cookies["csrftoken"]}
    response = client.post("/console/login", data=form)
    if response.status_code != 303 or "sessionid" not in client.cookies:
        raise RuntimeError(f"sign-in refused: {response.status_code} {response.text[:300]}")
    log(f"signed in as {email}; /console/cases answers {client.get('/console/cases').status_code}")


def next_page(client: httpx.Client, url: str) -> str | None:
    response = client.get(url)
    found = NEXT_LINK.search(response.text) if response.status_code == 200 else None
    if found is None:
        return None
    target = html.unescape(found.group(1))
    return target if target.startswith("/") else "/console/cases" + target


def percentile(ordered: list[float], p: float) -> float:
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def time_page(client: httpx.Client, url: str, n: int) -> dict[str, Any]:
    """Round-trip and, when the app sends Server-Timing, server durations, in ms."""
    first = client.get(url)
    if first.status_code != 200:
        return {"status": first.status_code}
    for _ in range(WARMUP):
        client.get(url)
    trips, served, failures = [], [], 0
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        trips.append((time.perf_counter() - start) * 1000)
        failures += response.status_code != 200
        served += [float(d) for d in DUR.findall(response.headers.get("server-timing", ""))[:1]]
    trips.sort()
    served.sort()
    result = {f"p{p}": percentile(trips, p) for p in (50, 95, 99)} | {"max": trips[-1]}
    server_p95 = percentile(served, 95) if served else None
    kb = len(first.content) / 1024
    return result | {"status": 200, "server_p95": server_p95, "failures": failures, "kb": kb}


def measure(base: str, people: dict[str, Any], case_id: str, n: int) -> Rows:
    with httpx.Client(base_url=base, timeout=60) as client:
        sign_in(client, people["analyst"]["email"])
        pages = [
            ("queue: default tab (mine)", "/console/cases"),
            ("queue: all, by priority", "/console/cases?tab=all&sort=-priority"),
            ("queue: all, open + high", "/console/cases?tab=all&status=open&priority=high"),
            ("queue: all, search q=novak", "/console/cases?tab=all&q=novak"),
            ("queue: default tab, page 2", next_page(client, "/console/cases")),
            ("case page", f"/console/cases/{case_id}"),
        ]
        results = []
        for label, url in pages:
            log(f"timing {label}: {url}")
            timing = time_page(client, url, n) if url else {"status": "no next link"}
            results.append((label, url or "-", timing))
    return results


def report(rows: Rows, facts: dict[str, Any]) -> str:
    lines = [
        f"backend {facts['backend']}  cases {facts['cases']} (+ {facts['customers']} customers, "
        f"bulk insert {facts['seconds']} s)  requests {facts['requests']} per page, sequential, "
        f"after {WARMUP} warm-up",
        f"measured case: {facts['case']['tasks']} tasks, 10 comments, {facts['case']['matches']} "
        f"screening matches, {facts['case']['events']} audit events",
        f"{'page':<30}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'srv p95':>9}{'KiB':>7}"
        f"{'fail':>6}  target < {TARGET_MS:.0f} ms (p95)",
    ]
    for label, url, t in rows:
        if t["status"] != 200:
            lines.append(f"{label:<30}{'not yet: ' + str(t['status']):>40}  {url}")
            continue
        server = f"{t['server_p95']:.1f}" if t["server_p95"] is not None else "-"
        verdict = "PASS" if t["p95"] < TARGET_MS and not t["failures"] else "FAIL"
        lines.append(
            f"{label:<30}{t['p50']:>8.1f}{t['p95']:>8.1f}{t['p99']:>8.1f}{t['max']:>8.1f}"
            f"{server:>9}{t['kb']:>7.1f}{t['failures']:>6}  {verdict}"
        )
    lines.append("times in ms: client round trip on loopback; srv: Server-Timing header, if sent")
    return "\n".join(lines)


def run(args: argparse.Namespace, workdir: Path) -> str:
    env = {**os.environ, "CASEWORK_DATA_DIR": str(workdir), "CASEWORK_LOG_LEVEL": "WARNING"}
    env.pop("CASEWORK_DATABASE_URL", None)
    backend = postgres_database(args.pg_url) if args.postgres else nullcontext(None)
    with backend as url, ExitStack() as stack:
        if url:
            env["CASEWORK_DATABASE_URL"] = url
        subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
        watchlist = write_watchlist(workdir / "bench-list.json")
        cli(env, f"lists import --dataset bench-list --format ftm {watchlist}")
        base = stack.enter_context(server(env, free_port(), workdir))
        if url:
            worker = subprocess.Popen([*CASEWORK, "worker"], env=env, stdout=sys.stderr)
            stack.callback(worker.wait, 30)
            stack.callback(worker.terminate)  # callbacks run last first: terminate, then wait
        people = create_people(env)
        log("opening the measured case through the API")
        case = measured_case(base, people)
        log(f"bulk-filling the tenant to {args.cases} cases")
        database = Database(Settings(data_dir=workdir, database_url=url))
        stack.callback(database.dispose)
        filled = fill(database, people, args.cases)
        rows = measure(base, people, case["id"], args.requests)
    facts = {"backend": "postgresql" if url else "sqlite", "cases": args.cases, **filled}
    facts |= {"requests": args.requests, "case": case}
    return report(rows, facts)


def main() -> None:
    parser = argparse.ArgumentParser(description="Time the console's queue and case page.")
    parser.add_argument("--postgres", action="store_true", help="Use PostgreSQL.")
    parser.add_argument("--pg-url", default=PG_URL, help="Admin URL; a database is made beside it")
    parser.add_argument("--cases", type=int, default=100_000, help="Cases in the tenant.")
    parser.add_argument("--requests", type=int, default=200, help="Timed requests per page.")
    parser.add_argument("--data-dir", type=Path, help="Keep the data here (an empty directory).")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanup on terminate too
    if args.data_dir:
        print(run(args, args.data_dir))
        return
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        print(run(args, Path(tmp)))


if __name__ == "__main__":
    main()
