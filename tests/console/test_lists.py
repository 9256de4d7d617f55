"""The screening page, listed entities, and the watchlists with their versions."""

# Cyrillic aliases are part of the listed data on purpose.

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.console.support import PASSWORD, Browser
from tests.factories import Member, TenantKit, make_member
from tests.screening.test_api import _thing
from tests.screening.test_lists import _person, _write

OpenBrowser = Callable[[Member | None], Browser]
SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
FILLERS = 55


def _import(db: Database, name: str, path: Path) -> None:
    with db.transaction() as session:
        import_dataset(session, name=name, format_name="ftm", paths=[path])


@pytest.fixture(scope="module")
def listed(db: Database, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small sanctions list, imported once for this module."""
    name = f"console-{secrets.token_hex(4)}"
    path = tmp_path_factory.mktemp("list") / "list.json"
    _write(
        path,
        _thing(
            "vp",
            "Person",
            "Vladimir Vladimirovich Putin",
            birthDate="1952-10-07",
            nationality="ru",
            gender="male",
            alias=["Владимир Владимирович Путин"],
        ),
        _thing("pass", "Person", "Ahmad Karimi", passportNumber="K1234567", birthDate="1980"),
        _thing("xss", "Person", f"{SCRIPT} Smithers", birthDate="1970"),
    )
    _import(db, name, path)
    return name


@pytest.fixture
def versioned(db: Database, tmp_path: Path) -> str:
    """A list imported twice: one entity changed, one added, one removed."""
    name = f"console-v-{secrets.token_hex(4)}"
    fillers = [_person(f"f{i:02d}", f"Filler Person {i:02d}") for i in range(FILLERS)]
    first = _write(
        tmp_path / "v1.json",
        _person("p1", "Ivan Petrov", birthDate="1970"),
        _person("p2", "Olga Sidorova"),
        _person("p3", "Karl Weiss"),
        *fillers,
    )
    _import(db, name, first)
    second = _write(
        tmp_path / "v2.json",
        _person("p1", "Ivan Petrov", birthDate="1971"),
        _person("p2", "Olga Sidorova"),
        _person("p4", "Mila Novak"),
        *fillers,
    )
    _import(db, name, second)
    return name


def _screen(browser: Browser, **params: str) -> str:
    response = browser.get("/console/screening", params=params)
    assert response.status_code == 200, response.text
    return response.text


def _row(page: str, marker: str) -> str:
    """The table row of ``page`` that holds ``marker``."""
    at = page.index(marker)
    return page[page.rindex("<tr", 0, at) : page.index("</tr>", at)]


def test_screening_shows_results_with_explanations(
    browser: OpenBrowser, staff: TenantKit, listed: str
):
    analyst = browser(staff.analyst)
    empty = _screen(analyst)
    assert 'id="name"' in empty and "result" not in empty.split("</form>")[1]

    page = _screen(
        analyst,
        name="PUTIN, Vladimir Vladimirovich",
        schema="Person",
        birth_date="1952-10-07",
        country="RUS",
        dataset=listed,
    )
    assert "1 result for “PUTIN, Vladimir Vladimirovich”" in page
    assert f'href="/console/watchlists/entities/{listed}%3Avp"' in page
    assert "Vladimir Vladimirovich Putin" in page
    assert f'href="/console/watchlists/{listed}"' in page
    assert re.search(r"score 0\.9\d|score 1\.00", page)
    explanation = page[page.index('class="explain"') :]
    for feature, finding in (
        ("Name", "similarity"),
        ("Date of birth", "same date of birth (1952-10-07 / 1952-10-07)"),
        ("Country", "country in common: RUS"),
    ):
        assert f'<th scope="row">{feature}</th>' in explanation
        assert finding in explanation
    assert "+0." in explanation
    # The form keeps what was searched for.
    assert 'value="PUTIN, Vladimir Vladimirovich"' in page
    assert f'<option value="{listed}" selected>' in page


def test_read_only_viewer_can_screen(browser: OpenBrowser, staff: TenantKit, listed: str):
    page = _screen(browser(staff.viewer), name="Путин Владимир", dataset=listed)
    assert f"{listed}%3Avp" in page
    assert 'method="post"' not in page.split("</header>")[1]


def test_entity_page(browser: OpenBrowser, staff: TenantKit, listed: str):
    analyst = browser(staff.analyst)
    response = analyst.get(f"/console/watchlists/entities/{listed}:vp")
    assert response.status_code == 200, response.text
    page = response.text
    assert "<h1>Vladimir Vladimirovich Putin" in page
    assert "Владимир Владимирович Путин" in page and "Also known as" in page
    assert "1952-10-07" in page and "RUS" in page and "Male" in page
    assert f'href="/console/watchlists/{listed}"' in page
    assert "v1</a>: added" in page

    ids = analyst.get(f"/console/watchlists/entities/{quote(listed)}%3Apass").text
    assert "K1234567" in ids and "Passport" in ids

    assert analyst.get(f"/console/watchlists/entities/{listed}:nobody").status_code == 404
    assert analyst.get("/console/watchlists/entities/no-such-list:vp").status_code == 404


def test_watchlists_list_shows_versions_and_counts(
    browser: OpenBrowser, staff: TenantKit, versioned: str, listed: str
):
    response = browser(staff.viewer).get("/console/watchlists")
    assert response.status_code == 200, response.text
    row = _row(response.text, f'href="/console/watchlists/{versioned}"')
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert "v2" in cells[1]
    assert cells[2].strip() == str(FILLERS + 3)
    # FtM exports state no publication date; the import time has a column of its own.
    assert "not stated by the source" in cells[3] and "UTC" not in cells[3]
    assert "UTC" in cells[4]
    assert "ftm" in cells[5] and "v2.json" in cells[5]
    assert cells[6].strip() == "2"
    # Every column's header sits on the side its values do.
    head = response.text[response.text.index("<thead>") : response.text.index("</thead>")]
    headers = re.findall(r"<th\b([^>]*)>", head)
    for header, cell in zip(headers, re.findall(r"<td\b([^>]*)>", row), strict=True):
        assert ('class="number"' in header) == ('class="number"' in cell), (header, cell)
    small = _row(response.text, f'href="/console/watchlists/{listed}"')
    assert re.findall(r"<td[^>]*>(.*?)</td>", small, re.S)[2].strip() == "3"


def test_publication_date_and_long_alias_lists(
    browser: OpenBrowser, db: Database, staff: TenantKit, tmp_path: Path
):
    """A list whose source states its publication date, holding a person of many names."""
    name = f"console-a-{secrets.token_hex(4)}"
    aliases = [f"Ivan Aliasovich {i:02d}" for i in range(12)] + ["Ivan Petrovsky"]
    path = _write(tmp_path / "a.json", _person("p1", "Ivan Petrov", alias=aliases))
    published = datetime(2026, 3, 14, tzinfo=UTC)
    with db.transaction() as session:
        import_dataset(
            session,
            name=name,
            format_name="ftm",
            paths=[path],
            tenant_id=staff.tenant_id,
            published_at=published,
        )
    analyst = browser(staff.analyst)
    overview = analyst.get("/console/watchlists").text
    cells = re.findall(
        r"<td[^>]*>(.*?)</td>", _row(overview, f'href="/console/watchlists/{name}"'), re.S
    )
    assert cells[3].strip().startswith("2026-03-14") and "UTC" in cells[4]
    versions = analyst.get(f"/console/watchlists/{name}").text
    assert "Published</dt><dd>2026-03-14" in versions
    assert '<td class="date">2026-03-14</td>' in _row(versions, ">v1</a>")

    page = _screen(analyst, name="Ivan Petrovsky", dataset=name)
    shown = page[page.index("Also known as") : page.index("</dd>", page.index("Also known as"))]
    # The alias that matched first, then the others: six in view, the rest disclosed.
    items = re.findall(r"<li[^>]*>(.*?)</li>", shown, re.S)
    assert items[0].startswith("Ivan Petrovsky") and "(matched)" in items[0]
    assert '<details class="aliases-more">' in shown
    assert "<summary>and 7 more</summary>" in shown
    assert len(items) == len(aliases) and "; " not in shown


def test_dataset_page_lists_versions_and_differences(
    browser: OpenBrowser, staff: TenantKit, versioned: str
):
    analyst = browser(staff.analyst)
    base = f"/console/watchlists/{versioned}"
    response = analyst.get(base)
    assert response.status_code == 200, response.text
    page = response.text
    assert "Current version</dt><dd>v2" in page
    assert page.index(">v2</a>") < page.index(">v1</a>")
    assert "Superseded" in _row(page, ">v1</a>")
    assert f"{FILLERS + 3 + 3:,} differences" in page
    assert "Page 1 of 2" in page and 'rel="next"' in page

    changes = page[page.index('id="changes-title"') :]
    assert "Changed" in _row(changes, "Ivan Petrov") and "Birth dates" in _row(
        changes, "Ivan Petrov"
    )
    assert "Added" in _row(changes, "Mila Novak")
    # A removal names the entity it removed, not only its id.
    assert "Removed" in _row(changes, "Karl Weiss")
    assert f'href="/console/watchlists/entities/{versioned}%3Ap4"' in changes
    assert changes.index("Mila Novak") < changes.index("Filler Person")

    second = analyst.get(base, params={"page": "2"}).text
    assert "Page 2 of 2" in second and 'rel="prev"' in second
    assert second.count('class="badge change-') == FILLERS + 3 + 3 - 50

    removed = analyst.get(base, params={"change": "removed"}).text
    assert "Karl Weiss" in removed and "Mila Novak" not in removed
    first = analyst.get(base, params={"version": "1"}).text
    assert "Mila Novak" not in first and "Filler Person 00" in first
    assert f"{FILLERS + 3} differences" in first


def test_bad_input_names_the_field(browser: OpenBrowser, staff: TenantKit, listed: str):
    analyst = browser(staff.analyst)
    for params, field in (
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Ivan", "birth_date": "1" * 61}, "birth_date"),
        ({"name": "Ivan", "country": "RUS, XX"}, "country"),
        ({"name": "Ivan", "schema": "Robot"}, "schema"),
        ({"name": "Ivan", "threshold": "2"}, "threshold"),
        ({"name": "Ivan", "limit": "many"}, "limit"),
        ({"name": "Ivan", "dataset": "no-such-list"}, "dataset"),
    ):
        response = analyst.get("/console/screening", params=params)
        assert response.status_code == 422, (params, response.text)
        assert f"<strong>{field}</strong>" in response.text, params
        assert 'id="name"' in response.text  # the form is shown again to correct
        assert f'name="{field}" aria-invalid="true"' in response.text

    # A messy birth date is screened, and the page says what of it was used.
    response = analyst.get(
        "/console/screening", params={"name": "Ivan", "birth_date": "12/01/1980"}
    )
    assert response.status_code == 200, response.text
    assert "could be day-month or month-day" in response.text

    base = f"/console/watchlists/{listed}"
    for params, field in (({"change": "renamed"}, "change"), ({"page": "0"}, "page")):
        response = analyst.get(base, params=params)
        assert response.status_code == 422, response.text
        assert f"<strong>{field}</strong>" in response.text
    assert analyst.get("/console/watchlists/no-such-list").status_code == 404


def test_user_content_is_escaped(browser: OpenBrowser, staff: TenantKit, listed: str):
    analyst = browser(staff.analyst)
    page = _screen(analyst, name=f"{SCRIPT} Smithers", dataset=listed)
    assert SCRIPT not in page
    assert f'value="{ESCAPED} Smithers"' in page
    assert f"for “{ESCAPED} Smithers”" in page
    assert f"{listed}%3Axss" in page
    assert page.count(ESCAPED) >= 4  # form, header, listed name, explanation

    entity = analyst.get(f"/console/watchlists/entities/{listed}:xss").text
    assert SCRIPT not in entity and ESCAPED in entity

    unknown = analyst.get("/console/screening", params={"name": "x", "country": SCRIPT})
    assert unknown.status_code == 422
    assert SCRIPT not in unknown.text


def test_screening_needs_permission(
    db: Database, client: TestClient, browser: OpenBrowser, staff: TenantKit, listed: str
):
    slug = f"reader-{secrets.token_hex(3)}"
    created = client.post(
        "/v1/roles",
        json={"slug": slug, "name": "Case reader", "permissions": ["case.read"]},
        headers=staff.admin.headers,
    )
    assert created.status_code == 201, created.text
    reader = browser(make_member(db, tenant_id=staff.tenant_id, role=slug, password=PASSWORD))
    for url in (
        "/console/screening",
        "/console/screening?name=Ivan",
        "/console/watchlists",
        f"/console/watchlists/{listed}",
        f"/console/watchlists/entities/{listed}:vp",
    ):
        response = reader.get(url)
        assert response.status_code == 403, url
        assert "screening.run" in response.text
        assert "Vladimir" not in response.text


def test_lists_are_shared_by_every_tenant(
    browser: OpenBrowser, staff: TenantKit, other_staff: TenantKit, listed: str
):
    for kit in (staff, other_staff):
        response = browser(kit.viewer).get(f"/console/watchlists/entities/{listed}:vp")
        assert response.status_code == 200


def test_signed_out_goes_to_sign_in(browser: OpenBrowser, listed: str):
    anonymous = browser(None)
    for url in (
        "/console/screening?name=Ivan",
        "/console/watchlists",
        f"/console/watchlists/{listed}",
    ):
        response = anonymous.get(url)
        assert response.status_code == 303
        assert response.headers["location"] == f"/console/login?next={quote(url, safe='')}"
