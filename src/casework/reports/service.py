"""Regulatory reports: drafted from a case, checked, approved by a second person, filed.

A report moves draft -> ready -> approved -> filed (and a filed one may be rejected by the
FIU). Marking it ready validates it, freezes its XML and proposes its approval: approving
a report always needs a second person (``casework.decisions``), who approves exactly the
XML frozen then. Only a draft is edited; a filed or rejected report never changes again,
and an amendment is a new draft that carries the reference of the one it replaces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.audit.chain import canonical
from casework.auth.principal import Principal
from casework.cases import service as cases
from casework.customers import repository as customers
from casework.decisions import service as decisions
from casework.fx.service import RateTable
from casework.infra.errors import Conflict, FieldError, NotFound, ValidationFailed
from casework.infra.ids import new_id
from casework.models import Case, Report, ReportSchema, Tenant
from casework.models.base import utcnow
from casework.models.enums import ReportStatus
from casework.reports import deadlines, formats, prefill, repository
from casework.reports import schema as xsd
from casework.reports import settings as reporting
from casework.reports.content import Problem, ReportContent, ReportMeta
from casework.reports.schemas import FilingBody, ReportCreate, ReportUpdate
from casework.tenants.service import next_number
from casework.transactions import repository as transactions

KIND = "report"
MAX_TRANSACTIONS = 1000
ALWAYS = "a regulatory report is always approved by a second person"


def create(session: Session, *, actor: Principal, case_id: str, body: ReportCreate) -> Report:
    """A draft report on the case, pre-filled from it."""
    case = cases.get_case(session, actor=actor, case_id=case_id)
    if body.report_code not in formats.codes(body.format):
        allowed = ", ".join(formats.codes(body.format))
        raise ValidationFailed.on("report_code", f"must be one of {allowed} for {body.format}")
    detected = body.detected_on or case.created_at.date()
    _not_future("detected_on", detected)
    tenant = _tenant(session, actor)
    settings = reporting.of(tenant.settings)
    continued = _continued(session, actor, body)
    content = _prefill(session, case, tenant, body.format, settings)
    if body.content is not None:
        content = _overlay(content, body.content)
    report = Report(
        id=new_id(),
        tenant_id=actor.tenant_id,
        case_id=case.id,
        number=next_number(session, tenant_id=actor.tenant_id, name="report_number"),
        format=body.format,
        report_code=body.report_code,
        status=ReportStatus.draft,
        content=content.model_dump(mode="json"),
        detected_on=detected,
        suspect_identified=body.suspect_identified,
        continues_report_id=continued.id if continued else None,
        prior_reference=continued.reference if continued else None,
        created_by_user_id=actor.user_id,
        created_by_client_id=actor.api_client_id,
        created_by_name=actor.display_name,
    )
    report.due_on = _due_on(report, settings, continued=continued)
    session.add(report)
    session.flush()
    suffix = f", continuing report #{continued.number}" if continued else ""
    _trail(session, actor, report, "report.created", f"Drafted {_label(report)}{suffix}")
    return report


def _continued(session: Session, actor: Principal, body: ReportCreate) -> Report | None:
    continuing = body.format == "fincen_sar" and body.report_code == "continuing"
    if body.continues_report_id is None:
        if continuing:
            raise ValidationFailed.on(
                "continues_report_id",
                "a continuing activity report names the filed SAR it continues",
            )
        return None
    if not continuing:
        raise ValidationFailed.on(
            "continues_report_id", "only a FinCEN continuing activity report continues another"
        )
    try:
        prior = repository.get(
            session, tenant_id=actor.tenant_id, report_id=body.continues_report_id
        )
    except NotFound:
        raise ValidationFailed.on(
            "continues_report_id", f"report {body.continues_report_id} not found"
        ) from None
    if prior.format != "fincen_sar" or prior.status is not ReportStatus.filed:
        raise ValidationFailed.on("continues_report_id", "must be a filed FinCEN SAR")
    return prior


def _prefill(
    session: Session, case: Case, tenant: Tenant, format: str, settings: reporting.ReportingSettings
) -> ReportContent:
    customer = (
        customers.get(session, tenant_id=case.tenant_id, customer_id=case.customer_id)
        if case.customer_id
        else None
    )
    rows = transactions.linked_to_case(
        session, tenant_id=case.tenant_id, case_id=case.id, limit=MAX_TRANSACTIONS
    )
    local = formats.local_currency(format, settings, tenant.default_currency)
    currencies, last = prefill.rates_for(rows, local)
    first = min((t.occurred_at.date() for t in rows), default=last)
    rates = RateTable.load(session, currencies, first=first, last=last)
    return prefill.content(
        customer, rows, local_currency=local, default_currency=tenant.default_currency, rates=rates
    )


def _overlay(base: ReportContent, given: ReportContent) -> ReportContent:
    """The pre-filled draft with every field the request set replaced."""
    chosen = {name: getattr(given, name) for name in given.model_fields_set}
    return base.model_copy(update=chosen)


def get(session: Session, *, actor: Principal, report_id: str) -> Report:
    return repository.get(session, tenant_id=actor.tenant_id, report_id=report_id)


def of_case(session: Session, *, actor: Principal, case_id: str) -> list[Report]:
    case = cases.get_case(session, actor=actor, case_id=case_id)
    return repository.of_case(session, tenant_id=actor.tenant_id, case_id=case.id)


def update(session: Session, *, actor: Principal, report_id: str, body: ReportUpdate) -> Report:
    """Change a draft: its content (whole), when the activity was detected, whether a
    suspect is identified."""
    report = _locked(session, actor, report_id)
    if report.status is not ReportStatus.draft:
        raise Conflict(
            f"report #{report.number} is {report.status.value}: only a draft is edited"
            + (
                " (an amendment is a new draft: POST /v1/reports/{id}/amend)"
                if _final(report)
                else ""
            )
        )
    before = _facts(report)
    changed: list[str] = []
    if body.content is not None:
        content = body.content.model_dump(mode="json")
        if content != report.content:
            report.content = content
            changed.append("content")
    if body.detected_on is not None and body.detected_on != report.detected_on:
        _not_future("detected_on", body.detected_on)
        report.detected_on = body.detected_on
        changed.append("detected_on")
    if body.suspect_identified is not None and body.suspect_identified != report.suspect_identified:
        report.suspect_identified = body.suspect_identified
        changed.append("suspect_identified")
    if not changed:
        return report
    if report.amends_report_id is None:  # an amendment stays due when the original was
        settings = reporting.of(_tenant(session, actor).settings)
        report.due_on = _due_on(report, settings, continued=_prior(session, report))
    report.updated_at = utcnow()
    session.flush()
    _trail(
        session,
        actor,
        report,
        "report.updated",
        f"Edited {_label(report)}: {', '.join(changed)}",
        before=before,
    )
    return report


def problems(
    session: Session, report: Report
) -> tuple[list[Problem], ReportSchema | None, xsd.Schema | None]:
    """Everything missing or invalid in the report: casework's rules, then the tenant's
    schema for the format when it has one."""
    meta, content, settings = _inputs(session, report)
    found = formats.check(report.format, meta, content, settings)
    stored = repository.schema_of(session, tenant_id=report.tenant_id, format=report.format)
    if stored is None:
        return found, None, None
    compiled = xsd.load(stored.xsd)
    built = formats.build(report.format, meta, content, settings)
    return found + compiled.problems(built), stored, compiled


def xml(session: Session, *, actor: Principal, report_id: str) -> tuple[Report, bytes]:
    """The report's XML: as frozen when it was marked ready, or else written from the
    draft as it stands."""
    report = get(session, actor=actor, report_id=report_id)
    if report.xml is not None:
        return report, report.xml
    meta, content, settings = _inputs(session, report)
    return report, formats.build(report.format, meta, content, settings).serialize()


def xml_filename(report: Report) -> str:
    return f"report-{report.number}-{report.format}-{report.report_code}.xml"


def mark_ready(session: Session, *, actor: Principal, report_id: str) -> Report:
    """Validate the draft, freeze its XML and propose its approval to a second person."""
    report = _locked(session, actor, report_id)
    if report.status is not ReportStatus.draft:
        raise Conflict(f"report #{report.number} is {report.status.value}, not a draft")
    found, _stored, _compiled = problems(session, report)
    if found:
        raise Conflict(
            f"report #{report.number} is not valid: {len(found)} problem(s); "
            f"GET /v1/reports/{report.id}/validation lists them",
            errors=[FieldError(p.field or p.element, p.message) for p in found[:50]],
        )
    meta, content, settings = _inputs(session, report)
    frozen = formats.build(report.format, meta, content, settings).serialize()
    now = utcnow()
    report.xml = frozen
    report.xml_sha256 = hashlib.sha256(frozen).hexdigest()
    report.status = ReportStatus.ready
    report.ready_by_name = actor.display_name
    report.ready_at = now
    report.updated_at = now
    session.flush()
    _trail(
        session,
        actor,
        report,
        "report.ready",
        f"Marked {_label(report)} ready: valid, XML frozen (sha256 {report.xml_sha256})",
    )
    case = cases.locked_case(session, actor=actor, case_id=report.case_id)
    authors = sorted({u for u in (report.created_by_user_id, actor.user_id) if u})
    change: dict[str, Any] = {
        "report_id": report.id,
        "number": report.number,
        "format": report.format,
        "report_code": report.report_code,
        "xml_sha256": report.xml_sha256,
        "authors": authors,
    }
    proposed = decisions.propose(
        session,
        actor,
        case,
        kind=KIND,
        change=change,
        reasons=[ALWAYS],
        what=f"approving {_label(report)}",
    )
    report.pending_decision_id = proposed.id
    session.flush()
    return report


def approve(session: Session, *, actor: Principal, report_id: str, note: str | None) -> Report:
    report = get(session, actor=actor, report_id=report_id)
    decisions.approve(session, actor=actor, decision_id=_pending(report), note=note)
    return report


def reject(session: Session, *, actor: Principal, report_id: str, note: str) -> Report:
    report = get(session, actor=actor, report_id=report_id)
    decisions.reject(session, actor=actor, decision_id=_pending(report), note=note)
    return report


def _pending(report: Report) -> str:
    if report.status is not ReportStatus.ready or report.pending_decision_id is None:
        raise Conflict(f"report #{report.number} is {report.status.value}: nothing awaits approval")
    return report.pending_decision_id


def file(session: Session, *, actor: Principal, report_id: str, body: FilingBody) -> Report:
    """Record that the approved report was filed with the FIU: its reference (or BSA ID)
    and when the FIU acknowledged it. casework does not send it."""
    report = _locked(session, actor, report_id)
    if report.status is not ReportStatus.approved:
        raise Conflict(
            f"report #{report.number} is {report.status.value}: only an approved report is filed"
        )
    _not_future("acknowledged_on", body.acknowledged_on)
    assert report.approved_at is not None
    if body.acknowledged_on < report.approved_at.date():
        raise ValidationFailed.on("acknowledged_on", "must not be before the report was approved")
    now = utcnow()
    report.status = ReportStatus.filed
    report.reference = body.reference
    report.acknowledged_on = body.acknowledged_on
    report.filed_by_name = actor.display_name
    report.filed_at = now
    report.review_on = deadlines.review_on(report, now.date())
    report.updated_at = now
    continued = _prior(session, report) if report.continues_report_id else None
    if continued is not None and continued.reviewed_at is None:
        continued.reviewed_at = now
        continued.review_note = f"Continuing activity report #{report.number} filed"
    session.flush()
    _trail(
        session,
        actor,
        report,
        "report.filed",
        f"Filed {_label(report)}: reference {body.reference}, acknowledged "
        f"{body.acknowledged_on.isoformat()}",
    )
    return report


def record_rejection(session: Session, *, actor: Principal, report_id: str, note: str) -> Report:
    """The FIU rejected the filed report; an amendment then replaces it."""
    report = _locked(session, actor, report_id)
    if report.status is not ReportStatus.filed:
        raise Conflict(
            f"report #{report.number} is {report.status.value}: only a filed report is rejected"
        )
    report.status = ReportStatus.rejected
    report.fiu_rejected_at = utcnow()
    report.fiu_rejection_note = note
    report.updated_at = report.fiu_rejected_at
    session.flush()
    _trail(
        session,
        actor,
        report,
        "report.fiu_rejected",
        f"The FIU rejected {_label(report)} (reference {report.reference}): {note}",
    )
    return report


def amend(session: Session, *, actor: Principal, report_id: str) -> Report:
    """A new draft replacing a filed report, with its content, carrying its reference:
    goAML's prev_rejected_ref_number (after the FIU rejected it), FinCEN's prior BSA ID
    (a correction)."""
    original = _locked(session, actor, report_id)
    allowed = (
        (ReportStatus.rejected,)
        if original.format == "goaml"
        else (ReportStatus.filed, ReportStatus.rejected)
    )
    if original.status not in allowed:
        needs = "rejected by the FIU" if original.format == "goaml" else "filed"
        raise Conflict(
            f"report #{original.number} is {original.status.value}: "
            f"only a report {needs} is amended"
        )
    amendment = Report(
        id=new_id(),
        tenant_id=original.tenant_id,
        case_id=original.case_id,
        number=next_number(session, tenant_id=actor.tenant_id, name="report_number"),
        format=original.format,
        report_code=formats.amendment_code(original.format, original.report_code),
        status=ReportStatus.draft,
        content=dict(original.content),
        detected_on=original.detected_on,
        suspect_identified=original.suspect_identified,
        due_on=original.due_on,
        amends_report_id=original.id,
        continues_report_id=original.continues_report_id,
        prior_reference=original.reference,
        created_by_user_id=actor.user_id,
        created_by_client_id=actor.api_client_id,
        created_by_name=actor.display_name,
    )
    session.add(amendment)
    session.flush()
    _trail(
        session,
        actor,
        amendment,
        "report.created",
        f"Drafted {_label(amendment)}, amending report #{original.number} "
        f"(reference {original.reference})",
    )
    return amendment


def record_review(session: Session, *, actor: Principal, report_id: str, note: str) -> Report:
    """The continuing-activity review of a filed FinCEN SAR, done without another filing
    (the activity stopped)."""
    report = _locked(session, actor, report_id)
    if report.status is not ReportStatus.filed or report.review_on is None:
        raise Conflict(f"report #{report.number} has no continuing-activity review")
    if report.reviewed_at is not None:
        raise Conflict(f"report #{report.number}'s continuing-activity review is done already")
    report.reviewed_at = utcnow()
    report.review_note = note
    session.flush()
    _trail(
        session,
        actor,
        report,
        "report.reviewed",
        f"Reviewed continuing activity of {_label(report)}: {note}",
    )
    return report


def page(
    session: Session,
    *,
    actor: Principal,
    statuses: Sequence[ReportStatus],
    format: str | None,
    overdue: bool,
    cursor: str | None,
    limit: int,
) -> tuple[Sequence[Report], str | None]:
    return repository.page(
        session,
        tenant_id=actor.tenant_id,
        statuses=statuses,
        format=format,
        due_before=date.today() if overdue else None,
        cursor=cursor,
        limit=limit,
    )


def deadlines_due(
    session: Session, *, actor: Principal, within_days: int, limit: int
) -> list[Report]:
    until = date.fromordinal(date.today().toordinal() + within_days)
    return repository.deadlines(session, tenant_id=actor.tenant_id, until=until, limit=limit)


# -- settings ---------------------------------------------------------------------------


def get_settings(session: Session, *, actor: Principal) -> reporting.ReportingSettings:
    return reporting.of(_tenant(session, actor).settings)


def set_settings(
    session: Session, *, actor: Principal, body: reporting.ReportingSettings
) -> reporting.ReportingSettings:
    tenant = session.get(Tenant, actor.tenant_id, with_for_update=True)
    if tenant is None:
        raise NotFound(f"tenant {actor.tenant_id} not found")
    before = (tenant.settings or {}).get(reporting.SETTING)
    after = body.model_dump(mode="json", exclude_none=True)
    if before == after:
        return body
    tenant.settings = {**(tenant.settings or {}), reporting.SETTING: after}
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.reporting_set",
        entity_type="tenant",
        entity_id=tenant.id,
        message="Reporting-entity settings set",
        before={reporting.SETTING: before},
        after={reporting.SETTING: after},
    )
    return body


def put_schema(
    session: Session, *, actor: Principal, format: str, filename: str, data: bytes
) -> tuple[ReportSchema, xsd.Schema]:
    """Validate the tenant's reports of ``format`` against this XSD from now on."""
    try:
        compiled = xsd.load(data)
    except xsd.SchemaUnusable as exc:
        raise ValidationFailed.on("file", str(exc)) from None
    stored = repository.schema_of(session, tenant_id=actor.tenant_id, format=format)
    before = {"sha256": stored.sha256, "filename": stored.filename} if stored else None
    if stored is None:
        stored = ReportSchema(tenant_id=actor.tenant_id, format=format)
        session.add(stored)
    stored.filename = filename
    stored.xsd = data
    stored.sha256 = compiled.sha256
    stored.uploaded_by_name = actor.display_name
    stored.uploaded_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.report_schema_set",
        entity_type="tenant",
        entity_id=actor.tenant_id,
        message=f"{formats.LABELS[format]} schema set: {filename} (sha256 {compiled.sha256})",
        before={"schema": before},
        after={"schema": {"sha256": compiled.sha256, "filename": filename, "format": format}},
    )
    return stored, compiled


