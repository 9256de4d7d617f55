"""The rule condition language: JSON, validated with the path of any error.

A condition is one test, or ``{"all": [...]}`` / ``{"any": [...]}`` of conditions.
Amounts are decimal strings (or numbers) in the tenant's default currency; windows are
durations such as ``"90m"``, ``"24h"``, ``"7d"`` or ISO 8601 (``"P7D"``, ``"PT36H"``).
Every test may narrow the transactions it looks at with ``direction`` (``in``/``out``),
``types`` and ``channels``.

    {"test": "amount", "at_least": "10000"}
    {"test": "velocity", "window": "24h", "count_at_least": 5}
    {"test": "velocity", "window": "7d", "sum_at_least": "50000", "direction": "out"}
    {"test": "structuring", "threshold": "10000", "below_by": "0.1", "window": "72h",
     "count_at_least": 3}
    {"test": "high_risk_country"}
    {"test": "round_amount", "multiple_of": "1000", "at_least": "5000"}
    {"test": "pass_through", "window": "48h", "ratio": "0.9", "in_at_least": "10000"}
    {"test": "dormant_reactivation", "inactive_days": 180, "at_least": "1000"}
    {"test": "new_counterparty", "at_least": "5000"}
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from casework.infra.errors import ValidationFailed
from casework.infra.strict import StrictModel

_SHORT = re.compile(r"^(\d+)(m|h|d)$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$")
MAX_WINDOW = timedelta(days=400)
MAX_DEPTH = 5
MAX_TESTS = 50


def _window(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a duration such as '24h', '7d' or 'P7D'")
    text = value.strip()
    if short := _SHORT.match(text):
        n, unit = int(short.group(1)), short.group(2)
        window = {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    elif (iso := _ISO.match(text)) and text not in ("P", "PT") and not text.endswith("T"):
        weeks, days, hours, minutes = (int(g) if g else 0 for g in iso.groups())
        window = timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)
    else:
        raise ValueError("must be a duration such as '24h', '7d' or 'P7D'")
    if not timedelta(0) < window <= MAX_WINDOW:
        raise ValueError("must be longer than zero and at most 400 days")
    return window


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise ValueError("must be a decimal amount such as '10000' or '9999.99'")
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError as exc:
        raise ValueError("must be a decimal amount such as '10000' or '9999.99'") from exc
    if not amount.is_finite() or amount < 0:
        raise ValueError("must be a finite amount, zero or more")
    return amount


Window = Annotated[timedelta, BeforeValidator(_window)]
Amount = Annotated[Decimal, BeforeValidator(_amount)]
Fraction = Annotated[Decimal, BeforeValidator(_amount), Field(gt=0, le=1)]


class _Test(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    direction: Literal["in", "out"] | None = None
    types: tuple[str, ...] | None = Field(default=None, min_length=1, max_length=50)
    channels: tuple[str, ...] | None = Field(default=None, min_length=1, max_length=50)


class AmountTest(_Test):
    test: Literal["amount"]
    at_least: Amount


class VelocityTest(_Test):
    """Per customer, over the window ending at the transaction (included)."""

    test: Literal["velocity"]
    window: Window
    count_at_least: int | None = Field(default=None, ge=1, le=1_000_000)
    sum_at_least: Amount | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> VelocityTest:
        if self.count_at_least is None and self.sum_at_least is None:
            raise ValueError("needs count_at_least, sum_at_least or both")
        return self


class StructuringTest(_Test):
    """Several transactions just under a threshold (by at most ``below_by`` of it)."""

    test: Literal["structuring"]
    threshold: Amount
    below_by: Fraction = Decimal("0.1")
    window: Window
    count_at_least: int = Field(ge=2, le=10_000)


class HighRiskCountryTest(_Test):
    """The counterparty's country is high risk in the tenant's country-risk table."""

    test: Literal["high_risk_country"]
    at_least: Amount = Decimal(0)


class RoundAmountTest(_Test):
    test: Literal["round_amount"]
    multiple_of: Annotated[Decimal, BeforeValidator(_amount), Field(gt=0)]
    at_least: Amount = Decimal(0)


class PassThroughTest(_Test):
    """Money out soon after money in: outgoing within the window reaches ``ratio`` of
    the incoming, which is at least ``in_at_least``."""

    test: Literal["pass_through"]
    window: Window
    ratio: Fraction = Decimal("0.9")
    in_at_least: Amount


class DormantReactivationTest(_Test):
    test: Literal["dormant_reactivation"]
    inactive_days: int = Field(ge=1, le=3650)
    at_least: Amount = Decimal(0)


class NewCounterpartyTest(_Test):
    """The first transaction with this counterparty (by account, else name)."""

    test: Literal["new_counterparty"]
    at_least: Amount


Test = Annotated[
    AmountTest
    | VelocityTest
    | StructuringTest
    | HighRiskCountryTest
    | RoundAmountTest
    | PassThroughTest
    | DormantReactivationTest
    | NewCounterpartyTest,
    Field(discriminator="test"),
]


class AllOf(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    all: tuple[Condition, ...] = Field(min_length=1, max_length=20)


class AnyOf(StrictModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    any: tuple[Condition, ...] = Field(min_length=1, max_length=20)


Condition = Test | AllOf | AnyOf
AllOf.model_rebuild()
AnyOf.model_rebuild()
_CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)


def parse(data: Any, *, field: str = "condition") -> Condition:
    """The condition, or ValidationFailed naming the path of the first problem, e.g.
    ``condition.all[1].window``."""
    _check_shape(data, field, 0)
    if (count := _count_tests(data)) > MAX_TESTS:
        raise ValidationFailed.on(field, f"has {count} tests; at most {MAX_TESTS}")
    try:
        return _CONDITION.validate_python(data)
    except ValidationError as exc:
        errors = exc.errors()
        # A union reports every branch; the branch the data chose says what is wrong.
        error = _best(data, errors)
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ValidationFailed.on(_path(field, error["loc"], data), message) from exc


def _count_tests(data: Any) -> int:
    """Tests in an already shape-checked condition (every transaction runs them all)."""
    if "all" in data or "any" in data:
        return sum(_count_tests(item) for item in data.get("all", data.get("any", [])))
    return 1


def _check_shape(data: Any, path: str, depth: int) -> None:
    """Say plainly what a condition must look like before the union's many errors."""
    if not isinstance(data, dict):
        raise ValidationFailed.on(path, "must be an object: a test, or all/any of tests")
    if depth > MAX_DEPTH:
        raise ValidationFailed.on(path, f"nests deeper than {MAX_DEPTH} levels")
    keys = set(data)
    if keys in ({"all"}, {"any"}):
        (key,) = keys
        items = data[key]
        if not isinstance(items, list) or not items:
            raise ValidationFailed.on(f"{path}.{key}", "must be a non-empty list of conditions")
        for i, item in enumerate(items):
            _check_shape(item, f"{path}.{key}[{i}]", depth + 1)
        return
    if "test" not in data:
        raise ValidationFailed.on(path, "needs 'test', or is 'all'/'any' of conditions")
    known = {"amount", "velocity", "structuring", "high_risk_country", "round_amount"} | {
        "pass_through",
        "dormant_reactivation",
        "new_counterparty",
    }
    if data["test"] not in known:
        raise ValidationFailed.on(
            f"{path}.test", f"unknown test; one of: {', '.join(sorted(known))}"
        )


def _best(data: Any, errors: list[Any]) -> Any:
    tagged = [e for e in errors if _tag(data) in _names(e["loc"])]
    return (tagged or errors)[0]


def _tag(data: Any) -> str:
    if isinstance(data, dict):
        if "test" in data:
            return str(data["test"])
        if "all" in data:
            return "AllOf"
        if "any" in data:
            return "AnyOf"
    return ""


def _names(loc: tuple[Any, ...]) -> set[str]:
    return {str(part) for part in loc}


def _path(field: str, loc: tuple[Any, ...], data: Any) -> str:
    """A pydantic location as a path into the data: list positions and the keys found
    along the way (union branch names are not in the data, so they drop out), plus a
    missing key when the location ends with one."""
    path, node = field, data
    for i, part in enumerate(loc):
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            path, node = f"{path}[{part}]", node[part]
        elif isinstance(node, dict) and part in node:
            path, node = f"{path}.{part}", node[part]
        elif (
            i == len(loc) - 1
            and isinstance(part, str)
            and part.isidentifier()
            and not (isinstance(node, dict) and node.get("test") == part)
        ):
            path += f".{part}"
    return path
