"""Tenant queries."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from casework.models import Tenant


def by_slug(session: Session, slug: str) -> Tenant | None:
    return session.scalar(select(Tenant).where(Tenant.slug == slug))


def slug_taken(session: Session, slug: str) -> bool:
    return bool(session.scalar(select(Tenant.id).where(Tenant.slug == slug)))


def name_of(session: Session, tenant_id: str) -> str | None:
    return session.scalar(select(Tenant.name).where(Tenant.id == tenant_id))


def all_by_slug(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.slug)))


def first(session: Session, count: int) -> list[Tenant]:
    """Up to ``count`` tenants, whichever (to tell none, one and several apart)."""
    return list(session.scalars(select(Tenant).limit(count)))
