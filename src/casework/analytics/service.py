"""Case statistics, counted by the database rather than by loading cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from casework.analytics.schemas import CaseAnalytics
from casework.auth.principal import Principal
from casework.cases.state import FINISHED
from casework.errors import ValidationFailed
from casework.models import Case
from casework.models.enums import Module, Priority, ReviewStatus


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

    late = (Case.due_date < datetime.now(UTC)) & Case.review_status.not_in(FINISHED)
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
