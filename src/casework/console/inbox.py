"""The inbox: a user's notifications (such as @mentions), newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from casework.console.routing import ConsoleRoute
from casework.console.templating import redirect, render
from casework.console.web import CurrentViewer
from casework.infra.dependencies import DbSession
from casework.infra.errors import ValidationFailed
from casework.notifications import service as notifications

router = APIRouter(route_class=ConsoleRoute)

PAGE_SIZE = 50
SHOWN = ("all", "unread")


@router.get("/inbox")
def inbox_page(
    request: Request,
    session: DbSession,
    viewer: CurrentViewer,
    show: Annotated[str, Query(max_length=10)] = "all",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    if show not in SHOWN:
        raise ValidationFailed.on("show", "must be 'all' or 'unread'")
    items, next_cursor = notifications.inbox(
        session,
        actor=viewer.principal,
        unread_only=show == "unread",
        cursor=cursor,
        limit=PAGE_SIZE,
    )
    context = {
        "items": items,
        "next_cursor": next_cursor,
        "show": show,
        "first_page": cursor is None,
        "unread": notifications.unread_count(session, actor=viewer.principal),
    }
    return render(request, "inbox.html", context)


@router.post("/inbox/read-all")
def mark_all_read(session: DbSession, viewer: CurrentViewer) -> Response:
    marked = notifications.mark_all_read(session, actor=viewer.principal)
    noun = "notification" if marked == 1 else "notifications"
    return redirect("/console/inbox", notice=f"Marked {marked} {noun} as read.")


@router.post("/inbox/{notification_id}/read")
def mark_read(notification_id: str, session: DbSession, viewer: CurrentViewer) -> Response:
    notifications.mark_read(session, actor=viewer.principal, notification_id=notification_id)
    return redirect("/console/inbox", notice="Marked as read.")