def get_schema(
    session: Session, *, actor: Principal, format: str
) -> tuple[ReportSchema, xsd.Schema]:
    stored = repository.schema_of(session, tenant_id=actor.tenant_id, format=format)
    if stored is None:
        raise NotFound(f"no {formats.LABELS[format]} schema is set")
    return stored, xsd.load(stored.xsd)


def delete_schema(session: Session, *, actor: Principal, format: str) -> None:
    stored, _compiled = get_schema(session, actor=actor, format=format)
    session.delete(stored)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="tenant.report_schema_removed",
        entity_type="tenant",
        entity_id=actor.tenant_id,
        message=f"{formats.LABELS[format]} schema removed: casework's own rules only",
        before={"schema": {"sha256": stored.sha256, "filename": stored.filename}},
    )


# -- helpers ----------------------------------------------------------------------------


def _inputs(
    session: Session, report: Report
) -> tuple[ReportMeta, ReportContent, reporting.ReportingSettings]:
    tenant = session.get(Tenant, report.tenant_id)
    assert tenant is not None
    case = session.get(Case, report.case_id)
    assert case is not None
    meta = ReportMeta(
        report_id=report.id,
        entity_reference=f"{tenant.slug}-case-{case.number}-report-{report.number}",
        report_code=report.report_code,
        report_date=(report.ready_at or utcnow()).date(),
        fiu_ref_number=None,
        prev_rejected_ref_number=report.prior_reference
        if report.format == "goaml" and report.amends_report_id
        else None,
        prior_bsa_id=report.prior_reference if report.format == "fincen_sar" else None,
        suspect_identified=report.suspect_identified,
    )
    content = ReportContent.model_validate(report.content)
    return meta, content, reporting.of(tenant.settings)


