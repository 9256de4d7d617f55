"""Enumerations of the domain, shared by models, schemas and services."""

from __future__ import annotations

from enum import IntEnum, StrEnum


def words(value: str) -> str:
    """An enum value as a sentence writes it: ``false_positive`` -> ``false positive``.

    The audit trail and the reasons people read are written with words; the values
    themselves stay in the structured fields beside them."""
    return value.replace("_", " ")


class Priority(IntEnum):
    """Stored as an integer so that sorting by priority uses an index."""

    low = 1
    medium = 2
    high = 3


class Module(StrEnum):
    transaction_monitoring = "transaction-monitoring"
    aml = "aml"
    cdd = "cdd"
    kyc = "kyc"
    reporting = "reporting"


class ReviewStatus(StrEnum):
    open = "open"
    in_progress = "in_progress"
    awaiting_user = "awaiting_user"
    blocked = "blocked"
    resolved = "resolved"
    closed = "closed"


class Resolution(StrEnum):
    false_positive = "false_positive"
    potential_threat = "potential_threat"


class ProcessingStatus(StrEnum):
    pending = "PENDING"
    processing = "PROCESSING"
    completed = "COMPLETED"
    error = "ERROR"


class Outcome(StrEnum):
    accepted = "ACCEPTED"
    rejected = "REJECTED"
    pending = "PENDING"


class CreatedByType(StrEnum):
    by_officer = "byOfficer"
    by_api = "byApi"
    by_rule = "byRule"
    by_workflow = "byWorkflow"
    by_ongoing_aml_hit = "byOngoingAmlHit"


class CustomerType(StrEnum):
    individual = "INDIVIDUAL"
    business = "BUSINESS"


class ActorType(StrEnum):
    user = "user"
    api_client = "api_client"
    system = "system"


class CheckType(StrEnum):
    sanctions = "SANCTIONS"
    pep = "PEP"
    adverse_media = "ADVERSE_MEDIA"
    ubo_resolution = "UBO_RESOLUTION"
    jurisdiction = "JURISDICTION"
    transaction_risk = "TRANSACTION_RISK"


class DecisionStatus(StrEnum):
    """A change held for a second person (four-eyes)."""

    pending = "pending"
    approved = "approved"
    rejected = "rejected"


class ReportStatus(StrEnum):
    """A regulatory report's lifecycle: drafted, validated and submitted for approval
    (ready), approved by a second person, filed with the FIU (and perhaps rejected by it)."""

    draft = "draft"
    ready = "ready"
    approved = "approved"
    filed = "filed"
    rejected = "rejected"


class MatchDecision(StrEnum):
    unreviewed = "unreviewed"
    false_positive = "false_positive"
    true_positive = "true_positive"


class Direction(StrEnum):
    """Of a transaction, seen from the customer's account."""

    incoming = "in"
    outgoing = "out"
