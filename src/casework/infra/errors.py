"""Domain errors. Each declares its HTTP status; one handler renders them as problem+json."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class DomainError(Exception):
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    type_slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []

    def extra(self) -> dict[str, Any]:
        return {}

    def headers(self) -> dict[str, str]:
        """Response headers the error calls for (such as Retry-After)."""
        return {}


class ValidationFailed(DomainError):
    status = 422
    title = "Validation failed"
    type_slug = "validation-failed"

    @classmethod
    def on(cls, field: str, message: str) -> ValidationFailed:
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])

    @classmethod
    def of(cls, errors: list[FieldError]) -> ValidationFailed:
        """Every problem found, each naming its field."""
        return cls("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class NotAuthenticated(DomainError):
    status = 401
    title = "Not authenticated"
    type_slug = "not-authenticated"


class PermissionDenied(DomainError):
    status = 403
    title = "Permission denied"
    type_slug = "permission-denied"


class NotFound(DomainError):
    status = 404
    title = "Not found"
    type_slug = "not-found"


class Conflict(DomainError):
    status = 409
    title = "Conflict"
    type_slug = "conflict"


class InvalidTransition(Conflict):
    title = "Invalid state transition"
    type_slug = "invalid-transition"


class PayloadTooLarge(DomainError):
    status = 413
    title = "Payload too large"
    type_slug = "payload-too-large"


class IdempotencyMismatch(DomainError):
    status = 422
    title = "Idempotency key reused with a different request"
    type_slug = "idempotency-mismatch"
