"""A case rendered as Sumsub's case object."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from casework.cases import repository as cases
from casework.checks import service as case_checks
from casework.models import Case, Check, Customer, Tenant
from casework.models.enums import (
    CreatedByType,
    Priority,
    ProcessingStatus,
    Resolution,
    ReviewStatus,
)

# The only workflow that opens cases: a dual config's owner cases.
WORKFLOW_TITLE = "Beneficial owner KYC"

_RESOLVED = {
    Resolution.false_positive: "resolvedFalsePositive",
    Resolution.potential_threat: "resolvedPotentialThreat",
}
_WORKING = {
    ReviewStatus.open: "open",
    ReviewStatus.in_progress: "open",
    ReviewStatus.awaiting_user: "awaitingUser",
    ReviewStatus.blocked: "blocked",
}


def timestamp(value: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss+0000``; stored times without a zone are UTC."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S+0000")


def short_id(*parts: str) -> str:
    """A stable five-character id, like the vendor's review ids, derived from ``parts``."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    # Letters and digits only, as the vendor's are: "+" and "/" would need escaping.
    return base64.b64encode(digest, altchars=b"Az").decode()[:5]


def number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def case_review_status(case: Case) -> str:
    if case.review_status in _WORKING:
        return _WORKING[case.review_status]
    # A closed case keeps the decision it was resolved with.
    return _RESOLVED[case.resolution or Resolution.false_positive]


def review_status(case: Case, checks: list[Check]) -> str:
    """The deprecated review block's status: init before any check was asked to run,
    pending while checks run, completed once they are done or the case is decided."""
    if case.review_status in (ReviewStatus.resolved, ReviewStatus.closed):
        return "completed"
    running = {ProcessingStatus.pending, ProcessingStatus.processing}
    if not checks or all(c.status is ProcessingStatus.pending and not c.queued_at for c in checks):
        return "init"
    if any(c.status in running for c in checks):
        return "pending"
    return "completed"


def _review(case: Case, checks: list[Check]) -> dict[str, Any]:
    attempt = max((c.attempt for c in checks), default=1)
    review: dict[str, Any] = {
        "reviewId": short_id(case.id, "review"),
        "attemptId": short_id(case.id, "attempt", str(attempt)),
        "attemptCnt": attempt - 1,
        "createDate": timestamp(case.created_at),
        "reviewStatus": review_status(case, checks),
    }
    failed = [c for c in checks if c.status is ProcessingStatus.error]
    if failed:
        # Sumsub's comment for the client and never for the applicant; no reviewAnswer,
        # since a check that could not run decided nothing.
        review["reviewResult"] = {
            "clientComment": " ".join(
                f"{c.type.value} check could not run: {(c.error or c.title or '').rstrip('.')}."
                for c in failed
            )
        }
    return review


def dob_millis(birth_date: str | None) -> int | None:
    """A full ``YYYY-MM-DD`` birth date as Unix milliseconds at midnight UTC."""
    if not birth_date or len(birth_date) != 10:
        return None
    try:
        day = date.fromisoformat(birth_date)
    except ValueError:
        return None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()) * 1000


def applicant_info(customer: Customer) -> dict[str, Any]:
    return {
        "firstName": customer.first_name or "",
        "firstNameEn": customer.first_name_en or "",
        "middleName": customer.middle_name or "",
        "middleNameEn": customer.middle_name_en or "",
        "lastName": customer.last_name or "",
        "lastNameEn": customer.last_name_en or "",
        "dob": dob_millis(customer.birth_date),
        "country": customer.country,
    }


def _related_cases(session: Session, case: Case) -> list[str]:
    """Owner cases opened from this one, ongoing-monitoring cases continuing it, and
    the case it continues itself."""
    found = cases.continuing(session, case)
    if case.related_case_id and case.related_case_id not in found:
        found.insert(0, case.related_case_id)
    return found


def _provenance(case: Case) -> dict[str, Any]:
    kind = case.created_by_type
    out: dict[str, Any] = {"createdByType": kind.value}
    if case.group_by_type:
        out["groupByType"] = case.group_by_type
    if kind is CreatedByType.by_rule and case.created_by_rule:
        rule = case.created_by_rule
        out["createdByRule"] = {
            "id": str(rule.get("id", "")),
            "name": str(rule.get("name", "")),
            "title": str(rule.get("title", "")),
            "revision": int(rule.get("revision", 1)),
        }
    elif kind is CreatedByType.by_officer and case.created_by_user_id:
        out["createdByOfficer"] = case.created_by_user_id
    elif kind is CreatedByType.by_workflow and case.parent_case_id:
        out["createdByWorkflowRef"] = {"id": case.parent_case_id, "title": WORKFLOW_TITLE}
    return out


def applicant_reference(case: Case, customer: Customer) -> dict[str, Any]:
    """The applicant as the request that opened the case named it (its casework id or
    its external id); a case opened otherwise names it by its casework id."""
    return {"applicantId": case.customer_ref or customer.id, "fullName": customer.full_name}


def case_body(session: Session, case: Case) -> dict[str, Any]:
    """The case with its customer, config and tasks loaded (as services return it)."""
    tenant = session.get(Tenant, case.tenant_id)
    checks = case_checks.current_checks(session, tenant_id=case.tenant_id, case_id=case.id)
    customer = case.customer
    body: dict[str, Any] = {
        "id": case.id,
        "name": case.title,
        "applicantReference": applicant_reference(case, customer) if customer else None,
        **_provenance(case),
        "createdAt": timestamp(case.created_at),
        "updatedAt": timestamp(case.updated_at),
    }
    if case.total_amount_in_default_currency is not None:
        body["totalAmountInDefaultCurrency"] = number(case.total_amount_in_default_currency)
    body |= {
        "clientId": tenant.slug if tenant else case.tenant_id,
        "review": _review(case, checks),
        "applicantInfo": applicant_info(customer) if customer else None,
        "blueprintReference": (
            {"name": case.config.name, "blueprintId": case.config.id} if case.config else None
        ),
        "caseReview": {
            "status": case_review_status(case),
            "checklistState": {
                "checklist": [{"name": t.text, "checked": t.done} for t in case.tasks]
            },
        },
        "amlCases": [{"amlCaseId": i} for i in _related_cases(session, case)],
        "priority": Priority(case.priority).name,
    }
    return body
