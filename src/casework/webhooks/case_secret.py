"""The tenant's signing secret for deliveries to cases' own ``webhook_url``.

A case's URL has no endpoint to hold a secret, so the tenant holds one for all of its
cases, in its settings (``case_webhook_secret``), encrypted with the :class:`SecretBox`
like endpoint secrets and rotated the same way: the replaced secret keeps signing
alongside the new one until ``previous_secret_expires_at`` (24 hours).

The secret is made the first time a case-URL delivery is claimed for a tenant without
one, or by a rotation through the API, which is the only place a secret is ever shown:
a receiver gets a secret it can verify with by rotating.

Every write locks the tenant row first, so concurrent writers of the settings (a
rotation, a lazy creation, the retention default) each build on the previous one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra.errors import NotFound
from casework.infra.secrets_box import ROTATION_GRACE, SecretBox, SecretBoxError
from casework.models import Tenant
from casework.models.base import utcnow
from casework.webhooks import signing

SETTING = "case_webhook_secret"


class _Stored(BaseModel):
    """The setting's shape in the tenant's settings JSON (datetimes as ISO strings)."""

    model_config = ConfigDict(extra="ignore")

    secret_encrypted: str
    previous_secret_encrypted: str | None = None
    previous_secret_expires_at: datetime | None = None
    created_at: datetime
    rotated_at: datetime | None = None


@dataclass(frozen=True)
class CaseWebhookSecret:
    """A tenant's case-webhook secrets, sealed, and when they were made.

    ``created_at`` is when the tenant's first secret was made; ``rotated_at`` when the
    current one replaced another (None while the first is still current).
    """

    secret_encrypted: str = field(repr=False)
    previous_secret_encrypted: str | None = field(repr=False)
    previous_secret_expires_at: datetime | None
    created_at: datetime
    rotated_at: datetime | None

    def as_setting(self) -> dict[str, Any]:
        return _Stored(
            secret_encrypted=self.secret_encrypted,
            previous_secret_encrypted=self.previous_secret_encrypted,
            previous_secret_expires_at=self.previous_secret_expires_at,
            created_at=self.created_at,
            rotated_at=self.rotated_at,
        ).model_dump(mode="json")

    def metadata(self) -> dict[str, Any]:
        """What the audit log keeps: never a secret, sealed or not."""
        return {
            "created_at": self.created_at,
            "rotated_at": self.rotated_at,
            "previous_secret_expires_at": self.previous_secret_expires_at,
        }


def stored(tenant: Tenant) -> CaseWebhookSecret | None:
    """The tenant's secrets as stored, or None if it has none yet.

    Raises :class:`SecretBoxError` if the setting is there but unreadable.
    """
    raw = (tenant.settings or {}).get(SETTING)
    if raw is None:
        return None
    try:
        value = _Stored.model_validate(raw)
    except ValidationError:
        # The error would quote the sealed secrets: say only what is wrong.
        raise SecretBoxError("the tenant's case webhook secret setting is unreadable") from None
    return CaseWebhookSecret(
        secret_encrypted=value.secret_encrypted,
        previous_secret_encrypted=value.previous_secret_encrypted,
        previous_secret_expires_at=value.previous_secret_expires_at,
        created_at=value.created_at,
        rotated_at=value.rotated_at,
    )


def _tenant(session: Session, tenant_id: str, *, for_update: bool = False) -> Tenant:
    if for_update:
        # FOR NO KEY UPDATE on PostgreSQL: it orders the tenant's settings writers (it
        # conflicts with itself and with the FOR UPDATE other settings take) but lets
        # rows that reference the tenant be inserted meanwhile. Re-read, so a writer
        # that waited builds on what the one before it committed.
        tenant = session.get(
            Tenant, tenant_id, with_for_update={"key_share": True}, populate_existing=True
        )
    else:
        tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found")
    return tenant


def _save(tenant: Tenant, value: CaseWebhookSecret) -> None:
    # A new dict, so the JSON column sees the change.
    tenant.settings = {**(tenant.settings or {}), SETTING: value.as_setting()}


def _audit(session: Session, actor: Principal, action: str, value: CaseWebhookSecret) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="tenant",
        entity_id=actor.tenant_id,
        after=value.metadata(),
    )


def current(session: Session, *, tenant_id: str) -> CaseWebhookSecret | None:
    """The tenant's secrets (sealed), or None if it has none yet."""
    return stored(_tenant(session, tenant_id))


def rotate(
    session: Session, *, actor: Principal, box: SecretBox, now: datetime | None = None
) -> tuple[CaseWebhookSecret, str]:
    """Issue a new secret and return it (to be shown once). The current one, if any,
    keeps signing alongside it until the grace period ends; a rotation during another's
    grace period ends that period, as for endpoints.

    A current secret the box cannot open (the key changed) is dropped rather than
    kept: it could not sign, and keeping it would fail every delivery until it expired.
    An unreadable setting is replaced.
    """
    # Locked: of two rotations at once, the second builds on the first.
    tenant = _tenant(session, actor.tenant_id, for_update=True)
    moment = now or utcnow()
    existed = (tenant.settings or {}).get(SETTING) is not None
    before = _readable(tenant)
    kept = before.secret_encrypted if before and _opens(box, before.secret_encrypted) else None
    secret = signing.new_secret()
    after = CaseWebhookSecret(
        secret_encrypted=box.seal(secret),
        previous_secret_encrypted=kept,
        previous_secret_expires_at=moment + ROTATION_GRACE if kept else None,
        created_at=before.created_at if before else moment,
        rotated_at=moment if existed else None,
    )
    _save(tenant, after)
    action = "rotated" if existed else "created"
    _audit(session, actor, f"tenant.case_webhook_secret_{action}", after)
    return after, secret


def _readable(tenant: Tenant) -> CaseWebhookSecret | None:
    try:
        return stored(tenant)
    except SecretBoxError:
        return None


def _opens(box: SecretBox, sealed: str) -> bool:
    try:
        box.open(sealed)
    except SecretBoxError:
        return False
    return True


def secrets_in_use(session: Session, *, tenant_id: str, box: SecretBox, now: datetime) -> list[str]:
    """The secrets a case-URL delivery of the tenant is signed with: the current one
    and, until it expires, the previous one. A tenant without a secret gets one now.

    Raises :class:`SecretBoxError` if a secret cannot be opened (or the setting read).
    """
    value = stored(_tenant(session, tenant_id))
    if value is None:
        tenant = _tenant(session, tenant_id, for_update=True)
        value = stored(tenant)
        if value is None:  # nobody made one while this waited for the lock
            value = CaseWebhookSecret(
                secret_encrypted=box.seal(signing.new_secret()),
                previous_secret_encrypted=None,
                previous_secret_expires_at=None,
                created_at=now,
                rotated_at=None,
            )
            _save(tenant, value)
            actor = Principal.system(tenant_id, "webhook delivery")
            _audit(session, actor, "tenant.case_webhook_secret_created", value)
    return box.secrets_in_use(value, now=now)
