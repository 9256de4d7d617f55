"""What a rescreen notes beside the matches it adds (``processing.ongoing``): on open
cases, the matched entities a list no longer holds; in a check's evidence, the list
versions searched."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.monitoring import repository
from casework.monitoring.rescreen import Delta
from casework.screening.scope import SearchedList

ACTOR = "monitoring"


def with_searched(evidence: dict[str, Any], searched: SearchedList) -> dict[str, Any]:
    """``evidence`` naming ``searched`` among the list versions searched, in place of an
    earlier version of the same list, and warning if it is stale."""
    others = [
        item
        for item in evidence.get("datasets") or []
        if isinstance(item, dict) and item.get("name") != searched.name
    ]
    warnings = [
        w for w in evidence.get("warnings") or [] if not str(w).startswith(f"{searched.name} v")
    ]
    if searched.warning is not None:
        warnings.append(searched.warning)
    datasets = sorted([*others, searched.as_dict()], key=lambda item: str(item.get("name")))
    return {**evidence, "datasets": datasets, "warnings": warnings}


def note_delisted(session: Session, *, delta: Delta, batch: int = 500) -> int:
    """Mark matches on open cases whose entity ``delta`` removed; one event per case."""
    keys = sorted(delta.removed)
    noted = 0
    for start in range(0, len(keys), batch):
        rows = repository.delisted_matches(
            session,
            dataset=delta.dataset,
            keys=keys[start : start + batch],
            tenant_id=delta.tenant_id,
        )
        by_case: dict[tuple[str, str], list[str]] = defaultdict(list)
        for match, tenant_id, case_id in rows:
            match.delisted_version = delta.version
            by_case[(tenant_id, case_id)].append(match.caption)
        for (tenant_id, case_id), captions in by_case.items():
            audit.record(
                session,
                actor=Principal.system(tenant_id, ACTOR),
                action="screening_match.delisted",
                entity_type="case",
                entity_id=case_id,
                case_id=case_id,
                message=(
                    f"No longer listed in {delta.dataset} version {delta.version}: "
                    + ", ".join(sorted(set(captions)))
                )[:1000],
                after={"dataset": delta.dataset, "version": delta.version, "entities": captions},
            )
        noted += len(rows)
    return noted
