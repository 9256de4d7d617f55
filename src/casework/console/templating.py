"""Rendering console pages: one autoescaping Jinja2 environment and its helpers.

Autoescaping is on for every template, so user content (case titles, comments,
customer names) always reaches the page as text. ``Markup`` is used only for markup
the console builds itself, such as its SVG charts.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

NOTICE_COOKIE = "console_notice"
# Scripts only from the console's own files, no framing, forms post only here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _day(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    return value.strftime("%Y-%m-%d")


# Words written in capitals wherever a slug holding them is shown as a label.
ACRONYMS = {
    word: word.upper()
    for word in (
        "aml", "api", "bic", "cdd", "csv", "ctr", "edd", "eu", "fiu", "fx", "iban", "id",
        "imo", "kyc", "lei", "pep", "sar", "str", "uk", "ubo", "un", "url", "utc", "xml",
    )
}  # fmt: skip
_WORD = re.compile(r"[^\s_-]+")


def label(value: object) -> str:
    """An enum or slug as words: ``awaiting_user`` -> ``Awaiting user``, ``aml`` -> ``AML``,
    ``ADVERSE_MEDIA`` -> ``Adverse media``, ``tax_id`` -> ``Tax ID``."""
    if value is None:
        return "—"
    raw = str(value.value if isinstance(value, Enum) else value)
    # A value shouted in capitals (``UBO_RESOLUTION``) reads as words, bar its acronyms.
    words = [w.lower() if raw.isupper() else w for w in _WORD.findall(raw)]
    text = " ".join(ACRONYMS.get(w.lower(), w) for w in words)
    return text[:1].upper() + text[1:]


def _value(value: object) -> str:
    return str(value.value) if isinstance(value, Enum) else str(value)


def _query(params: dict[str, Any], **changes: Any) -> str:
    """``params`` with ``changes`` applied, as a query string (None removes a key)."""
    merged = {**params, **changes}
    pairs: list[tuple[str, str]] = []
    for key, value in merged.items():
        if value is None or value == "" or value == []:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, _value(item)))
    return urlencode(pairs)


environment = Environment(
    loader=PackageLoader("casework.console", "templates"),
    autoescape=select_autoescape(["html", "svg", "xml"], default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["when"] = _when
environment.filters["day"] = _day
environment.filters["label"] = label
environment.filters["value"] = _value
environment.globals["query"] = _query


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    notice = request.cookies.get(NOTICE_COOKIE)
    page = environment.get_template(template).render(
        request=request,
        viewer=viewer,
        csrf=viewer.csrf if viewer is not None else "",
        notice=unquote(notice) if notice else None,
        path=request.url.path,
        **(context or {}),
    )
    response = HTMLResponse(page, status_code=status)
    if notice:
        response.delete_cookie(NOTICE_COOKIE, path="/console")
    response.headers.update(SECURITY_HEADERS)
    return response


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """After a form: see-other to ``url``, with a one-time notice shown there."""
    response = RedirectResponse(url, status_code=303)
    if notice:
        response.set_cookie(
            NOTICE_COOKIE,
            quote(notice),
            max_age=60,
            path="/console",
            httponly=True,
            samesite="lax",
        )
    return response
