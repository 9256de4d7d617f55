"""Administration of transaction-monitoring rules: the list, create and edit forms,
each rule's revision history, and backtests of a rule or of an unsaved draft.

As on /v1, reading needs ``config.read``; writing and backtesting need
``config.manage``. A condition is typed as the JSON the API takes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from casework.console.admin.forms import ConfigManagerViewer as Manager
from casework.console.admin.forms import ConfigReaderViewer as Reader
from casework.console.forms import FormText, json_text, validated
from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.console.web import Viewer
from casework.customers import repository as customers
from casework.infra.dependencies import DbSession, ReadSession
from casework.infra.errors import ValidationFailed
from casework.models import RuleRevision
from casework.rules import backtest, service
from casework.rules.schemas import (
    CONDITION_DOC,
    BacktestIn,
    BacktestOut,
    RuleCreate,
    RuleUpdate,
    severity_name,
)

router = APIRouter(route_class=ConsoleRoute)


HOME = "/console/admin/rules"
PAGE = 50
SEVERITIES = ("low", "medium", "high")
GROUPINGS = ("customer", "rule_and_customer")
EXAMPLE = '{"test": "velocity", "window": "24h", "count_at_least": 5}'
BACKTEST_DAYS = 30


def watches(condition: dict[str, Any]) -> str:
    """A condition in a few words: ``velocity (window 24h, count_at_least 5)``."""
    for key, joiner in (("all", " and "), ("any", " or ")):
        if key in condition:
            parts = [watches(part) for part in condition[key]]
            return "(" + joiner.join(parts) + ")" if len(parts) > 1 else "".join(parts)
    name = str(condition.get("test", "?")).replace("_", " ")
    details = ", ".join(f"{k} {v}" for k, v in condition.items() if k != "test")
    return f"{name} ({details})" if details else name


def _condition(text: str, *, required: bool) -> dict[str, Any] | None:
    """The condition textarea as the JSON object the API takes."""
    if not text.strip():
        if required:
            raise ValidationFailed.on("condition", "is required")
        return None
    value = json_text(text, "condition", parse_float=Decimal)
    if not isinstance(value, dict):
        raise ValidationFailed.on("condition", f"must be a JSON object such as {EXAMPLE}")
    return value


def _form_context(**values: Any) -> dict[str, Any]:
    return {
        "severities": SEVERITIES,
        "groupings": GROUPINGS,
        "condition_doc": CONDITION_DOC,
        "example": EXAMPLE,
        **values,
    }


@router.get("/admin/rules")
def rules_page(
    request: Request, session: DbSession, viewer: Reader, cursor: str | None = None
) -> Response:
    rows, next_cursor = service.list_rules(
        session, actor=viewer.principal, enabled=None, cursor=cursor, limit=PAGE
    )
    context = {
        "rules": [
            (rule, current, severity_name(current.severity), watches(current.condition))
            for rule, current in rows
        ],
        "next_cursor": next_cursor,
        "paged": bool(cursor),
    }
    return render(request, "admin/rules.html", context)


@router.get("/admin/rules/new")
def new_rule_page(request: Request, _allowed: Manager) -> Response:
    return render(request, "admin/rules_new.html", _form_context())


@router.post("/admin/rules")
def create_rule(
    session: DbSession,
    viewer: Manager,
    name: FormText = "",
    title: FormText = "",
    description: FormText = "",
    severity: FormText = "medium",
    condition: FormText = "",
    enabled: FormText = "",
) -> Response:
    data = validated(
        RuleCreate,
        {
            "name": name.strip(),
            "title": title.strip(),
            "description": description.strip(),
            "severity": severity,
            "condition": _condition(condition, required=True),
            "enabled": enabled == "on",
        },
    )
    rule, _ = service.create_rule(session, actor=viewer.principal, data=data)
    return redirect(f"{HOME}/{rule.id}", notice=f"Rule {rule.name} created.")


def _period_defaults() -> dict[str, str]:
    today = datetime.now(UTC).date()
    return {
        "from": (today - timedelta(days=BACKTEST_DAYS)).isoformat(),
        "to": today.isoformat(),
        "customer_id": "",
        "group_by": "",
        "sample": "20",
        "condition": "",
    }


@router.get("/admin/rules/backtest")
def draft_backtest_page(request: Request, _allowed: Manager) -> Response:
    context = _form_context(rule=None, form=_period_defaults(), result=None, names={})
    return render(request, "admin/rules_backtest.html", context)


def _day(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed.on(field, "must be a date such as 2024-03-31") from None


def _backtest_input(form: dict[str, str], *, condition_required: bool) -> BacktestIn:
    """The form's period as the API's: from the start of ``from`` to the end of ``to``
    (UTC), both days included."""
    start, last = _day(form["from"], "from"), _day(form["to"], "to")
    if last < start:
        raise ValidationFailed.on("to", "must be on or after 'from'")
    body: dict[str, Any] = {
        "from": datetime.combine(start, time.min, tzinfo=UTC),
        "to": datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC),
        "condition": _condition(form["condition"], required=condition_required),
    }
    if form["customer_id"].strip():
        body["customer_id"] = form["customer_id"].strip()
    if form["group_by"]:
        body["group_by"] = form["group_by"]
    if form["sample"].strip():
        body["sample"] = form["sample"].strip()
    return validated(BacktestIn, body)


def _customer_names(session: Session, tenant_id: str, result: BacktestOut) -> dict[str, str]:
    ids = sorted({s.customer_id for s in result.samples})
    return customers.names(session, tenant_id=tenant_id, ids=ids)


def _backtest_form(
    start: str, end: str, customer_id: str, group_by: str, sample: str, condition: str
) -> dict[str, str]:
    return {
        "from": start,
        "to": end,
        "customer_id": customer_id,
        "group_by": group_by,
        "sample": sample,
        "condition": condition,
    }


def _backtest_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    rule_id: str | None,
    form: dict[str, str],
) -> Response:
    rule = service.get_rule(session, actor=viewer.principal, rule_id=rule_id) if rule_id else None
    data = _backtest_input(form, condition_required=rule_id is None)
    result = backtest.backtest(session, actor=viewer.principal, rule_id=rule_id, data=data)
    context = _form_context(
        rule=rule,
        form=form,
        result=result,
        names=_customer_names(session, viewer.tenant_id, result),
    )
    return render(request, "admin/rules_backtest.html", context)


@router.post("/admin/rules/backtest")
def draft_backtest(
    request: Request,
    session: ReadSession,
    viewer: Manager,
    start: Annotated[str, Form(alias="from")] = "",
    end: Annotated[str, Form(alias="to")] = "",
    customer_id: FormText = "",
    group_by: FormText = "",
    sample: FormText = "",
    condition: FormText = "",
) -> Response:
    form = _backtest_form(start, end, customer_id, group_by, sample, condition)
    return _backtest_page(request, session, viewer, rule_id=None, form=form)


@router.get("/admin/rules/{rule_id}")
def rule_page(request: Request, rule_id: str, session: DbSession, viewer: Reader) -> Response:
    rule, current = service.get_rule(session, actor=viewer.principal, rule_id=rule_id)
    revisions = service.list_revisions(session, actor=viewer.principal, rule_id=rule_id)
    context = _form_context(
        rule=rule,
        current=current,
        severity=severity_name(current.severity),
        watching=watches(current.condition),
        condition_text=json.dumps(current.condition, indent=2, ensure_ascii=False),
        revisions=_with_text(revisions),
        form=_period_defaults(),
    )
    return render(request, "admin/rules_detail.html", context)


def _with_text(revisions: Sequence[RuleRevision]) -> list[tuple[RuleRevision, str, str]]:
    return [
        (r, severity_name(r.severity), json.dumps(r.condition, indent=2, ensure_ascii=False))
        for r in revisions
    ]


@router.post("/admin/rules/{rule_id}")
def update_rule(
    rule_id: str,
    session: DbSession,
    viewer: Manager,
    title: FormText = "",
    description: FormText = "",
    severity: FormText = "",
    condition: FormText = "",
    enabled: FormText = "",
) -> Response:
    data = validated(
        RuleUpdate,
        {
            "title": title.strip(),
            "description": description.strip(),
            "severity": severity,
            "condition": _condition(condition, required=True),
            "enabled": enabled == "on",
        },
    )
    rule, current = service.update_rule(session, actor=viewer.principal, rule_id=rule_id, data=data)
    return redirect(
        f"{HOME}/{rule.id}", notice=f"Saved; the rule is at revision {current.revision}."
    )


@router.post("/admin/rules/{rule_id}/backtest")
def rule_backtest(
    request: Request,
    rule_id: str,
    session: ReadSession,
    viewer: Manager,
    start: Annotated[str, Form(alias="from")] = "",
    end: Annotated[str, Form(alias="to")] = "",
    customer_id: FormText = "",
    group_by: FormText = "",
    sample: FormText = "",
    condition: FormText = "",
) -> Response:
    form = _backtest_form(start, end, customer_id, group_by, sample, condition)
    return _backtest_page(request, session, viewer, rule_id=rule_id, form=form)
