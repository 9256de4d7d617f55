"""Benchmark webhook latency: from the commit of an event to its delivery.

    .venv/bin/python bench/webhook_latency.py [--postgres] [--workers N] [--cases N]
                                              [--interval S] [--json]

Starts ``casework serve`` on a fresh data directory (SQLite: jobs run inside the
server) or on a fresh PostgreSQL database with N ``casework worker`` processes, and a
webhook receiver on the loopback interface; registers an endpoint for case.created and
check.completed; then opens cases at a steady pace (four a second by default), each
with a JURISDICTION check (it reads no list), and waits for all their webhooks.

A latency runs from the moment the event was recorded in its transaction, read from
the payload (the case.created audit event's ``occurred_at``, the check's
``finished_at``), to the webhook's arrival: a little more than commit to delivery,
on the one clock of this machine. POST-to-arrival figures are shown alongside.
Target: p50 < 1 s for case.created on both backends. Progress on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from api_cases import log, run_and_print
from harness import running, subscribed_tenant

EVENTS = ("case.created", "check.completed")
WARMUP = 5


class Receiver:
    """Records when each event of each case arrives, and when it happened."""

    def __init__(self) -> None:
        # (event type, case id) -> (arrival, event time), both in seconds since the epoch
        self.arrived: dict[tuple[str, str], tuple[float, float]] = {}
        self.changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                now = time.time()
                event = json.loads(body)
                key, happened = _event_key(event)
                with receiver.changed:
                    receiver.arrived.setdefault(key, (now, happened))
                    receiver.changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, keys: list[tuple[str, str]], timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: all(k in self.arrived for k in keys), timeout)


def _event_key(event: dict[str, Any]) -> tuple[tuple[str, str], float]:
    data = event["data"]
    if event["type"] == "case.created":
        return (event["type"], data["case"]["id"]), _epoch(data["occurred_at"])
    return (event["type"], data["case_id"]), _epoch(data["finished_at"])


def _epoch(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _body(rng: random.Random) -> dict[str, Any]:
    return {
        "title": "Webhook latency",
        "customer": {
            "customer_type": "INDIVIDUAL",
            "full_name": f"Person {rng.randrange(10**6)}",
            "country": rng.choice(["DEU", "FRA", "GBR", "USA", "ESP"]),
        },
        "checks": [{"type": "JURISDICTION"}],
    }


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000, 1)


def measure(
    base: str, key: str, receiver: Receiver, n: int, interval: float, timeout: float
) -> dict[str, Any]:
    """Warm up one case at a time, then open ``n`` cases at a steady pace (not waiting
    for their webhooks, so that no case lines up with a periodic job), then wait for
    every webhook."""
    rng = random.Random(7)
    failures: list[str] = []
    posted: dict[str, float] = {}
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:

        def post() -> str | None:
            r = client.post("/v1/cases", json=_body(rng))
            if r.status_code != 201:
                failures.append(f"{r.status_code} {r.text[:300]}")
                return None
            return str(r.json()["id"])

        for _ in range(WARMUP):
            if (case_id := post()) is not None:
                receiver.wait([(event, case_id) for event in EVENTS], timeout)
        pace = threading.Event()  # never set: its wait is the pause between two cases
        for index in range(n):
            started = time.time()
            if (case_id := post()) is not None:
                posted[case_id] = started
            if (index + 1) % 20 == 0:
                log(f"{index + 1}/{n} cases opened")
            pace.wait(interval)
    keys = [(event, case_id) for case_id in posted for event in EVENTS]
    receiver.wait(keys, timeout)
    result: dict[str, Any] = {"failures": failures[:5]}
    for event in EVENTS:
        since_event, since_post = [], []
        for case_id, started in posted.items():
            got = receiver.arrived.get((event, case_id))
            if got is not None:
                since_event.append(got[0] - got[1])
                since_post.append(got[0] - started)
        result[event] = {
            "p50_ms": _percentile(since_event, 50),
            "p95_ms": _percentile(since_event, 95),
            "post_p50_ms": _percentile(since_post, 50),
            "post_p95_ms": _percentile(since_post, 95),
            "received": len(since_event),
            "missing": len(posted) - len(since_event),
        }
    return result


def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    receiver = Receiver()
    pg_url = args.pg_url if args.postgres else None
    with running(workdir, pg_url=pg_url, workers=args.workers) as (env, base):
        key = subscribed_tenant(
            env, base, name="Latency Bank", hook_url=receiver.url, events=EVENTS
        )
        log(f"{WARMUP} warm-up cases, then {args.cases}, one every {args.interval} s")
        result = measure(base, key, receiver, args.cases, args.interval, args.timeout)
    return {
        "backend": "postgresql" if args.postgres else "sqlite",
        "workers": args.workers if args.postgres else "in-process",
        "cases": args.cases,
        "interval": args.interval,
        **result,
    }


def report(r: dict[str, Any]) -> str:
    lines = [
        f"backend {r['backend']}  workers {r['workers']}  cases {r['cases']}, "
        f"one every {r['interval']} s"
    ]
    for event in EVENTS:
        s = r[event]
        lines.append(
            f"{event}: event -> delivery p50 {s['p50_ms']} ms  p95 {s['p95_ms']} ms  "
            f"(POST -> delivery p50 {s['post_p50_ms']} ms  p95 {s['post_p95_ms']} ms)  "
            f"received {s['received']}  missing {s['missing']}"
        )
    lines.append(f"failed requests: {len(r['failures'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark commit -> webhook delivery.")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=2, help="casework worker processes")
    parser.add_argument("--cases", type=int, default=100)
    parser.add_argument("--interval", type=float, default=0.25, help="seconds between cases")
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for the last webhooks"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    run_and_print(args, run, report)


if __name__ == "__main__":
    main()
