"""Schemathesis against a real ``casework serve`` on the database under test: examples,
coverage, fuzzing and stateful phases with every check, bounded in time. The run must
find nothing: no server error, no response outside the OpenAPI description (status,
content type, schema, headers), no invalid request accepted, no valid one refused.

The fuzzer invents webhook URLs, so the server and the fuzzer run in a network namespace
of their own with only the loopback interface up, wherever the machine allows it; and
the server never sends webhooks in any case (``CASEWORK_OUTBOUND_NETWORK=false``).

``CASEWORK_FUZZ_SECONDS`` sets the time budget, ``CASEWORK_FUZZ_SEED`` replays a run.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, select, text

from casework.config import Settings
from casework.infra.db import Database
from casework.migrations import upgrade
from casework.models import Role
from tests.conftest import new_database_url
from tests.factories import make_tenant_kit

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")
SECONDS = int(os.environ.get("CASEWORK_FUZZ_SECONDS", "90"))
# Beyond the budget: loading the schema, starting and stopping the server, the report.
GRACE_SECONDS = 300


# NUL, or a surrogate without its pair, as json.dumps escapes them.
_HOSTILE_TEXT = re.compile(
    r"\\u0000|\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f]"
)


def _not_a_finding(check: str, message: str, case: dict[str, Any]) -> str | None:
    """Why a reported failure says nothing about casework, or None."""
    if (
        check == "negative_data_rejection"
        and "Missing required property: body" in message
        and case.get("body") is not None
    ):
        # The coverage phase meant to leave the body out but sent a complete one.
        return "the request sent was the valid one"
    if check == "negative_data_rejection" and str(case.get("media_type", "")).startswith(
        "multipart/"
    ):
        # A form carries only text and files: a boolean or a list the fuzzer put in a
        # field arrives as text or as nothing, which the form may well accept.
        return "a multipart form cannot carry the JSON type the fuzzer chose"
    if check == "positive_data_acceptance" and _HOSTILE_TEXT.search(json.dumps(case)):
        # Unpaired surrogates are not Unicode text, and the guard refuses them; no pattern
        # a validator compiles can say so. (NUL, which the patterns do leave out, is
        # also recognised here, for phases that fill text without reading patterns.)
        return "the request holds text the description says is refused"
    if check == "positive_data_acceptance" and _integral_float(case.get("body")):
        # JSON Schema counts 311.0 as an integer; the API takes integers only as integer
        # literals, so that a float is never silently truncated or taken as a count.
        return "an integer written as a float is refused on purpose"
    return None


def _integral_float(value: Any) -> bool:
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, dict):
        return any(_integral_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_integral_float(v) for v in value)
    return False


def _isolated_network() -> list[str] | None:
    """The command prefix that runs a process in a network namespace of its own with only
    the loopback interface up, or None where the machine does not allow it."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    prefix = ["unshare", "--net", "--", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    probe = subprocess.run(  # noqa: S603 (fixed arguments)
        [*prefix, "true"], capture_output=True, check=False, timeout=60
    )
    return prefix if probe.returncode == 0 else None


def _through_socket(url: str) -> str | None:
    """``url`` of a PostgreSQL database reached through the server's Unix socket (which
    a network namespace does not cut off), or None if it has none or refuses it."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            directories = str(conn.execute(text("SHOW unix_socket_directories")).scalar())
        directory = directories.split(",")[0].strip()
        if not directory:
            return None
        local = make_url(url).set(host=None, port=None).update_query_dict({"host": directory})
        rendered = local.render_as_string(hide_password=False)
        probe = create_engine(rendered)
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            probe.dispose()
        return rendered
    except Exception:  # any failure means: not through the socket
        return None
    finally:
        engine.dispose()


@contextmanager
def _install(data_dir: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh database with one tenant; its URL and the fuzzer's admin credentials."""
    with contextmanager(new_database_url)(data_dir) as url:
        database = Database(Settings(database_url=url, data_dir=data_dir))
        try:
            upgrade(database.engine)
            kit = make_tenant_kit(database)
            admin = kit.admin
            with database.transaction(write=False) as session:
                role_id = session.scalar(
                    select(Role.id).where(Role.tenant_id == kit.tenant_id, Role.slug == "admin")
                )
        finally:
            database.dispose()
        yield (
            url,
            {
                "api_key": admin.api_key,
                "protected": ",".join([admin.user_id, admin.api_client_id, str(role_id)]),
            },
        )


