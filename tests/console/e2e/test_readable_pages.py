"""The console in words people read: acronyms in capitals, no raw enum values in the
audit trail, long alias lists wrapped, the watchlists' dates and columns in line, and the
dashboard's daily chart across the page. Each page is also saved as a screenshot."""

# Cyrillic aliases are part of the listed data on purpose.

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Locator, Page, expect

from casework.infra.db import Database
from casework.models.base import utcnow
from casework.screening.service import import_dataset
from tests.console.e2e.conftest import screenshot
from tests.console.e2e.test_console_flow import sign_in
from tests.console.test_case_page import api, screened_case
from tests.factories import TenantKit

CAPTION = "Viktor Anatolyevich Bout"
ALIASES = [
    "Viktor But",
    "Victor Bout",
    "Viktor Budd",
    "Victor Anatolyevich Bout",
    "Vadim Markovich Aminov",
    "Victor Butt",
    "Boris Bout",
    "Viktor Bulakin",
    "Vitali Sergitov",
    "Viktor Anatolijevitch Bout",
    "Merchant of Death",
    "Виктор Анатольевич Бут",
    "Victor Anatolievich Bout of the Sharjah and Ostend air freight companies, 1990s",
]
SHOWN = 6


@pytest.fixture
def aliased_list(db: Database, staff: TenantKit, tmp_path: Path) -> str:
    """The staff's own list: one person with many aliases, published two days ago."""
    name = f"aliases-{secrets.token_hex(4)}"
    record = {
        "id": "vb",
        "schema": "Person",
        "target": True,
        "properties": {
            "name": [CAPTION],
            "alias": ALIASES,
            "birthDate": ["1967-01-13"],
            "topics": ["sanction"],
        },
    }
    path = tmp_path / "aliases.json"
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with db.transaction() as session:
        import_dataset(
            session,
            name=name,
            format_name="ftm",
            paths=[path],
            tenant_id=staff.tenant_id,
            published_at=utcnow() - timedelta(days=2),
        )
    return name


def _box(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None
    return box


def test_the_case_page_writes_acronyms_and_words(
    page: Page, app: FastAPI, client: TestClient, staff: TenantKit, aliased_list: str
) -> None:
    case = screened_case(app, client, staff, title="Readable trail", module="aml", tasks=[])
    resolve = {"to": "resolved", "resolution": "false_positive", "note": "Different person"}
    api(client, staff.supervisor, "POST", f"/v1/cases/{case['id']}/transition", json=resolve)
    sign_in(page, staff.analyst)
    page.goto(f"/console/cases/{case['id']}")
    module = page.locator("dt", has_text="Module").locator("xpath=following-sibling::dd[1]")
    expect(module).to_have_text("AML")
    trail = page.locator(".timeline")
    expect(trail).to_contain_text("Resolved as false positive: Different person")
    assert "false_positive" not in trail.inner_text()
    # The screening summary says the same in words.
    text = page.locator("main").inner_text()
    assert "unreviewed." in text and "_positive" not in text and "_threat" not in text
    # The match card names the alias that matched, not only the caption.
    alias = page.locator("article.match .matched-alias strong").first
    assert alias.inner_text() in ALIASES
    screenshot(page, "readable-case")


def test_the_screening_page_wraps_a_long_alias_list(
    page: Page, staff: TenantKit, aliased_list: str
) -> None:
    sign_in(page, staff.analyst)
    page.goto(f"/console/screening?name=Viktor+But&dataset={aliased_list}")
    card = page.locator("article.match").first
    aliases = card.locator("dd > ul.aliases > li")
    expect(aliases).to_have_count(SHOWN)
    # The alias that matched comes first, and says so.
    expect(aliases.first).to_have_text("Viktor But (matched)")
    more = card.locator("details.aliases-more")
    expect(more.locator("summary")).to_have_text(f"and {len(ALIASES) - SHOWN} more")
    expect(more.locator("li").first).not_to_be_visible()
    screenshot(page, "readable-screening")
    more.locator("summary").click()
    expect(more.locator("li")).to_have_count(len(ALIASES) - SHOWN)
    expect(more.locator("li").last).to_be_visible()
    # Wrapped: no name runs past the card, and the list takes several lines.
    right = _box(card)["x"] + _box(card)["width"]
    for item in card.locator("ul.aliases > li").all():
        assert _box(item)["x"] + _box(item)["width"] <= right + 1, item.inner_text()
    tops = {round(_box(item)["y"]) for item in card.locator("ul.aliases > li").all()}
    assert len(tops) > 2
    screenshot(page, "readable-screening-all-aliases")


def test_watchlists_show_publication_and_import_in_aligned_columns(
    page: Page, staff: TenantKit, aliased_list: str
) -> None:
    sign_in(page, staff.analyst)
    page.goto("/console/watchlists")
    table = page.locator("table.watchlists")
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headers[3:5] == ["Published", "Imported"], headers
    row = table.locator("tbody tr", has=page.get_by_role("link", name=aliased_list))
    cells = row.locator("td")
    published = (utcnow() - timedelta(days=2)).strftime("%Y-%m-%d")
    expect(cells.nth(3)).to_have_text(published)
    expect(cells.nth(4)).to_contain_text("UTC")
    # Each header sits on the side its values do: numbers right, the rest left.
    for index, name in enumerate(headers):
        header, cell = _box(table.locator("thead th").nth(index)), _box(cells.nth(index))
        align = cells.nth(index).evaluate("el => getComputedStyle(el).textAlign")
        header_align = (
            table.locator("thead th").nth(index).evaluate("el => getComputedStyle(el).textAlign")
        )
        assert align == header_align, (name, align, header_align)
        assert abs(header["x"] - cell["x"]) < 1 and abs(header["width"] - cell["width"]) < 1
    screenshot(page, "readable-watchlists")

    row.get_by_role("link", name=aliased_list).click()
    expect(page.locator("dl.facts")).to_contain_text(published)
    versions = page.locator("section", has=page.locator("#versions-title")).locator("table")
    expect(versions.locator("thead th").nth(2)).to_have_text("Published")
    expect(versions.locator("tbody tr").first.locator("td").nth(2)).to_have_text(published)
    screenshot(page, "readable-watchlist")


def test_the_daily_chart_spans_the_dashboard(
    page: Page, app: FastAPI, client: TestClient, staff: TenantKit, aliased_list: str
) -> None:
    screened_case(app, client, staff, title="Chart sample")
    sign_in(page, staff.admin)
    page.goto("/console/dashboard")
    chart = page.locator("#created-per-day-title").locator("xpath=..")
    card = page.locator("section", has=page.locator("#h-created"))
    sizes: dict[str, Any] = card.evaluate(
        """(card) => {
            const style = getComputedStyle(card);
            const inner = card.clientWidth - parseFloat(style.paddingLeft)
                - parseFloat(style.paddingRight);
            return {inner: inner};
        }"""
    )
    width = _box(chart)["width"]
    assert width >= 0.98 * sizes["inner"], (width, sizes)
    screenshot(page, "readable-dashboard")
