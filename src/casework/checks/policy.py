"""From risk scores to outcomes: a config's policy, and the roll-up of a case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.models.enums import Outcome, ProcessingStatus

DEFAULT_ACCEPT_BELOW = 0.3
DEFAULT_REJECT_FROM = 0.85


@dataclass(frozen=True)
class OutcomePolicy:
    """Risk below ``accept_below`` is ACCEPTED, from ``reject_from`` REJECTED, else PENDING."""

    accept_below: float = DEFAULT_ACCEPT_BELOW
    reject_from: float = DEFAULT_REJECT_FROM

    @classmethod
    def of(cls, stored: dict[str, Any] | None) -> OutcomePolicy:
        stored = stored or {}
        return cls(
            accept_below=float(stored.get("accept_below", DEFAULT_ACCEPT_BELOW)),
            reject_from=float(stored.get("reject_from", DEFAULT_REJECT_FROM)),
        )

    def outcome(self, risk: float) -> Outcome:
        if risk >= self.reject_from:
            return Outcome.rejected
        if risk < self.accept_below:
            return Outcome.accepted
        return Outcome.pending


@dataclass(frozen=True)
class PartResult:
    """What the roll-up needs of one check or child case."""

    status: ProcessingStatus
    risk_score: float | None
    outcome: Outcome | None


@dataclass(frozen=True)
class Rollup:
    status: ProcessingStatus
    risk_score: float | None
    outcome: Outcome | None


def roll_up(parts: list[PartResult], policy: OutcomePolicy) -> Rollup:
    """A case's processing status, risk and outcome from its checks and child cases.

    Risk is the highest of the parts. A rejected part rejects the case; a part that
    needs a human keeps the case PENDING even when the policy alone would accept or
    reject it, so an unreviewed possible match never decides a case by itself.
    """
    if not parts:
        return Rollup(ProcessingStatus.completed, None, None)
    statuses = {p.status for p in parts}
    if ProcessingStatus.error in statuses:
        status = ProcessingStatus.error
    elif statuses == {ProcessingStatus.completed}:
        status = ProcessingStatus.completed
    elif statuses == {ProcessingStatus.pending}:
        status = ProcessingStatus.pending
    else:
        status = ProcessingStatus.processing
    scores = [p.risk_score for p in parts if p.risk_score is not None]
    risk = max(scores) if scores else None
    if status is not ProcessingStatus.completed:
        return Rollup(status, risk, None)
    outcomes = {p.outcome for p in parts}
    if Outcome.rejected in outcomes:
        outcome = Outcome.rejected
    elif Outcome.pending in outcomes:
        outcome = Outcome.pending
    else:
        outcome = policy.outcome(risk or 0.0)
    return Rollup(status, risk, outcome)
