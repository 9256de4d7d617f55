from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from casework.models.base import Base, IntEnumType, Timestamps, id_column, str_enum
from casework.models.enums import Module, Priority


class CaseConfig(Timestamps, Base):
    """A blueprint: what a case of this kind starts with (checklist, SLA, priority)."""

    __tablename__ = "case_configs"
    __table_args__ = (UniqueConstraint("tenant_id", "slug"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(63))
    name: Mapped[str] = mapped_column(String(200))
    module: Mapped[Module | None] = mapped_column(str_enum(Module), default=None)
    custom_module: Mapped[str | None] = mapped_column(String(100), default=None)
    default_priority: Mapped[Priority] = mapped_column(
        IntEnumType(Priority), default=Priority.medium
    )
    checklist: Mapped[list[str]] = mapped_column(default=list)
    sla_hours: Mapped[int | None] = mapped_column(default=None)
    # [{"type": "SANCTIONS", "params": {...}}, ...]: the checks a case of this kind runs.
    checks: Mapped[list[Any]] = mapped_column(default=list)
    # {"accept_below": 0.3, "reject_from": 0.85}: case risk -> ACCEPTED / PENDING / REJECTED.
    outcome_policy: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Which decisions on its cases need a second person (see decisions.policy); None:
    # the tenant's default.
    approvals: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # Rescreen the customer when a list changes (ongoing monitoring).
    monitoring: Mapped[bool] = mapped_column(default=False)
    # A dual (KYB) config opens one case of this KYC config per beneficial owner.
    kyc_config_id: Mapped[str | None] = mapped_column(ForeignKey("case_configs.id"), default=None)
    # Always wanted with the config and at most one row: loaded in the same query.
    kyc_config: Mapped[CaseConfig | None] = relationship(
        remote_side=[id], lazy="joined", join_depth=1
    )
    is_active: Mapped[bool] = mapped_column(default=True)
