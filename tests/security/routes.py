"""Every operation of the API with the permission it needs: the table the security
tests walk. A test fails when the API gains an operation this table does not list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from casework.auth.permissions import Permission as P  # noqa: N817


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    permission: P | None  # None: public by design (probes, metrics, token endpoint)
    body: Any = None  # a valid-looking JSON body, so only authorization can refuse it


ID = "0" * 24

OPERATIONS: list[Op] = [
    Op("GET", "/healthz", None),
    Op("GET", "/readyz", None),
    Op("GET", "/metrics", None),
    Op("POST", "/oauth/token", None),
    Op("POST", "/v1/cases", P.case_create, {"title": "t"}),
    Op("GET", "/v1/cases", P.case_read),
    Op("GET", "/v1/cases/{case_id}", P.case_read),
    Op("PATCH", "/v1/cases/{case_id}", P.case_update, {"title": "t"}),
    Op("POST", "/v1/cases/{case_id}/assign", P.case_assign, {"assignee_id": None}),
    Op("POST", "/v1/cases/{case_id}/escalate", P.case_escalate, {"to": ID}),
    Op("POST", "/v1/cases/{case_id}/transition", P.case_update, {"to": "in_progress"}),
    Op("POST", "/v1/cases/{case_id}/reopen", P.case_resolve, {"note": "n"}),
    Op("POST", "/v1/cases/{case_id}/rfi", P.case_update, {"text": "t"}),
    Op("POST", "/v1/cases/{case_id}/tasks", P.case_update, {"text": "t"}),
    Op("PATCH", "/v1/cases/{case_id}/tasks/{task_id}", P.case_update, {"done": True}),
    Op("DELETE", "/v1/cases/{case_id}/tasks/{task_id}", P.case_update),
    Op("POST", "/v1/cases/{case_id}/comments", P.case_comment, {"body": "b"}),
    Op("GET", "/v1/cases/{case_id}/comments", P.case_read),
    Op("POST", "/v1/cases/{case_id}/attachments", P.case_update, {"document_id": ID}),
    Op("DELETE", "/v1/cases/{case_id}/attachments/{document_id}", P.case_update),
    Op("GET", "/v1/cases/{case_id}/log", P.case_read),
    Op("POST", "/v1/cases/{case_id}/legal-hold", P.config_manage, {"hold": True, "reason": "r"}),
    Op("GET", "/v1/cases/{case_id}/decisions", P.case_read),
    Op("GET", "/v1/decisions/{decision_id}", P.case_read),
    Op("POST", "/v1/decisions/{decision_id}/approve", P.case_approve, {"note": "n"}),
    Op("POST", "/v1/decisions/{decision_id}/reject", P.case_approve, {"note": "n"}),
    Op(
        "POST",
        "/v1/cases/{case_id}/reports",
        P.report_write,
        {"format": "goaml", "report_code": "STR"},
    ),
    Op("GET", "/v1/cases/{case_id}/reports", P.case_read),
    Op("GET", "/v1/reports", P.case_read),
    Op("GET", "/v1/reports/deadlines", P.case_read),
    Op("GET", "/v1/reports/{report_id}", P.case_read),
    Op("PATCH", "/v1/reports/{report_id}", P.report_write, {"suspect_identified": False}),
    Op("GET", "/v1/reports/{report_id}/validation", P.case_read),
    Op("GET", "/v1/reports/{report_id}/xml", P.case_read),
    Op("POST", "/v1/reports/{report_id}/ready", P.report_write),
    Op("POST", "/v1/reports/{report_id}/approve", P.case_approve, {"note": "n"}),
    Op("POST", "/v1/reports/{report_id}/reject", P.case_approve, {"note": "n"}),
    Op(
        "POST",
        "/v1/reports/{report_id}/file",
        P.report_write,
        {"reference": "r", "acknowledged_on": "2026-01-02"},
    ),
    Op("POST", "/v1/reports/{report_id}/fiu-rejection", P.report_write, {"note": "n"}),
    Op("POST", "/v1/reports/{report_id}/amend", P.report_write),
    Op("POST", "/v1/reports/{report_id}/review", P.report_write, {"note": "n"}),
    Op("GET", "/v1/settings/reporting", P.config_read),
    Op("PUT", "/v1/settings/reporting", P.config_manage, {}),
    Op("PUT", "/v1/settings/reporting/schemas/{format}", P.config_manage),
    Op("GET", "/v1/settings/reporting/schemas/{format}", P.config_read),
    Op("DELETE", "/v1/settings/reporting/schemas/{format}", P.config_manage),
    Op("GET", "/v1/settings/approvals", P.config_read),
    Op("PUT", "/v1/settings/approvals", P.config_manage, {"checklist_override": False}),
    Op("GET", "/v1/monitoring/customers", P.customer_read),
    Op("DELETE", "/v1/monitoring/customers/{customer_id}", P.customer_write),
    Op("GET", "/v1/settings/retention", P.config_read),
    Op("PUT", "/v1/settings/retention", P.config_manage, {"retention_days": 30}),
    Op("GET", "/v1/cases/{case_id}/checks", P.case_read),
    Op("POST", "/v1/cases/{case_id}/start", P.case_update),
    Op("GET", "/v1/checks/{check_id}", P.case_read),
    Op(
        "POST",
        "/v1/checks/{check_id}/matches/{match_id}/decision",
        P.case_update,
        {"decision": "false_positive"},
    ),
    Op("GET", "/v1/country-risk", P.config_read),
    Op("GET", "/v1/country-risk/overrides", P.config_read),
    Op("PUT", "/v1/country-risk/overrides", P.config_manage, {"overrides": []}),
    Op("POST", "/v1/customers", P.customer_write, {"full_name": "n"}),
    Op("GET", "/v1/customers", P.customer_read),
    Op("GET", "/v1/customers/{customer_id}", P.customer_read),
    Op("PATCH", "/v1/customers/{customer_id}", P.customer_write, {"email": "a@b.cd"}),
    Op(
        "POST",
        "/v1/transactions",
        P.customer_write,
        {
            "external_id": "t",
            "customer_id": ID,
            "amount": "1",
            "currency": "EUR",
            "direction": "in",
            "occurred_at": "2024-01-05T10:00:00Z",
        },
    ),
    Op(
        "POST",
        "/v1/transactions/batch",
        P.customer_write,
        {
            "transactions": [
                {
                    "external_id": "t",
                    "customer_id": ID,
                    "amount": "1",
                    "currency": "EUR",
                    "direction": "in",
                    "occurred_at": "2024-01-05T10:00:00Z",
                }
            ]
        },
    ),
    Op("GET", "/v1/transactions", P.customer_read),
    Op("GET", "/v1/transactions/{transaction_id}", P.customer_read),
    Op(
        "POST",
        "/v1/rules",
        P.config_manage,
        {"name": "r", "title": "t", "condition": {"test": "amount", "at_least": "1"}},
    ),
    Op("GET", "/v1/rules", P.config_read),
    Op(
        "POST",
        "/v1/rules/backtest",
        P.config_manage,
        {
            "from": "2024-01-01T00:00:00Z",
            "to": "2024-02-01T00:00:00Z",
            "condition": {"test": "amount", "at_least": "1"},
        },
    ),
    Op("GET", "/v1/rules/{rule_id}", P.config_read),
    Op("PATCH", "/v1/rules/{rule_id}", P.config_manage, {"title": "t"}),
    Op("GET", "/v1/rules/{rule_id}/revisions", P.config_read),
    Op("GET", "/v1/rules/{rule_id}/revisions/{revision}", P.config_read),
    Op(
        "POST",
        "/v1/rules/{rule_id}/backtest",
        P.config_manage,
        {"from": "2024-01-01T00:00:00Z", "to": "2024-02-01T00:00:00Z"},
    ),
    Op("GET", "/v1/alerts", P.case_read),
    Op("GET", "/v1/alerts/{alert_id}", P.case_read),
    Op("GET", "/v1/settings/transaction-monitoring", P.config_read),
    Op("PUT", "/v1/settings/transaction-monitoring", P.config_manage, {"group_by": "customer"}),
    Op("GET", "/v1/fx-rates", P.config_read),
    Op("PUT", "/v1/fx-rates", P.admin, {"rate_date": "2024-01-05", "rates": {"USD": "1.0945"}}),
    Op(
        "POST",
        "/v1/users",
        P.admin,
        {"email": "x@y.zz", "first_name": "a", "last_name": "b", "role": "viewer"},
    ),
    Op("GET", "/v1/users", P.admin),
    Op("GET", "/v1/assignees", P.case_assign),
    Op("GET", "/v1/users/{user_id}", P.admin),
    Op("PATCH", "/v1/users/{user_id}", P.admin, {"first_name": "a"}),
    Op("POST", "/v1/roles", P.admin, {"slug": "r", "name": "r", "permissions": []}),
    Op("GET", "/v1/roles", P.admin),
    Op("GET", "/v1/roles/{role_id}", P.admin),
    Op("PATCH", "/v1/roles/{role_id}", P.admin, {"name": "r"}),
    Op("POST", "/v1/api-clients", P.admin, {"name": "c", "acting_user_id": ID}),
    Op("GET", "/v1/api-clients", P.admin),
    Op("GET", "/v1/api-clients/{api_client_id}", P.admin),
    Op("POST", "/v1/api-clients/{api_client_id}/revoke", P.admin),
    Op("POST", "/v1/case-configs", P.config_manage, {"slug": "c", "name": "c"}),
    Op("GET", "/v1/case-configs", P.config_read),
    Op("GET", "/v1/case-configs/{config_id}", P.config_read),
    Op("PATCH", "/v1/case-configs/{config_id}", P.config_manage, {"name": "c"}),
    Op("POST", "/v1/documents", P.document_write),
    Op("GET", "/v1/documents", P.document_read),
    Op("GET", "/v1/documents/{document_id}", P.document_read),
    Op("GET", "/v1/documents/{document_id}/content", P.document_read),
    Op("GET", "/v1/analytics/cases", P.analytics_read),
    Op("POST", "/v1/screenings", P.screening_run, {"name": "n"}),
    Op("POST", "/v1/screenings/batch", P.screening_run, {"queries": [{"name": "n"}]}),
    Op("POST", "/v1/screenings/compare", P.screening_run, {"a": {"name": "a"}, "b": {"name": "b"}}),
    Op("GET", "/v1/watchlist/entities/{entity_id}", P.screening_run),
    Op("GET", "/v1/watchlist/datasets", P.screening_run),
    Op(
        "POST",
        "/v1/webhook-endpoints",
        P.config_manage,
        {"url": "https://1.2.3.4/hooks", "event_types": ["case.escalated"]},
    ),
    Op("GET", "/v1/webhook-endpoints", P.config_read),
    Op("GET", "/v1/webhook-endpoints/{endpoint_id}", P.config_read),
    Op("PATCH", "/v1/webhook-endpoints/{endpoint_id}", P.config_manage, {"description": "d"}),
    Op("DELETE", "/v1/webhook-endpoints/{endpoint_id}", P.config_manage),
    Op("POST", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret", P.config_manage),
    Op("GET", "/v1/webhook-deliveries", P.config_read),
    Op("GET", "/v1/webhook-deliveries/{delivery_id}", P.config_read),
    Op("POST", "/v1/webhook-deliveries/{delivery_id}/replay", P.config_manage),
    Op("GET", "/v1/settings/case-webhook-secret", P.config_read),
    Op("POST", "/v1/settings/case-webhook-secret/rotate", P.config_manage),
]

# The vendor-compatible routes: their credentials and error shapes are their own, so
# each dialect's tests check its refusals (tests/dialects/); this list only makes sure a
# new dialect route is noticed.
DIALECT_OPERATIONS = [
    "POST /case-management/create",
    "GET /case-management",
    "GET /case-management/{case_id}",
    "POST /resources/api/caseManagement/v2/cases",
    "GET /resources/api/caseManagement/v2/cases/{case_id}",
    "POST /api/oauth/token/",
    "POST /api/cases/",
    "GET /api/cases/",
    "GET /api/cases/{case_id}/",
    "POST /api/cases/{case_id}/start/",
    "POST /api/customers/",
    "GET /api/customers/",
    "GET /api/customers/{customer_id}/",
    "POST /api/documents/",
    "GET /api/documents/",
    "GET /api/documents/{document_id}/",
]

# Watchlists and FX rates are reference data shared by all tenants, not rows of one tenant.
SHARED_REFERENCE = {
    "/v1/watchlist/datasets",
    "/v1/watchlist/entities/{entity_id}",
    "/v1/fx-rates",
}

PROTECTED = [op for op in OPERATIONS if op.permission is not None]


def fill(path: str, ids: dict[str, str] | None = None) -> str:
    """The path with each {param} replaced by the given id (or a well-formed unknown one)."""
    ids = ids or {}
    out = path
    while "{" in out:
        start = out.index("{")
        end = out.index("}", start)
        name = out[start + 1 : end]
        out = out[:start] + ids.get(name, ID) + out[end + 1 :]
    return out


def op_id(op: Op) -> str:
    return f"{op.method} {op.path}"
