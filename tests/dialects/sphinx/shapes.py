"""The documented response of the Sphinx API reference, and a structural comparison.

START_EXAMPLE is the example response of ``POST /api/cases/{id}/start/``, whose shape is
the case's read shape. The current ``POST /api/cases/`` page lists three more fields
(``note``, ``is_complete``, ``failed``) and no example; CURRENT_FIELDS has them.
"""

from __future__ import annotations

from typing import Any

UNKNOWN = "<unknown>"  # the reference's placeholder for a value of any JSON type

START_EXAMPLE: dict[str, Any] = {
    "id": 123,
    "customer": {
        "id": 123,
        "full_name": "<string>",
        "external_id": "<string>",
        "customer_type": "INDIVIDUAL",
    },
    "notes": "<string>",
    "risk_score": 123,
    "outcome": "ACCEPTED",
    "status": "PENDING",
    "created_at": "2023-11-07T05:31:56Z",
    "updated_at": "2023-11-07T05:31:56Z",
    "checks": [
        {
            "id": 123,
            "risk_score": 123,
            "title": "<string>",
            "note": "<string>",
            "reasoning": "<string>",
            "outcome": "ACCEPTED",
            "status": "PENDING",
            "created_at": "2023-11-07T05:31:56Z",
            "updated_at": "2023-11-07T05:31:56Z",
            "input_details": UNKNOWN,
            "check_type": "PEP",
            "delete_after": -1,
        }
    ],
    "webhook_url": "<string>",
    "delete_after": -1,
    "rfi": "<string>",
}

CURRENT_FIELDS: dict[str, Any] = {"note": "<string>", "is_complete": True, "failed": False}

# Where the reference says "| null".
NULLABLE = frozenset({"notes", "note", "risk_score", "outcome", "webhook_url", "rfi"})
# A check's findings exist once it has run.
CHECK_RESULTS = frozenset(
    {
        "checks[].risk_score",
        "checks[].title",
        "checks[].note",
        "checks[].reasoning",
        "checks[].outcome",
    }
)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"  # the reference writes 123 for a number<double>
    return type(value).__name__


def assert_same_shape(
    actual: Any, documented: Any, *, nullable: frozenset[str] = NULLABLE, path: str = ""
) -> None:
    """Same keys, nesting and JSON types; lists by their first element; null only where
    ``nullable`` (paths like ``checks[].title``) allows it."""
    where = path or "the body"
    if documented == UNKNOWN:
        return
    if actual is None:
        assert path in nullable, f"{where} is null, which the reference does not allow"
        return
    assert _kind(actual) == _kind(documented), (
        f"{where}: {_kind(actual)} where the reference has {_kind(documented)}"
    )
    if isinstance(documented, dict):
        assert set(actual) == set(documented), (
            f"{where}: keys {sorted(set(actual) ^ set(documented))} differ"
        )
        for key, value in documented.items():
            inner = f"{path}.{key}" if path else key
            assert_same_shape(actual[key], value, nullable=nullable, path=inner)
    elif isinstance(documented, list) and documented and actual:
        assert_same_shape(actual[0], documented[0], nullable=nullable, path=f"{path}[]")


def assert_case_shape(body: Any, *, checks_ran: bool = True) -> None:
    """The case read shape: the start example plus the current page's extra fields."""
    nullable = NULLABLE if checks_ran else NULLABLE | CHECK_RESULTS
    assert_same_shape(body, START_EXAMPLE | CURRENT_FIELDS, nullable=nullable)
