"""Rule queries: rules and their revisions, alerts, pending evaluations, and the
transaction rows rules are evaluated on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, String, and_, exists, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import Alert, PendingEvaluation, Rule, RuleRevision, Transaction

# A transaction as the evaluator reads it.
EVALUATED_COLUMNS = (
    Transaction.id,
    Transaction.customer_id,
    Transaction.occurred_at,
    Transaction.amount_in_default_currency,
    # As stored ("in"/"out"): the evaluator compares strings, and building an enum per
    # row costs more than the rest of the row.
    type_coerce(Transaction.direction, String).label("direction"),
    Transaction.type,
    Transaction.channel,
    Transaction.counterparty_account,
    Transaction.counterparty_name,
    Transaction.counterparty_country,
)


def get(session: Session, *, tenant_id: str, rule_id: str) -> Rule:
    return base.get(session, Rule, rule_id, tenant_id=tenant_id, what="rule")


def name_taken(session: Session, *, tenant_id: str, name: str) -> bool:
    taken = select(Rule.id).where(Rule.tenant_id == tenant_id, Rule.name == name)
    return session.scalar(taken) is not None


def revision(session: Session, *, rule_id: str, number: int) -> RuleRevision | None:
    return session.scalar(
        select(RuleRevision).where(RuleRevision.rule_id == rule_id, RuleRevision.revision == number)
    )


def revisions(session: Session, *, rule_id: str) -> list[RuleRevision]:
    """The rule's revisions, newest first."""
    stmt = (
        select(RuleRevision)
        .where(RuleRevision.rule_id == rule_id)
        .order_by(RuleRevision.revision.desc())
    )
    return list(session.scalars(stmt))


def page(
    session: Session, *, tenant_id: str, enabled: bool | None, cursor: str | None, limit: int
) -> tuple[Sequence[Rule], str | None]:
    """The tenant's rules, by name."""
    stmt = select(Rule).where(Rule.tenant_id == tenant_id)
    if enabled is not None:
        stmt = stmt.where(Rule.enabled == enabled)
    key = SortKey(column=Rule.name, id_column=Rule.id, descending=False)
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda r: r.name
    )


def current_revisions(session: Session, rules: Sequence[Rule]) -> dict[str, RuleRevision]:
    """Each rule's current revision, by rule id."""
    if not rules:
        return {}
    stmt = (
        select(RuleRevision)
        .join(Rule, (Rule.id == RuleRevision.rule_id) & (Rule.revision == RuleRevision.revision))
        .where(Rule.id.in_([r.id for r in rules]))
    )
    return {rev.rule_id: rev for rev in session.scalars(stmt)}


def enabled_with_revisions(session: Session, *, tenant_id: str) -> list[tuple[Rule, RuleRevision]]:
    """The tenant's enabled rules with their current revisions, by name."""
    stmt = (
        select(Rule, RuleRevision)
        .join(
            RuleRevision,
            (RuleRevision.rule_id == Rule.id) & (RuleRevision.revision == Rule.revision),
        )
        .where(Rule.tenant_id == tenant_id, Rule.enabled.is_(True))
        .order_by(Rule.name)
    )
    return [(rule, rev) for rule, rev in session.execute(stmt)]


def any_enabled(session: Session, *, tenant_id: str) -> bool:
    enabled = exists().where(Rule.tenant_id == tenant_id, Rule.enabled.is_(True))
    return bool(session.scalar(select(enabled)))


def get_alert(session: Session, *, tenant_id: str, alert_id: str) -> Alert:
    return base.get(session, Alert, alert_id, tenant_id=tenant_id, what="alert")


def alert_page(
    session: Session,
    *,
    tenant_id: str,
    rule_id: str | None,
    customer_id: str | None,
    case_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Alert], str | None]:
    """The tenant's alerts, newest first."""
    stmt = select(Alert).where(Alert.tenant_id == tenant_id)
    if rule_id:
        stmt = stmt.where(Alert.rule_id == rule_id)
    if customer_id:
        stmt = stmt.where(Alert.customer_id == customer_id)
    if case_id:
        stmt = stmt.where(Alert.case_id == case_id)
    key = SortKey(column=None, id_column=Alert.id, descending=True)
    return base.keyset_page(session, stmt, key=key, cursor=cursor, limit=limit)