def _due_on(
    report: Report, settings: reporting.ReportingSettings, *, continued: Report | None
) -> date | None:
    filed = continued.filed_at.date() if continued and continued.filed_at else None
    return deadlines.due_on(
        format=report.format,
        report_code=report.report_code,
        detected_on=report.detected_on,
        suspect_identified=report.suspect_identified,
        goaml_days=settings.goaml.deadline_days,
        continued_filing=filed,
    )


def _prior(session: Session, report: Report) -> Report | None:
    if report.continues_report_id is None:
        return None
    return repository.get(session, tenant_id=report.tenant_id, report_id=report.continues_report_id)


def _locked(session: Session, actor: Principal, report_id: str) -> Report:
    return repository.get(session, tenant_id=actor.tenant_id, report_id=report_id, for_update=True)


def _tenant(session: Session, actor: Principal) -> Tenant:
    tenant = session.get(Tenant, actor.tenant_id)
    if tenant is None:
        raise NotFound(f"tenant {actor.tenant_id} not found")
    return tenant


def _final(report: Report) -> bool:
    return report.status in (ReportStatus.filed, ReportStatus.rejected)


def _not_future(field: str, value: date) -> None:
    if value > date.today():
        raise ValidationFailed.on(field, "must not be in the future")


def _label(report: Report) -> str:
    return f"{formats.LABELS[report.format]} {report.report_code} report #{report.number}"


def _trail(
    session: Session,
    actor: Principal,
    report: Report,
    action: str,
    message: str,
    before: dict[str, Any] | None = None,
) -> None:
    """One step of the report in its case's trail, with the state it left it in."""
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="report",
        entity_id=report.id,
        case_id=report.case_id,
        message=message,
        before=before,
        after=_facts(report),
    )


def _facts(report: Report) -> dict[str, Any]:
    """What the trail keeps of a report: its state, not its personal content."""
    return {
        "number": report.number,
        "format": report.format,
        "report_code": report.report_code,
        "status": report.status.value,
        "detected_on": report.detected_on.isoformat(),
        "suspect_identified": report.suspect_identified,
        "due_on": report.due_on.isoformat() if report.due_on else None,
        "reference": report.reference,
        "prior_reference": report.prior_reference,
        "xml_sha256": report.xml_sha256,
        "content_sha256": hashlib.sha256(canonical(report.content)).hexdigest(),
    }
