"""The review state machine (see DESIGN.md, "Case state")."""

from __future__ import annotations

from casework.models.enums import ReviewStatus as S

WORKING = frozenset({S.open, S.in_progress, S.awaiting_user, S.blocked})
FINISHED = frozenset({S.resolved, S.closed})

TRANSITIONS: dict[S, frozenset[S]] = {
    S.open: frozenset({S.in_progress, S.awaiting_user, S.blocked, S.resolved}),
    S.in_progress: frozenset({S.awaiting_user, S.blocked, S.resolved}),
    S.awaiting_user: frozenset({S.in_progress, S.blocked, S.resolved}),
    S.blocked: frozenset({S.in_progress, S.awaiting_user, S.resolved}),
    S.resolved: frozenset({S.closed}),
    S.closed: frozenset(),
}
# Reopening is its own action (POST /reopen), allowed from either finished state.
REOPEN_FROM = FINISHED
REOPEN_TO = S.in_progress


def allowed(current: S, target: S) -> bool:
    return target in TRANSITIONS[current]
