from __future__ import annotations

from dataclasses import dataclass, field

from casework.auth.permissions import ALL_PERMISSIONS, Permission
from casework.models.enums import ActorType


@dataclass(frozen=True)
class Principal:
    """Who is acting, for which tenant, with which permissions.

    An API client acts as a named user of its tenant: ``user_id`` is that user, and
    ``api_client_id`` says the action came through the client.
    """

    tenant_id: str
    user_id: str | None
    display_name: str
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    api_client_id: str | None = None

    @property
    def actor_type(self) -> ActorType:
        if self.api_client_id:
            return ActorType.api_client
        if self.user_id:
            return ActorType.user
        return ActorType.system

    @property
    def key(self) -> str:
        """A stable id for per-principal records such as idempotency keys."""
        return self.api_client_id or self.user_id or "system"

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    @classmethod
    def system(cls, tenant_id: str, name: str = "system") -> Principal:
        return cls(
            tenant_id=tenant_id, user_id=None, display_name=name, permissions=ALL_PERMISSIONS
        )
