"""The demo's cases: five weeks of casework, replayed at load in a few seconds.

Each step runs at its own past time (``clock_at``) through the services that a
request would call: cases are opened by an officer or by the API client, their checks
run through the real runners against the fictional list, analysts decide matches,
comment, escalate and resolve. Rows, audit events and dashboard figures therefore
agree on when everything happened. Steps run in time order, one transaction each.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.infra.jobs import JobContext
from casework.models.base import clock_at, utcnow
from casework.models.enums import MatchDecision, Resolution, ReviewStatus

log = logging.getLogger(__name__)

# (session, who acts, the case's id)
Step = Callable[[Session, "Cast", str], None]


@dataclass(frozen=True)
class Cast:
    """Who acts in the demo: each team member by key, and "api" for the API client."""

    tenant_id: str
    actors: dict[str, Principal]

    def user_id(self, key: str) -> str:
        user_id = self.actors[key].user_id
        assert user_id is not None
        return user_id


@dataclass(frozen=True)
class Story:
    """One case: when and by whom it is opened, its body, and what happens to it after."""

    opened: datetime
    by: str
    body: dict[str, Any]
    assignee: str | None = None
    steps: list[tuple[timedelta, Step]] = field(default_factory=list)


def moment(now: datetime, days_ago: int, clock: str) -> datetime:
    """``clock`` (HH:MM, UTC) on the day ``days_ago`` days before ``now``."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(now.date() - timedelta(days=days_ago), time(hours, minutes), UTC)


def replay(
    database: Database,
    cast: Cast,
    stories: list[Story],
    events: Sequence[tuple[datetime, Callable[[Session], None]]] = (),
) -> int:
    """Open every story's case and play its steps, and the other ``events``, all in time
    order, each in a transaction of its own; returns the number of cases."""
    jobs = JobContext(database=database, settings=database.settings)
    case_ids: dict[int, str] = {}

    def opening(index: int) -> Callable[[], None]:
        def run() -> None:
            case_ids[index] = _open(database, jobs, cast, stories[index])

        return run

    def acting(index: int, step: Step) -> Callable[[], None]:
        def run() -> None:
            with database.transaction() as session:
                step(session, cast, case_ids[index])

        return run

    def happening(event: Callable[[Session], None]) -> Callable[[], None]:
        def run() -> None:
            with database.transaction() as session:
                event(session)

        return run

    timeline: list[tuple[datetime, Callable[[], None]]] = []
    for index, story in enumerate(stories):
        timeline.append((story.opened, opening(index)))
        timeline += [(story.opened + after, acting(index, step)) for after, step in story.steps]
    timeline += [(when, happening(event)) for when, event in events]
    for when, action in sorted(timeline, key=lambda item: item[0]):  # stable for equal times
        with clock_at(when):
            action()
    return len(stories)


def _open(database: Database, jobs: JobContext, cast: Cast, story: Story) -> str:
    """Create the case and run its checks at once, as the worker would have then.

    The checks are taken in the transaction that creates the case, with a lease that
    reaches past the real present, so no worker of this database can take them first.
    """
    from casework.cases import service
    from casework.cases.schemas import CaseCreate
    from casework.processing.claim import claim
    from casework.processing.tasks import run_claimed

    body = dict(story.body)
    if story.assignee:
        body["assignee_id"] = cast.user_id(story.assignee)
    set_back = datetime.now(UTC) - utcnow()
    lease = set_back + timedelta(seconds=database.settings.check_lease_seconds)
    with database.transaction() as session:
        case = service.create_case(
            session, actor=cast.actors[story.by], data=CaseCreate.model_validate(body)
        )
        session.flush()
        batches = claim(session, now=utcnow(), lease=lease, case_id=case.id, cases=1)
    if batches:
        run_claimed(jobs, batches)
    return case.id


# --- What people do on a case ----------------------------------------------------------------


def work(who: str, comment: str | None = None) -> Step:
    """``who`` takes the case (when nobody has it) and starts on it."""

    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.cases import parts, service

        actor = cast.actors[who]
        case = service.get_case(session, actor=actor, case_id=case_id)
        if case.assignee_id is None:
            service.assign(session, actor=actor, case_id=case_id, assignee_id=actor.user_id)
        service.transition(
            session, actor=actor, case_id=case_id, move=service.Move(to=ReviewStatus.in_progress)
        )
        if comment:
            parts.add_comment(session, actor=actor, case_id=case_id, body=comment)

    return step


def comment(who: str, body: str) -> Step:
    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.cases import parts

        parts.add_comment(session, actor=cast.actors[who], case_id=case_id, body=body)

    return step


def move(who: str, to: ReviewStatus, note: str | None = None) -> Step:
    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.cases import service

        service.transition(
            session, actor=cast.actors[who], case_id=case_id, move=service.Move(to=to, note=note)
        )

    return step


def escalate(who: str, to: str, note: str) -> Step:
    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.cases import service

        service.escalate(
            session,
            actor=cast.actors[who],
            case_id=case_id,
            to=cast.user_id(to),
            reassign=False,
            note=note,
        )

    return step


def decide(who: str, entity_key: str, decision: MatchDecision, note: str) -> Step:
    """``who`` decides the case's open matches on the listed entity ``entity_key``."""

    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.checks import service as checks

        actor = cast.actors[who]
        found = [
            (check.id, match.id)
            for check in checks.current_checks(session, tenant_id=actor.tenant_id, case_id=case_id)
            for match in check.matches
            if match.entity_key == entity_key and match.decision is MatchDecision.unreviewed
        ]
        if not found:  # the list or the engine changed: the case tells its own story
            log.warning("demo: no open match on %s in case %s", entity_key, case_id)
        for check_id, match_id in found:
            checks.decide_match(
                session,
                actor=actor,
                check_id=check_id,
                match_id=match_id,
                decision=decision,
                note=note,
            )

    return step


def resolve(who: str, resolution: Resolution, note: str) -> Step:
    """``who`` ticks the open checklist items and resolves the case."""

    def step(session: Session, cast: Cast, case_id: str) -> None:
        from casework.cases import checklist, service

        actor = cast.actors[who]
        case = service.get_case(session, actor=actor, case_id=case_id)
        for task in [t for t in case.tasks if not t.done]:
            checklist.update_checklist_item(
                session, actor=actor, case_id=case_id, task_id=task.id, done=True, text=None
            )
        move = service.Move(to=ReviewStatus.resolved, resolution=resolution, note=note)
        service.transition(session, actor=actor, case_id=case_id, move=move)

    return step
