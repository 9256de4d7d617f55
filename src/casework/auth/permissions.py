"""Permissions and the built-in roles every tenant starts with."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    case_read = "case.read"
    case_create = "case.create"
    case_update = "case.update"
    case_assign = "case.assign"
    case_escalate = "case.escalate"
    case_resolve = "case.resolve"
    case_override_checklist = "case.override_checklist"
    case_approve = "case.approve"
    case_comment = "case.comment"
    report_write = "report.write"
    customer_read = "customer.read"
    customer_write = "customer.write"
    document_read = "document.read"
    document_write = "document.write"
    config_read = "config.read"
    config_manage = "config.manage"
    analytics_read = "analytics.read"
    audit_read = "audit.read"
    screening_run = "screening.run"
    admin = "admin"


ALL_PERMISSIONS = frozenset(Permission)

_READ = {
    Permission.case_read,
    Permission.customer_read,
    Permission.document_read,
    Permission.config_read,
    Permission.analytics_read,
    Permission.audit_read,
    Permission.screening_run,
}
_ANALYST = _READ | {
    Permission.case_create,
    Permission.case_update,
    Permission.case_assign,
    Permission.case_escalate,
    Permission.case_resolve,
    Permission.case_comment,
    Permission.report_write,
    Permission.customer_write,
    Permission.document_write,
}

BUILTIN_ROLES: dict[str, tuple[str, frozenset[Permission]]] = {
    "admin": ("Administrator", ALL_PERMISSIONS),
    "supervisor": ("Supervisor", ALL_PERMISSIONS - {Permission.admin}),
    "analyst": ("Analyst", frozenset(_ANALYST)),
    "viewer": ("Viewer", frozenset(_READ)),
}
