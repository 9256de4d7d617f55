"""Case statistics, counted by the database rather than by loading cases (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from casework.analytics.schemas import CaseAnalytics
from casework.auth.principal import Principal
from casework.cases.state import FINISHED, WORKING
from casework.infra.errors import ValidationFailed
from casework.models import Case, User
from casework.models.enums import CreatedByType, Module, Priority, ReviewStatus


class _HoursBetween(FunctionElement[float]):
    """Hours from the first timestamp to the second (for ordering, not for exact values)."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


def _bounds(element: _HoursBetween, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return start, end


@compiles(_HoursBetween, "postgresql")
def _hours_postgresql(element: _HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _bounds(element, compiler, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) / 3600 AS DOUBLE PRECISION)"


@compiles(_HoursBetween, "sqlite")
def _hours_sqlite(element: _HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = _bounds(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


def _median_hours(session: Session, scope: list[ColumnElement[bool]]) -> float | None:
    """The middle one or two resolved cases by duration, found by ORDER BY and OFFSET."""
    resolved = [*scope, Case.resolved_at.is_not(None)]
    count = session.scalar(select(func.count()).select_from(Case).where(*resolved)) or 0
    if count == 0:
        return None
    duration = _HoursBetween(Case.created_at, Case.resolved_at)
    middle = session.execute(
        select(Case.created_at, Case.resolved_at)
        .where(*resolved)
        .order_by(duration, Case.id)
        .offset((count - 1) // 2)
        .limit(2 - count % 2)
    ).all()
    hours = [
        (resolved_at - created_at).total_seconds() / 3600
        for created_at, resolved_at in middle
        if resolved_at is not None
    ]
    return sum(hours) / len(hours) if hours else None


def _late(now: datetime) -> ColumnElement[bool]:
    """Past its due date and still being worked on."""
    return (Case.due_date < now) & Case.review_status.not_in(FINISHED)


def case_analytics(
    session: Session,
    *,
    actor: Principal,
    created_from: datetime | None,
    created_to: datetime | None,
) -> CaseAnalytics:
    if created_from is not None and created_to is not None and created_to < created_from:
        raise ValidationFailed.on("query.created_to", "must not be before created_from")
    scope: list[ColumnElement[bool]] = [Case.tenant_id == actor.tenant_id]
    if created_from is not None:
        scope.append(Case.created_at >= created_from)
    if created_to is not None:
        scope.append(Case.created_at < created_to)

    late = _late(datetime.now(UTC))
    is_custom = Case.custom_module.is_not(None)
    groups = session.execute(
        select(
            Case.review_status,
            Case.priority,
            Case.module,
            is_custom,
            func.count(),
            func.sum(case((late, 1), else_=0)),
        )
        .where(*scope)
        .group_by(Case.review_status, Case.priority, Case.module, is_custom)
    )

    by_review_status = dict.fromkeys((s.value for s in ReviewStatus), 0)
    by_priority = dict.fromkeys((p.name for p in Priority), 0)
    by_module = dict.fromkeys([*(m.value for m in Module), "custom", "none"], 0)
    total = overdue = 0
    for status, priority, module, custom, count, late_count in groups:
        total += count
        overdue += late_count or 0
        by_review_status[ReviewStatus(status).value] += count
        by_priority[Priority(priority).name] += count
        by_module[Module(module).value if module else "custom" if custom else "none"] += count

    return CaseAnalytics(
        total=total,
        by_review_status=by_review_status,
        by_priority=by_priority,
        by_module=by_module,
        overdue=overdue,
        median_time_to_resolve_hours=_median_hours(session, scope),
    )


# --- The console dashboard ------------------------------------------------------------------


class _UtcDay(FunctionElement[date]):
    """The UTC calendar day of a timestamp."""

    type = Date()
    name = "utc_day"
    inherit_cache = True


@compiles(_UtcDay, "postgresql")
def _utc_day_postgresql(element: _UtcDay, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(({stamp} AT TIME ZONE 'UTC') AS DATE)"


@compiles(_UtcDay, "sqlite")
def _utc_day_sqlite(element: _UtcDay, compiler: SQLCompiler, **kw: Any) -> str:
    (stamp,) = (compiler.process(c, **kw) for c in element.clauses)
    return f"date({stamp})"


def _as_date(value: date | str) -> date:
    # SQLite answers date() with ISO text, PostgreSQL with a date.
    return value if isinstance(value, date) else date.fromisoformat(value)


@dataclass(frozen=True)
class OpenCases:
    """The cases still being worked on: by priority and status, and how many are late."""

    total: int
    overdue: int
    by_priority: dict[str, int]
    by_status: dict[str, int]


def open_cases(session: Session, *, actor: Principal, now: datetime) -> OpenCases:
    rows = session.execute(
        select(
            Case.review_status,
            Case.priority,
            func.count(),
            func.sum(case((_late(now), 1), else_=0)),
        )
        .where(Case.tenant_id == actor.tenant_id, Case.review_status.in_(WORKING))
        .group_by(Case.review_status, Case.priority)
    )
    by_priority = dict.fromkeys((p.name for p in sorted(Priority, reverse=True)), 0)
    by_status = {s.value: 0 for s in ReviewStatus if s in WORKING}
    total = overdue = 0
    for status, priority, count, late_count in rows:
        total += count
        overdue += late_count or 0
        by_priority[Priority(priority).name] += count
        by_status[ReviewStatus(status).value] += count
    return OpenCases(total, overdue, by_priority, by_status)


def overdue_cases(session: Session, *, actor: Principal, now: datetime, limit: int) -> list[Case]:
    """The late cases that have waited longest past their due date first."""
    stmt = (
        select(Case)
        .options(joinedload(Case.assignee))
        .where(Case.tenant_id == actor.tenant_id, _late(now))
        .order_by(Case.due_date, Case.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class DailyCounts:
    """Cases created on each day of a window, split by how they were created."""

    days: list[date]
    by_provenance: dict[str, list[int]]


def created_per_day(session: Session, *, actor: Principal, today: date, days: int) -> DailyCounts:
    first = today - timedelta(days=days - 1)
    window = [first + timedelta(days=n) for n in range(days)]
    start = datetime.combine(first, time.min, tzinfo=UTC)
    day = _UtcDay(Case.created_at)
    rows = session.execute(
        select(day, Case.created_by_type, func.count())
        .where(Case.tenant_id == actor.tenant_id, Case.created_at >= start)
        .group_by(day, Case.created_by_type)
    )
    counts = {t.value: [0] * days for t in CreatedByType}
    for value, created_by, count in rows:
        offset = (_as_date(value) - first).days
        if 0 <= offset < days:
            counts[CreatedByType(created_by).value][offset] += count
    return DailyCounts(window, counts)


def median_hours_to_resolve(session: Session, *, actor: Principal, since: datetime) -> float | None:
    """Median time from creation to resolution of the cases resolved since ``since``."""
    scope = [Case.tenant_id == actor.tenant_id, Case.resolved_at >= since]
    return _median_hours(session, scope)


@dataclass(frozen=True)
class Workload:
    """Open cases of one assignee (``user_id`` None: nobody)."""

    user_id: str | None
    name: str
    open_cases: int


def workload(session: Session, *, actor: Principal) -> list[Workload]:
    count = func.count()
    rows = session.execute(
        select(Case.assignee_id, User.first_name, User.last_name, count)
        .outerjoin(User, User.id == Case.assignee_id)
        .where(Case.tenant_id == actor.tenant_id, Case.review_status.in_(WORKING))
        .group_by(Case.assignee_id, User.first_name, User.last_name)
        .order_by(count.desc(), User.first_name, User.last_name)
    )
    return [
        Workload(user_id, f"{first} {last}".strip() if user_id else "Unassigned", n)
        for user_id, first, last, n in rows
    ]