def alerts_of_case(
    session: Session, *, tenant_id: str, case_id: str, limit: int
) -> list[tuple[Alert, str]]:
    """The rule hits gathered into a case, newest first, each with the title of the
    revision that hit."""
    rows = session.execute(
        select(Alert, RuleRevision.title)
        .join(
            RuleRevision,
            and_(
                RuleRevision.rule_id == Alert.rule_id,
                RuleRevision.revision == Alert.rule_revision,
            ),
        )
        .where(Alert.tenant_id == tenant_id, Alert.case_id == case_id)
        .order_by(Alert.occurred_at.desc(), Alert.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]


def lock_pending(
    session: Session, pending_id: str, *, claim_id: str | None = None
) -> PendingEvaluation | None:
    """The pending evaluation, locked; with ``claim_id``, only while that claim holds it."""
    stmt = select(PendingEvaluation).where(PendingEvaluation.id == pending_id)
    if claim_id is not None:
        stmt = stmt.where(PendingEvaluation.claim_id == claim_id)
    return session.scalar(stmt.with_for_update())


def unevaluated(
    session: Session, *, now: datetime, unclaimed_after: timedelta, limit: int
) -> list[str]:
    """Pending evaluations whose worker's lease ran out, or that no worker took within
    ``unclaimed_after``: oldest first."""
    stmt = (
        select(PendingEvaluation.id)
        .where(
            or_(
                PendingEvaluation.lease_expires_at < now,
                (PendingEvaluation.lease_expires_at.is_(None))
                & (PendingEvaluation.created_at < now - unclaimed_after),
            )
        )
        .order_by(PendingEvaluation.created_at)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def transaction_heads(session: Session, ids: Sequence[str]) -> list[Row[*tuple[Any, ...]]]:
    """(id, customer id, occurred at, tenant id) of the transactions with these ids."""
    # By primary key alone: with the tenant in the WHERE clause SQLite would rather
    # walk the tenant's index.
    stmt = select(
        Transaction.id, Transaction.customer_id, Transaction.occurred_at, Transaction.tenant_id
    ).where(Transaction.id.in_(ids))
    return list(session.execute(stmt))


def customers_with_transactions(
    session: Session, *, tenant_id: str, start: datetime, end: datetime
) -> list[str]:
    """The tenant's customers with a transaction from ``start`` (inclusive) to ``end``,
    by id."""
    stmt = (
        select(Transaction.customer_id)
        .where(
            Transaction.tenant_id == tenant_id,
            Transaction.occurred_at >= start,
            Transaction.occurred_at < end,
        )
        .distinct()
    )
    return sorted(session.scalars(stmt))


def window(
    session: Session,
    *,
    tenant_id: str,
    customers: Sequence[str],
    since: datetime,
    until: datetime | None,
) -> list[Row[*tuple[Any, ...]]]:
    """The customers' transactions from ``since`` (and before ``until``), unordered."""
    stmt = select(*EVALUATED_COLUMNS).where(
        Transaction.tenant_id == tenant_id,
        Transaction.customer_id.in_(customers),
        Transaction.occurred_at >= since,
    )
    if until is not None:
        stmt = stmt.where(Transaction.occurred_at < until)
    return list(session.execute(stmt))


def last_times_before(
    session: Session, *, tenant_id: str, customers: Sequence[str], since: datetime
) -> dict[str, datetime]:
    """When each customer's last transaction before ``since`` happened, if they had one
    (from the index alone)."""
    return dict(
        session.execute(
            select(Transaction.customer_id, func.max(Transaction.occurred_at))
            .where(
                Transaction.tenant_id == tenant_id,
                Transaction.customer_id.in_(customers),
                Transaction.occurred_at < since,
            )
            .group_by(Transaction.customer_id)
        ).all()
    )


def at_times(
    session: Session, *, tenant_id: str, customers: Sequence[str], times: Sequence[datetime]
) -> list[Row[*tuple[Any, ...]]]:
    """The customers' transactions at any of these times."""
    stmt = select(*EVALUATED_COLUMNS).where(
        Transaction.tenant_id == tenant_id,
        Transaction.customer_id.in_(customers),
        Transaction.occurred_at.in_(times),
    )
    return list(session.execute(stmt))


def with_counterparties_before(
    session: Session,
    *,
    tenant_id: str,
    customers: Sequence[str],
    keys: Sequence[str],
    since: datetime,
) -> list[Row[*tuple[Any, ...]]]:
    """The customers' transactions before ``since`` with a counterparty whose account
    (or, lacking one, name) is one of ``keys``."""
    stmt = select(*EVALUATED_COLUMNS).where(
        Transaction.tenant_id == tenant_id,
        Transaction.customer_id.in_(customers),
        Transaction.occurred_at < since,
        or_(
            Transaction.counterparty_account.in_(keys),
            and_(
                Transaction.counterparty_account.is_(None),
                Transaction.counterparty_name.in_(keys),
            ),
        ),
    )
    return list(session.execute(stmt))
