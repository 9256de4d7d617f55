"""Case config queries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.infra import repository as base
from casework.infra.pagination import SortKey
from casework.models import CaseConfig
from casework.models.enums import Module


def get(session: Session, *, tenant_id: str, config_id: str) -> CaseConfig:
    return base.get(session, CaseConfig, config_id, tenant_id=tenant_id, what="case config")


def by_slug(session: Session, *, tenant_id: str, slug: str) -> CaseConfig | None:
    """The tenant's config with this slug, active or not."""
    return session.scalar(
        select(CaseConfig).where(CaseConfig.tenant_id == tenant_id, CaseConfig.slug == slug)
    )


def active_by_slug(session: Session, *, tenant_id: str, slug: str) -> CaseConfig | None:
    """The tenant's config with this slug, if it is active (cases open only from those)."""
    return session.scalar(
        select(CaseConfig).where(
            CaseConfig.tenant_id == tenant_id,
            CaseConfig.slug == slug,
            CaseConfig.is_active.is_(True),
        )
    )


def id_with_slug(session: Session, *, tenant_id: str, slug: str) -> str | None:
    return session.scalar(
        select(CaseConfig.id).where(CaseConfig.tenant_id == tenant_id, CaseConfig.slug == slug)
    )


def page(
    session: Session,
    *,
    tenant_id: str,
    is_active: bool | None,
    module: Module | None,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[CaseConfig], str | None]:
    """The tenant's configs, by slug."""
    stmt = select(CaseConfig).where(CaseConfig.tenant_id == tenant_id)
    if is_active is not None:
        stmt = stmt.where(CaseConfig.is_active.is_(is_active))
    if module is not None:
        stmt = stmt.where(CaseConfig.module == module)
    key = SortKey(column=CaseConfig.slug, id_column=CaseConfig.id, descending=False)
    return base.keyset_page(
        session, stmt, key=key, cursor=cursor, limit=limit, value_of=lambda c: c.slug
    )
