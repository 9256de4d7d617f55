"""A tenant whose rules a TRANSACTION_RISK check evaluates, for the tests of the check
through /v1 and the vendor dialects: one busy day of a customer, the rules it trips,
and the reasoning the check gives for them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.rules.pipeline import HOUR, Api, tx

LARGE = {"test": "amount", "at_least": "10000"}
BUSY = {"test": "velocity", "window": "24h", "count_at_least": 4}
HUGE = {"test": "amount", "at_least": "1000000"}


@dataclass
class BusyDay:
    """Three small payments in the hours before a large one (all stored, none linked)."""

    earlier: list[dict[str, Any]]
    large: dict[str, Any]
    large_id: str


def busy_day(api: Api, customer_id: str) -> BusyDay:
    earlier = [tx(customer_id, "120.00", at=-k * HOUR) for k in (3, 2, 1)]
    large = tx(customer_id, "15000.00")
    ids = api.post(*earlier, large)
    # Evaluated now, before the test's rules exist: nothing of this day is an alert.
    api.settle()
    return BusyDay(earlier, large, ids[-1])


@dataclass
class Rules:
    large: dict[str, Any]
    busy: dict[str, Any]
    huge: dict[str, Any]


def tripping_rules(api: Api) -> Rules:
    """An amount rule and a velocity rule the busy day trips, and one it does not; named
    so that they are evaluated in this order."""
    return Rules(
        large=api.rule(LARGE, title="Large transfer", name="a-large"),
        busy=api.rule(BUSY, title="Busy day", name="b-busy"),
        huge=api.rule(HUGE, title="Very large transfer", name="c-huge"),
    )


def hit_lines(day: BusyDay, rules: Rules) -> list[str]:
    """What the check says of the busy day's large payment under ``rules``."""
    large = day.large["external_id"]
    earlier = ", ".join(t["external_id"] for t in day.earlier)
    return [
        f"Evaluated 3 enabled rule(s) over 1 linked transaction(s): {large}.",
        "Each transaction was seen against its customer's earlier transactions, as live "
        "monitoring sees it; 3 other transaction(s) were read as history.",
        f"Hit: Large transfer (rule {rules.large['name']}, revision 1) on {large}: "
        f"amount 15000.0000 ≥ 10000 (score 0.75); transactions {large}.",
        f"Hit: Busy day (rule {rules.busy['name']}, revision 1) on {large}: "
        f"4 transactions in 1 day, 0:00:00 (score 0.50); transactions {earlier}, {large}.",
        f"No hit: Very large transfer (rule {rules.huge['name']}, revision 1).",
        f"Risk 0.75: the highest hit score, Large transfer on {large}. A rule hit is a "
        "reason to look: a person reviews it.",
    ]


HIT_TITLE = "2 rule hit(s) from 2 rule(s): Large transfer, Busy day"
NO_TRANSACTIONS = (
    "no transactions are linked to the case, so no rule was evaluated: open the case on "
    "ingested transactions to check them"
)


def no_rules(linked: int) -> str:
    return (
        f"the tenant has no enabled transaction-monitoring rule, so the case's {linked} "
        "linked transaction(s) were not checked: enable a rule (/v1/rules) and rerun the check"
    )
