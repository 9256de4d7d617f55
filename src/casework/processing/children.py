"""Dual configs: a KYB case whose ownership is resolved opens one KYC case per
beneficial owner, linked to it, and completes when they do."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.auth.principal import Principal
from casework.cases import repository as case_repository
from casework.cases import service as cases
from casework.cases.schemas import CaseCreate
from casework.models import Case, CaseConfig
from casework.models.enums import CreatedByType, ProcessingStatus


def open_owner_cases(session: Session, *, case: Case, evidence: dict[str, Any]) -> list[Case]:
    """The child cases for the owners a UBO check found, once per parent case."""
    config = session.get(CaseConfig, case.config_id) if case.config_id else None
    if config is None or config.kyc_config is None:
        return []
    if case_repository.has_children(session, case.id):
        return []  # a rerun does not open the owners' cases again
    owners = {o["id"]: o for o in evidence.get("owners", [])}
    nodes = {n["id"]: n for n in evidence.get("graph", {}).get("nodes", [])}
    about = f"Beneficial owner found by the ownership check of case {case.number}."
    children = []
    for owner_id in evidence.get("beneficial_owners", []):
        owner, node = owners.get(owner_id, {}), nodes.get(owner_id, {})
        customer: dict[str, Any] = {
            "customer_type": "INDIVIDUAL",
            "full_name": owner.get("name") or node.get("name") or owner_id,
        }
        if node.get("country"):
            customer["country"] = node["country"]
        data = CaseCreate.model_validate(
            {
                "title": f"KYC: {customer['full_name']} ({owner.get('effective_percent', 0):.2f}%)",
                "description": about,
                "config": config.kyc_config.slug,
                "customer": customer,
            }
        )
        child = cases.create_case(
            session,
            actor=Principal.system(case.tenant_id, "workflow"),
            data=data,
            created_by_type=CreatedByType.by_workflow,
            parent_case_id=case.id,
        )
        children.append(child)
    if children and case.processing_status is ProcessingStatus.completed:
        case.processing_status = ProcessingStatus.processing
    return children
