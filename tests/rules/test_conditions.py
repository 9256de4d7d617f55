"""The condition language: what parses, and errors that name where the problem is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from casework.infra.errors import ValidationFailed
from casework.rules.conditions import AllOf, StructuringTest, VelocityTest, parse


def test_tests_and_combinations_parse():
    condition = parse(
        {
            "all": [
                {"test": "velocity", "window": "24h", "count_at_least": 5, "direction": "out"},
                {"any": [{"test": "amount", "at_least": "9999.99"}, {"test": "high_risk_country"}]},
            ]
        }
    )
    assert isinstance(condition, AllOf)
    velocity = condition.all[0]
    assert isinstance(velocity, VelocityTest) and velocity.window == timedelta(hours=24)
    structuring = parse(
        {"test": "structuring", "threshold": 10000, "window": "P3D", "count_at_least": 3}
    )
    assert isinstance(structuring, StructuringTest)
    assert structuring.threshold == Decimal("10000") and structuring.below_by == Decimal("0.1")
    assert structuring.window == timedelta(days=3)


@pytest.mark.parametrize(
    ("data", "field", "says"),
    [
        ([1], "condition", "must be an object"),
        ({}, "condition", "needs 'test'"),
        ({"test": "nope"}, "condition.test", "unknown test"),
        ({"all": []}, "condition.all", "non-empty list"),
        ({"all": [{"test": "amount", "at_least": "1"}, 3]}, "condition.all[1]", "object"),
        (
            {"all": [{"test": "amount", "at_least": "1"}, {"test": "velocity", "window": "3x"}]},
            "condition.all[1].window",
            "duration",
        ),
        (
            {"any": [{"test": "velocity", "count_at_least": 2}]},
            "condition.any[0].window",
            "required",
        ),
        ({"test": "velocity", "window": "1d"}, "condition", "count_at_least, sum_at_least"),
        ({"test": "amount", "at_least": "-5"}, "condition.at_least", "zero or more"),
        ({"test": "amount", "at_least": "NaN"}, "condition.at_least", "finite"),
        ({"test": "amount", "at_least": "ten"}, "condition.at_least", "decimal amount"),
        ({"test": "amount", "at_least": True}, "condition.at_least", "decimal amount"),
        ({"test": "amount", "at_least": "1", "extra": 1}, "condition.extra", "not permitted"),
        ({"test": "velocity", "window": "0h", "count_at_least": 1}, "condition.window", "zero"),
        ({"test": "velocity", "window": "401d", "count_at_least": 1}, "condition.window", "400"),
        (
            {
                "test": "structuring",
                "threshold": "1",
                "window": "1d",
                "count_at_least": 3,
                "below_by": "1.5",
            },
            "condition.below_by",
            "less than or equal",
        ),
        ({"test": "amount", "at_least": "1", "direction": "sideways"}, "condition.direction", ""),
    ],
)
def test_bad_conditions_name_the_place(data: Any, field: str, says: str):
    with pytest.raises(ValidationFailed) as raised:
        parse(data)
    (error,) = raised.value.errors
    assert error.field == field
    assert says in error.message


def test_nesting_is_bounded():
    data: dict[str, Any] = {"test": "amount", "at_least": "1"}
    for _ in range(7):
        data = {"all": [data]}
    with pytest.raises(ValidationFailed, match="deeper"):
        parse(data)


def test_a_condition_holds_at_most_fifty_tests():
    test = {"test": "amount", "at_least": "1"}
    assert parse({"all": [{"any": [test] * 10}] * 5}) is not None
    with pytest.raises(ValidationFailed) as raised:
        parse({"all": [{"any": [test] * 20}] * 3})
    assert [(e.field, e.message) for e in raised.value.errors] == [
        ("condition", "has 60 tests; at most 50")
    ]
