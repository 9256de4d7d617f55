"""Administration: case configs, the blueprints cases are opened from.

The scalar settings are ordinary fields; the checks, being a list of nested objects,
are edited as JSON in a text area.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from casework.configs import service
from casework.configs.schemas import CaseConfigCreate, CaseConfigUpdate
from casework.console.admin.forms import (
    CHOICES_LIMIT,
    PAGE_SIZE,
    ConfigManagerViewer,
    ConfigReaderViewer,
)
from casework.console.forms import conflict_on, json_text, optional, validated
from casework.console.routing import ConsoleRoute
from casework.console.templating import label, redirect, render
from casework.console.web import Viewer
from casework.infra.dependencies import DbSession
from casework.infra.errors import ValidationFailed
from casework.models import CaseConfig
from casework.models.enums import CheckType, Module, Priority

router = APIRouter(route_class=ConsoleRoute)

MONITORING = {"on": True, "off": False}
MODULE_NAMES = {module.value: label(module) for module in Module}
CHOICES = {
    "module_names": MODULE_NAMES,
    "priorities": ["low", "medium", "high"],
    "check_types": [t.value for t in CheckType],
}


def _configs(session: Session, viewer: Viewer) -> Sequence[CaseConfig]:
    configs, _ = service.list_configs(
        session,
        actor=viewer.principal,
        is_active=None,
        module=None,
        cursor=None,
        limit=CHOICES_LIMIT,
    )
    return configs


def _checks(text: str) -> Any:
    if not text.strip():
        return []
    return json_text(text, "checks")


def _checklist(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _outcome_policy(accept_below: str, reject_from: str) -> dict[str, str]:
    given = {"accept_below": accept_below.strip(), "reject_from": reject_from.strip()}
    return {name: value for name, value in given.items() if value}


class ConfigForm(BaseModel):
    """A config form as posted: text fields, read into the API's shape by ``_values``."""

    slug: str = ""
    name: str = ""
    module: str = ""
    custom_module: str = ""
    default_priority: str = ""
    checklist: str = ""
    sla_hours: str = ""
    checks: str = ""
    accept_below: str = ""
    reject_from: str = ""
    monitoring: str = ""
    kyc_config: str = ""
    is_active: str = ""


PostedConfig = Annotated[ConfigForm, Form()]


def _values(form: ConfigForm) -> dict[str, Any]:
    """The fields a config form posts, in the shape the /v1 configs API takes."""
    values: dict[str, Any] = {
        "slug": form.slug,
        "name": form.name,
        "module": optional(form.module),
        "custom_module": optional(form.custom_module),
        "default_priority": form.default_priority.strip() or "medium",
        "checklist": _checklist(form.checklist),
        "sla_hours": optional(form.sla_hours),
        "checks": _checks(form.checks),
        "outcome_policy": _outcome_policy(form.accept_below, form.reject_from),
        "kyc_config": optional(form.kyc_config),
    }
    monitoring = form.monitoring.strip()
    if monitoring:
        if monitoring not in MONITORING:
            raise ValidationFailed.on("monitoring", "must be on or off")
        values["monitoring"] = MONITORING[monitoring]
    return values


def _form_of(config: CaseConfig) -> dict[str, Any]:
    """A saved config as the values of its edit form."""
    policy = config.outcome_policy or {}
    return {
        "slug": config.slug,
        "name": config.name,
        "module": config.module.value if config.module else "",
        "custom_module": config.custom_module or "",
        "default_priority": Priority(config.default_priority).name,
        "checklist": "\n".join(config.checklist),
        "sla_hours": config.sla_hours if config.sla_hours is not None else "",
        "checks": json.dumps(list(config.checks), indent=2) if config.checks else "",
        "accept_below": policy.get("accept_below", ""),
        "reject_from": policy.get("reject_from", ""),
        "monitoring": "on" if config.monitoring else "off",
        "kyc_config": config.kyc_config.slug if config.kyc_config else "",
        "is_active": config.is_active,
    }


@router.get("/admin/case-configs")
def configs_page(
    request: Request, session: DbSession, viewer: ConfigReaderViewer, cursor: str = ""
) -> Response:
    configs, next_cursor = service.list_configs(
        session,
        actor=viewer.principal,
        is_active=None,
        module=None,
        cursor=optional(cursor),
        limit=PAGE_SIZE,
    )
    context = {
        "configs": configs,
        "next_cursor": next_cursor,
        "first_page": bool(cursor),
        "module_names": MODULE_NAMES,
    }
    return render(request, "admin/configs.html", context)


@router.get("/admin/case-configs/new")
def new_config_page(request: Request, session: DbSession, viewer: ConfigManagerViewer) -> Response:
    blank = ConfigForm(default_priority="medium", accept_below="0.3", reject_from="0.85")
    context = {
        "form": blank.model_dump(),
        "config": None,
        "others": _configs(session, viewer),
        **CHOICES,
    }
    return render(request, "admin/config_form.html", context)


@router.post("/admin/case-configs")
def create_config(session: DbSession, viewer: ConfigManagerViewer, form: PostedConfig) -> Response:
    data = validated(CaseConfigCreate, _values(form))
    with conflict_on("slug"):
        config = service.create_config(session, actor=viewer.principal, data=data)
    return redirect(f"/console/admin/case-configs/{config.id}", notice="Case config created.")


@router.get("/admin/case-configs/{config_id}")
def config_page(
    request: Request, config_id: str, session: DbSession, viewer: ConfigReaderViewer
) -> Response:
    config = service.get_config(session, actor=viewer.principal, config_id=config_id)
    others = [c for c in _configs(session, viewer) if c.id != config.id]
    context = {"form": _form_of(config), "config": config, "others": others, **CHOICES}
    return render(request, "admin/config_form.html", context)


@router.post("/admin/case-configs/{config_id}")
def update_config(
    config_id: str, session: DbSession, viewer: ConfigManagerViewer, form: PostedConfig
) -> Response:
    values = {**_values(form), "is_active": bool(form.is_active)}
    data = validated(CaseConfigUpdate, values)
    with conflict_on("slug"):
        service.update_config(session, actor=viewer.principal, config_id=config_id, data=data)
    return redirect(f"/console/admin/case-configs/{config_id}", notice="Case config saved.")
