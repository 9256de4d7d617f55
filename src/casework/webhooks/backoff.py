"""When to try a failed webhook delivery again.

Exponential steps with full jitter: the wait before retry ``n`` is drawn uniformly
between nothing and the ``n``-th step, so receivers recovering from an outage are not
hit by every queued delivery at the same instant. Retries continue until the retry
window (three days from the cycle's first attempt) has passed; the attempt that fails
after that settles the delivery as failed.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

STEPS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
RETRY_WINDOW = timedelta(days=3)
# Full jitter can draw (almost) zero; a retry in the same second helps nobody.
MIN_DELAY = timedelta(seconds=1)

_system_random = random.SystemRandom()


def delay(attempt: int, rng: random.Random | None = None) -> timedelta:
    """The wait after failed attempt number ``attempt`` (1 for the first)."""
    step = STEPS[min(max(attempt, 1), len(STEPS)) - 1]
    drawn = timedelta(seconds=(rng or _system_random).uniform(0, step.total_seconds()))
    return max(drawn, MIN_DELAY)


def next_attempt_at(
    *,
    attempt: int,
    first_attempt_at: datetime,
    now: datetime,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to retry after failed attempt ``attempt`` made at ``now``; None to give up."""
    if now - first_attempt_at >= RETRY_WINDOW:
        return None
    return now + delay(attempt, rng)
