"""A running casework for the end-to-end benchmarks: a migrated database (a fresh SQLite
data directory, or a throwaway PostgreSQL database), ``casework serve``, the workers on
PostgreSQL, and a tenant with an admin's API key that subscribes a local receiver."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from pathlib import Path

import httpx

from api_cases import CASEWORK, cli, free_port, postgres_database, server


@contextmanager
def running(
    workdir: Path,
    *,
    pg_url: str | None,
    workers: int,
    worker_args: Sequence[str] = (),
    prepare: Callable[[dict[str, str]], None] | None = None,
) -> Iterator[tuple[dict[str, str], str]]:
    """The CLI's environment and the server's base URL; ``prepare(env)`` runs once the
    database is migrated, before the server starts (to import lists, say)."""
    env = {
        **os.environ,
        "CASEWORK_DATA_DIR": str(workdir),
        "CASEWORK_WEBHOOK_ALLOWED_HOSTS": json.dumps(["127.0.0.1"]),
        "CASEWORK_LOG_LEVEL": "WARNING",
    }
    env.pop("CASEWORK_DATABASE_URL", None)
    backend = postgres_database(pg_url) if pg_url else nullcontext(None)
    with backend as url, ExitStack() as stack:
        if url:
            env["CASEWORK_DATABASE_URL"] = url
        subprocess.run([*CASEWORK, "db", "upgrade"], env=env, check=True, stdout=sys.stderr)
        if prepare is not None:
            prepare(env)
        base = stack.enter_context(server(env, free_port(), workdir))
        if url:
            started = []
            for index in range(workers):
                out = stack.enter_context((workdir / f"worker{index}.log").open("w"))
                started.append(
                    subprocess.Popen(
                        [*CASEWORK, "worker", *worker_args], env=env, stdout=out, stderr=out
                    )
                )
            stack.callback(lambda: [w.terminate() or w.wait(30) for w in started])
        yield env, base


def subscribed_tenant(
    env: dict[str, str], base: str, *, name: str, hook_url: str, events: Sequence[str]
) -> str:
    """A new tenant whose admin's API key it returns, with ``hook_url`` subscribed to
    ``events``."""
    slug = f"bench-{random.randrange(16**6):06x}"
    cli(env, f"tenants create --slug {slug} --name '{name}'")
    email = f"admin@{slug}.test"
    cli(
        env,
        f"users create --tenant {slug} --email {email} --first-name A --last-name D --role admin",
    )
    key: str = cli(env, f"api-clients create --tenant {slug} --name bench --acting-user {email}")[
        "api_key"
    ]
    hook = httpx.post(
        f"{base}/v1/webhook-endpoints",
        json={"url": hook_url, "event_types": list(events)},
        headers={"Authorization": f"Bearer {key}"},
    )
    hook.raise_for_status()
    return key
