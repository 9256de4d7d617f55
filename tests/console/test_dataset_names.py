"""The console's screening form takes OpenSanctions-style dataset names and refuses bad ones."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from casework.infra.db import Database
from casework.screening.service import import_dataset
from tests.console.support import Browser
from tests.factories import Member, TenantKit
from tests.screening.test_lists import _person, _write

OpenBrowser = Callable[[Member | None], Browser]


def test_screening_form_with_an_underscore_dataset(
    browser: OpenBrowser, staff: TenantKit, db: Database, tmp_path: Path
):
    name = f"us_ofac_sdn_{secrets.token_hex(3)}"
    with db.transaction() as session:
        import_dataset(
            session,
            name=name,
            format_name="ftm",
            paths=[_write(tmp_path / "l.json", _person("p1", "Ivan Petrov"))],
        )
    analyst = browser(staff.analyst)
    page = analyst.get("/console/screening", params={"name": "Ivan Petrov", "dataset": name})
    assert page.status_code == 200, page.text
    assert f"{name}%3Ap1" in page.text

    refused = analyst.get(
        "/console/screening", params={"name": "Ivan Petrov", "dataset": "US OFAC"}
    )
    assert refused.status_code == 422
    assert "<strong>dataset</strong>: must be 1-63 lowercase letters" in refused.text