def _failures(events: Path) -> tuple[list[str], list[str]]:
    """Every failing check of the run, one line each with what was sent and answered,
    and the failures that say nothing about casework, with the reason."""
    failing: set[str] = set()
    explained: set[str] = set()
    with events.open("r", encoding="utf-8") as lines:
        for line in lines:
            event = json.loads(line)
            if "NonFatalError" in event or "FatalError" in event:
                failing.add(f"error: {line[:2000]}")
                continue
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            for case_id, checks in (recorder.get("checks") or {}).items():
                case = (recorder["cases"].get(case_id) or {}).get("value") or {}
                for check in checks:
                    if check["status"] != "failure":
                        continue
                    failure = check["failure_info"]["failure"]
                    line = (
                        f"{failure['code']} {failure['title']}: {failure['operation']} "
                        f"{json.dumps({k: case.get(k) for k in _SHOWN})[:600]} "
                        f"-> {failure['message'][:300]}"
                    )
                    reason = _not_a_finding(check["name"], failure["message"], case)
                    if reason is None:
                        failing.add(line)
                    else:
                        explained.add(f"{failure['code']} {failure['operation']}: {reason}")
    return sorted(failing), sorted(explained)


_SHOWN = ("method", "path", "path_parameters", "query", "body")


def test_the_fuzzer_finds_nothing(tmp_path: Path, backend: str) -> None:
    network = _isolated_network()
    with _install(tmp_path) as (url, credentials):
        if network is not None and backend == "postgresql":
            local = _through_socket(url)
            network = network if local is not None else None
            url = local or url
        env = {
            **os.environ,
            "CASEWORK_DATABASE_URL": url,
            "CASEWORK_DATA_DIR": str(tmp_path),
            "CASEWORK_JOB_RUNNER": "embedded",
            "CASEWORK_OUTBOUND_NETWORK": "false",
            # The fuzzer tries wrong credentials on purpose from one address; the limit on
            # failed authentications would otherwise answer every later request with 429.
            "CASEWORK_AUTH_FAILURES_PER_ADDRESS": "1000000",
            "CASEWORK_LOG_LEVEL": "WARNING",
            "CASEWORK_FUZZ_PROTECTED": credentials["protected"],
            "SCHEMATHESIS_HOOKS": "tests.fuzz.hooks",
            "PYTHONPATH": str(ROOT),
        }
        reports = tmp_path / "report"
        st_args = [
            "--config-file",
            str(CONFIG),
            "run",
            "{openapi}",
            "--header",
            f"Authorization: Bearer {credentials['api_key']}",
            "--checks",
            "all",
            "--max-time",
            str(SECONDS),
            "--report",
            "json,ndjson",
            "--report-dir",
            str(reports),
            "--request-timeout",
            "30",
            "--generation-database",
            "none",
            "--no-color",
        ]
        if seed := os.environ.get("CASEWORK_FUZZ_SEED"):
            st_args += ["--seed", seed]
        command = [
            *(network or []),
            sys.executable,
            "-m",
            "tests.fuzz.session",
            str(tmp_path / "serve.log"),
            "--",
            *st_args,
        ]
        output = tmp_path / "schemathesis.txt"
        with output.open("wb") as out:
            session = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                code = session.wait(timeout=SECONDS + GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(session.pid, signal.SIGKILL)
                session.wait()
                pytest.fail(f"the fuzzing session outlived its budget; see {output}")
    text_out = output.read_text("utf-8", errors="replace")
    found = sorted(reports.glob("json-*.json"))
    events = sorted(reports.glob("ndjson-*.ndjson"))
    assert found and events, f"schemathesis wrote no report (exit {code}):\n{text_out[-5000:]}"
    report = json.loads(found[-1].read_text("utf-8"))
    failing, explained = _failures(events[-1])
    print(  # the figures a reader of `pytest -s` wants
        f"fuzzed {report['operations']['tested']} operations with "
        f"{report['test_cases']['generated']} test cases in {report['running_time']:.0f}s "
        f"(seed {report['seed']}, network {'isolated' if network else 'shared'})",
        *(f"not a finding: {line}" for line in explained),
        sep="\n",
    )
    assert not failing, "\n".join(failing[:50]) + f"\n\n{text_out[-10000:]}"
    # Schemathesis fails the run on the failures explained above as well.
    assert code == 0 or explained, f"schemathesis exited with {code}:\n{text_out[-5000:]}"
