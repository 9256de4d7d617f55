"""All ORM classes, one module per aggregate; importing this registers them all."""

from casework.models.audit import AuditCheckpoint, AuditEvent, AuditHead, AuditSeal
from casework.models.base import Base
from casework.models.case import Case, CaseAttachment, CaseTransaction, Comment, Task
from casework.models.case_config import CaseConfig
from casework.models.check import Check, ScreeningMatch
from casework.models.customer import Customer
from casework.models.decision import Decision
from casework.models.document import Document
from casework.models.fx import FxRate
from casework.models.idempotency import IdempotencyRecord
from casework.models.identity import (
    AccessToken,
    ApiClient,
    FailedAuthentications,
    Role,
    User,
    UserSession,
)
from casework.models.monitoring import MonitoredCustomer, MonitoringRun
from casework.models.report import Report, ReportSchema
from casework.models.rule import Alert, AlertGroup, PendingEvaluation, Rule, RuleRevision
from casework.models.tenant import Tenant, TenantCounter
from casework.models.transaction import Transaction
from casework.models.watchlist import (
    WatchlistChange,
    WatchlistDataset,
    WatchlistEntity,
    WatchlistVersion,
)
from casework.models.webhook import (
    OutboxEvent,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventType,
)
from casework.models.workspace import Notification, SavedView

__all__ = [
    "AccessToken",
    "Alert",
    "AlertGroup",
    "ApiClient",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditHead",
    "AuditSeal",
    "Base",
    "Case",
    "CaseAttachment",
    "CaseConfig",
    "CaseTransaction",
    "Check",
    "Comment",
    "Customer",
    "Decision",
    "Document",
    "FailedAuthentications",
    "FxRate",
    "IdempotencyRecord",
    "MonitoredCustomer",
    "MonitoringRun",
    "Notification",
    "OutboxEvent",
    "PendingEvaluation",
    "Report",
    "ReportSchema",
    "Role",
    "Rule",
    "RuleRevision",
    "SavedView",
    "ScreeningMatch",
    "Task",
    "Tenant",
    "TenantCounter",
    "Transaction",
    "User",
    "UserSession",
    "WatchlistChange",
    "WatchlistDataset",
    "WatchlistEntity",
    "WatchlistVersion",
    "WebhookAttempt",
    "WebhookCursor",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
    "WebhookEventType",
]
