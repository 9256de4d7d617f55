"""The case queue: tabs, filters, keyset pages, and each user's saved views.

The page reads its whole state from the query string, so every view of the queue is
a link: the tabs, the next page and a saved view all carry the same parameters. The
query string is parsed here, strictly: a value the queue does not know is answered
with a 422 page naming the parameter, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session, defer, joinedload
from starlette.datastructures import QueryParams

from casework.auth.permissions import Permission
from casework.cases import listing, repository
from casework.cases.listing import CaseFilters, CaseSort
from casework.console.forms import FormText
from casework.console.routing import ConsoleRoute
from casework.console.templating import label, redirect, render
from casework.console.web import CurrentViewer, Viewer, allowed
from casework.infra.dependencies import DbSession, ReadSession
from casework.infra.errors import ValidationFailed
from casework.models import Case, Customer, User
from casework.models.enums import CreatedByType, Module, Priority, ReviewStatus
from casework.reports import repository as report_repository
from casework.saved_views import service as views

router = APIRouter(route_class=ConsoleRoute)

QUEUE = "/console/cases"
PAGE_SIZES = (10, 25, 50, 100, 200)
DEFAULT_SIZE = 50
TEXT_LIMIT = 200
CURSOR_LIMIT = 500
# Tab counts stop here: counting every case of a large tenant would cost more than
# the page itself, and past this number the exact figure does not change the work.
COUNT_CAP = 1000

E = TypeVar("E", bound=StrEnum)


class Tab(StrEnum):
    mine = "mine"
    unassigned = "unassigned"
    escalated = "escalated"
    overdue = "overdue"
    approval = "approval"
    all = "all"


# Only tabs whose rows an index finds are counted: "escalated to me" has no index on
# the escalation target, so counting it would read every case of the tenant.
COUNTED_TABS = frozenset({Tab.mine, Tab.unassigned, Tab.overdue, Tab.all})
TAB_LABELS = {
    Tab.mine: "My cases",
    Tab.unassigned: "Unassigned",
    Tab.escalated: "Escalated to me",
    Tab.overdue: "Overdue",
    Tab.approval: "Awaiting my approval",
    Tab.all: "All",
}
SORT_LABELS = {
    CaseSort.created_desc: "Newest first",
    CaseSort.created: "Oldest first",
    CaseSort.due: "Due soonest",
    CaseSort.due_desc: "Due latest",
    CaseSort.priority_desc: "Highest priority",
    CaseSort.priority: "Lowest priority",
    CaseSort.updated_desc: "Recently updated",
    CaseSort.updated: "Least recently updated",
}
MODULE_LABELS = {module: label(module) for module in Module}
PROVENANCE_LABELS = {
    CreatedByType.by_officer: "Officer",
    CreatedByType.by_api: "API",
    CreatedByType.by_rule: "Rule",
    CreatedByType.by_workflow: "Workflow",
    CreatedByType.by_ongoing_aml_hit: "Ongoing AML hit",
}


@dataclass(frozen=True)
class QueueQuery:
    """Everything the queue shows, as read from (and written back to) the query string."""

    tab: Tab = Tab.mine
    status: tuple[ReviewStatus, ...] = ()
    priority: tuple[Priority, ...] = ()
    module: Module | None = None
    created_by_type: CreatedByType | None = None
    customer: str = ""
    created_from: date | None = None
    created_to: date | None = None
    q: str = ""
    sort: CaseSort | None = None  # None: the tab's own order
    limit: int = DEFAULT_SIZE
    cursor: str | None = None

    @property
    def order(self) -> CaseSort:
        if self.sort is not None:
            return self.sort
        # Most overdue first, in the order of the due-date index.
        return CaseSort.due if self.tab == Tab.overdue else CaseSort.created_desc

    def params(self) -> dict[str, Any]:
        """The query without its page position; defaults are left out."""
        return {
            "tab": None if self.tab == Tab.mine else self.tab.value,
            "status": [s.value for s in self.status],
            "priority": [p.name for p in self.priority],
            "module": self.module.value if self.module else None,
            "created_by_type": self.created_by_type.value if self.created_by_type else None,
            "customer": self.customer or None,
            "created_from": self.created_from.isoformat() if self.created_from else None,
            "created_to": self.created_to.isoformat() if self.created_to else None,
            "q": self.q or None,
            "sort": self.sort.value if self.sort else None,
            "limit": None if self.limit == DEFAULT_SIZE else self.limit,
        }

    def encoded(self) -> str:
        pairs: list[tuple[str, str]] = []
        for key, value in self.params().items():
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    pairs.append((key, str(item)))
        return urlencode(pairs)


def _choice(field: str, raw: str, kind: type[E]) -> E:
    try:
        return kind(raw)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise ValidationFailed.on(field, f"{raw!r} is not one of {known}") from None


def _priority(raw: str) -> Priority:
    if raw not in Priority.__members__:
        known = ", ".join(Priority.__members__)
        raise ValidationFailed.on("priority", f"{raw!r} is not one of {known}")
    return Priority[raw]


def _day(field: str, raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed.on(field, "must be a date written YYYY-MM-DD") from None


def _text(field: str, raw: str, limit: int = TEXT_LIMIT) -> str:
    cleaned = raw.strip()
    if len(cleaned) > limit:
        raise ValidationFailed.on(field, f"must be at most {limit} characters")
    return cleaned


def _limit(raw: str) -> int:
    if not raw.isdigit() or int(raw) not in PAGE_SIZES:
        sizes = ", ".join(str(s) for s in PAGE_SIZES)
        raise ValidationFailed.on("limit", f"must be one of {sizes}")
    return int(raw)


def _values(params: QueryParams, key: str) -> list[str]:
    return [v.strip() for v in params.getlist(key) if v.strip()]


def _single(params: QueryParams, key: str) -> str:
    found = _values(params, key)
    return found[-1] if found else ""


def parse_query(params: QueryParams) -> QueueQuery:
    """The queue query in ``params``; an unknown value fails naming its parameter."""
    tab, module, made_by = (_single(params, k) for k in ("tab", "module", "created_by_type"))
    created_from, created_to = _single(params, "created_from"), _single(params, "created_to")
    sort, limit = _single(params, "sort"), _single(params, "limit")
    query = QueueQuery(
        tab=_choice("tab", tab, Tab) if tab else Tab.mine,
        status=tuple(
            dict.fromkeys(_choice("status", s, ReviewStatus) for s in _values(params, "status"))
        ),
        priority=tuple(dict.fromkeys(_priority(p) for p in _values(params, "priority"))),
        module=_choice("module", module, Module) if module else None,
        created_by_type=_choice("created_by_type", made_by, CreatedByType) if made_by else None,
        customer=_text("customer", params.get("customer", "")),
        created_from=_day("created_from", created_from) if created_from else None,
        created_to=_day("created_to", created_to) if created_to else None,
        q=_text("q", params.get("q", "")),
        sort=_choice("sort", sort, CaseSort) if sort else None,
        limit=_limit(limit) if limit else DEFAULT_SIZE,
        cursor=_text("cursor", params.get("cursor", ""), CURSOR_LIMIT) or None,
    )
    if query.created_from and query.created_to and query.created_to < query.created_from:
        raise ValidationFailed.on("created_to", "must not be before created_from")
    return query


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def tab_filters(tab: Tab, viewer: Viewer) -> CaseFilters:
    if tab == Tab.mine:
        return CaseFilters(assignee="me")
    if tab == Tab.unassigned:
        return CaseFilters(assignee="none")
    if tab == Tab.escalated:
        return CaseFilters(escalated_for=viewer.user_id)
    if tab == Tab.overdue:
        return CaseFilters(overdue=True)
    if tab == Tab.approval:
        return CaseFilters(awaiting_approval_by=viewer.user_id)
    return CaseFilters()


def case_filters(query: QueueQuery, viewer: Viewer) -> CaseFilters:
    return replace(
        tab_filters(query.tab, viewer),
        review_status=list(query.status) or None,
        priority=list(query.priority) or None,
        module=query.module,
        created_by_type=query.created_by_type,
        customer=query.customer or None,
        created_from=_midnight(query.created_from) if query.created_from else None,
        created_before=(
            _midnight(query.created_to + timedelta(days=1)) if query.created_to else None
        ),
        q=query.q or None,
    )


def list_options() -> list[Any]:
    """What a queue row shows, and no more: no checklist, comments or long texts."""
    return [
        defer(Case.description, raiseload=True),
        defer(Case.notes, raiseload=True),
        defer(Case.rfi, raiseload=True),
        defer(Case.resolution_note, raiseload=True),
        defer(Case.created_by_rule, raiseload=True),
        joinedload(Case.customer).load_only(Customer.full_name, Customer.external_id),
        joinedload(Case.assignee).load_only(User.first_name, User.last_name),
        joinedload(Case.escalated_to).load_only(User.first_name, User.last_name),
    ]


def is_overdue(case: Case, now: datetime) -> bool:
    return (
        case.due_date is not None
        and case.due_date < now
        and case.review_status not in listing.FINISHED
    )


@dataclass(frozen=True)
class TabLink:
    tab: Tab
    label: str
    href: str
    count: int | None
    current: bool

    @property
    def shown_count(self) -> str | None:
        if self.count is None:
            return None
        return f"{COUNT_CAP}+" if self.count >= COUNT_CAP else str(self.count)


def _href(params: str) -> str:
    return f"{QUEUE}?{params}" if params else QUEUE


def tab_links(session: Session, viewer: Viewer, query: QueueQuery) -> list[TabLink]:
    links = []
    for tab in Tab:
        if tab == Tab.approval and not viewer.can(Permission.case_approve):
            continue
        count = (
            repository.count_cases(
                session, actor=viewer.principal, filters=tab_filters(tab, viewer), up_to=COUNT_CAP
            )
            if tab in COUNTED_TABS
            else None
        )
        href = _href(replace(query, tab=tab, cursor=None).encoded())
        links.append(TabLink(tab, TAB_LABELS[tab], href, count, tab == query.tab))
    return links


Reader = Annotated[Viewer, allowed(Permission.case_read)]


@router.get("/cases")
def queue_page(request: Request, session: ReadSession, viewer: Reader) -> Response:
    query = parse_query(request.query_params)
    rows, next_cursor = repository.list_cases(
        session,
        actor=viewer.principal,
        filters=case_filters(query, viewer),
        sort=query.order,
        cursor=query.cursor,
        limit=query.limit,
        options=list_options(),
    )
    now = datetime.now(UTC)
    encoded = query.encoded()
    saved = views.list_views(session, actor=viewer.principal)
    context = {
        "query": query,
        "encoded": encoded,
        "tabs": tab_links(session, viewer, query),
        "rows": rows,
        "overdue": {case.id for case in rows if is_overdue(case, now)},
        "report_due": report_repository.next_due_by_case(
            session, tenant_id=viewer.tenant_id, case_ids=[case.id for case in rows]
        ),
        "today": now.date(),
        "next_href": _next_href(encoded, next_cursor) if next_cursor else None,
        "first_href": _href(encoded),
        "saved": saved,
        "current_view": next((v.id for v in saved if v.query == encoded), None),
        "choices": _choices(),
    }
    return render(request, "queue.html", context)


def _next_href(encoded: str, cursor: str) -> str:
    return _href(urlencode([*QueryParams(encoded).multi_items(), ("cursor", cursor)]))


def _choices() -> dict[str, Any]:
    return {
        "statuses": list(ReviewStatus),
        "priorities": sorted(Priority, reverse=True),
        "modules": MODULE_LABELS,
        "provenances": PROVENANCE_LABELS,
        "sorts": SORT_LABELS,
        "sizes": PAGE_SIZES,
    }


@router.post("/cases/views")
def save_view(
    session: DbSession, viewer: CurrentViewer, name: FormText = "", query: FormText = ""
) -> Response:
    if len(query) > views.QUERY_LIMIT:
        raise ValidationFailed.on("query", f"must be at most {views.QUERY_LIMIT} characters")
    canonical = replace(parse_query(QueryParams(query)), cursor=None).encoded()
    view = views.save_view(session, actor=viewer.principal, name=name, query=canonical)
    return redirect(_href(canonical), notice=f"Saved the view “{view.name}”.")


@router.post("/cases/views/{view_id}/delete")
def delete_view(view_id: str, session: DbSession, viewer: CurrentViewer) -> Response:
    view = views.delete_view(session, actor=viewer.principal, view_id=view_id)
    return redirect(QUEUE, notice=f"Deleted the view “{view.name}”.")
