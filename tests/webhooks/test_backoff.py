"""The retry schedule: jittered exponential steps that keep trying for three days."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

from casework.webhooks import backoff

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def _schedule(seed: int) -> list[datetime]:
    """The attempt times of a delivery whose every attempt fails."""
    rng = random.Random(seed)
    times = [T0]
    while True:
        nxt = backoff.next_attempt_at(
            attempt=len(times), first_attempt_at=T0, now=times[-1], rng=rng
        )
        if nxt is None:
            return times
        times.append(nxt)


def test_schedule_keeps_trying_for_at_least_three_days():
    for seed in range(50):
        times = _schedule(seed)
        assert times[-1] - T0 >= timedelta(days=3)
        # ...and then stops, within one last step of the window
        assert times[-1] - T0 < timedelta(days=3) + backoff.STEPS[-1]


def test_schedule_is_deterministic_given_the_random_source():
    assert _schedule(7) == _schedule(7)
    assert _schedule(7) != _schedule(8)


def test_each_wait_stays_within_its_step():
    times = _schedule(3)
    waits = [b - a for a, b in itertools.pairwise(times)]
    for number, wait in enumerate(waits, start=1):
        step = backoff.STEPS[min(number, len(backoff.STEPS)) - 1]
        assert backoff.MIN_DELAY <= wait <= step


def test_first_retries_come_quickly_and_later_ones_slowly():
    rng = random.Random(1)
    assert backoff.delay(1, rng) <= timedelta(seconds=5)
    assert backoff.delay(2, rng) <= timedelta(minutes=5)
    assert max(backoff.delay(20, rng) for _ in range(100)) > timedelta(hours=5)


def test_after_the_window_there_is_no_next_attempt():
    late = T0 + timedelta(days=3)
    assert backoff.next_attempt_at(attempt=12, first_attempt_at=T0, now=late) is None
    assert backoff.next_attempt_at(
        attempt=12, first_attempt_at=T0, now=late - timedelta(1)
    ) > late - timedelta(1)
