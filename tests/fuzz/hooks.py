"""Schemathesis hooks of the fuzzing run (``SCHEMATHESIS_HOOKS=tests.fuzz.hooks``).

- The fuzzer works as a tenant admin, and an admin may revoke its own API client, switch
  off its own user or strip its own role; after that every request would be refused and
  the rest of the run would test nothing. Requests that would change those three objects
  are pointed at an id that names nothing instead.
- A request meant to be valid is sent as a client would send it: with an Idempotency-Key
  of its own (a generated key is often one used before with another body, which is
  refused by design) and without a made-up page cursor (a cursor only comes from the
  list it pages). Requests meant to be invalid keep whatever was generated.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import schemathesis

PROTECTED = frozenset(filter(None, os.environ.get("CASEWORK_FUZZ_PROTECTED", "").split(",")))
NOTHING = "f" * 24
READS = frozenset({"GET", "HEAD", "OPTIONS"})


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    _spare_the_fuzzer(case)
    if case.meta is not None and case.meta.generation.mode.is_positive:
        _as_a_client_would(case)


def _spare_the_fuzzer(case: Any) -> None:
    if case.method.upper() in READS or not case.path_parameters:
        return
    if PROTECTED.intersection(str(v) for v in case.path_parameters.values()):
        case.path_parameters = {
            k: NOTHING if str(v) in PROTECTED else v for k, v in case.path_parameters.items()
        }


def _as_a_client_would(case: Any) -> None:
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key":
            case.headers[name] = uuid.uuid4().hex
    if case.query and "cursor" in case.query:
        case.query = {k: v for k, v in case.query.items() if k != "cursor"}
