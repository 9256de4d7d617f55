"""The publication date each format states, read from the head of its files."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from casework.screening.formats import publication_date
from casework.screening.importers.common import publication_time
from tests.screening.importers import ofac_xml_fixture


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-02-27T00:00:09.554Z", datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)),
        ("2024-05-31T18:00:00.000+02:00", datetime(2024, 5, 31, 16, 0, tzinfo=UTC)),
        ("2024-05-31", datetime(2024, 5, 31, tzinfo=UTC)),
        ("05/03/2026", datetime(2026, 3, 5, tzinfo=UTC)),
        ("5/3/2026 14:30", datetime(2026, 3, 5, 14, 30, tzinfo=UTC)),
        ("31/02/2026", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_publication_time(text: str | None, expected: datetime | None):
    assert publication_time(text) == expected


def test_un_date_generated(tmp_path: Path):
    path = tmp_path / "consolidated.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS/>'
        "</CONSOLIDATED_LIST>",
        encoding="utf-8",
    )
    assert publication_date("un-xml", [path]) == datetime(2026, 2, 27, 0, 0, 9, 554000, tzinfo=UTC)
    path.write_text("<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", encoding="utf-8")
    assert publication_date("un-xml", [path]) is None


def test_ofac_advanced_date_of_issue(tmp_path: Path):
    path = tmp_path / "sdn_advanced.xml"
    path.write_text(ofac_xml_fixture.document(""), encoding="utf-8")
    assert publication_date("ofac-xml", [path]) == datetime(2024, 6, 3, tzinfo=UTC)


def test_eu_generation_date(tmp_path: Path):
    path = tmp_path / "fsf.xml"
    path.write_text(
        '<export xmlns="http://eu.europa.ec/fpi/fsd/export" '
        'generationDate="2024-05-31T18:00:00.000+02:00"></export>',
        encoding="utf-8",
    )
    expected = datetime(2024, 5, 31, 18, tzinfo=timezone(timedelta(hours=2)))
    assert publication_date("eu-xml", [path]) == expected


def test_ofsi_consolidated_list_last_updated(tmp_path: Path):
    path = tmp_path / "ConList.csv"
    path.write_text("Last Updated,28/01/2026\nName 6,Group ID,Group Type\n", encoding="utf-8")
    assert publication_date("uk-csv", [path]) == datetime(2026, 1, 28, tzinfo=UTC)


def test_formats_without_a_date(tmp_path: Path):
    sdn = tmp_path / "sdn.csv"
    sdn.write_text('36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- \n', encoding="utf-8")
    assert publication_date("ofac-csv", [sdn]) is None
    ftm = tmp_path / "entities.ftm.json"
    ftm.write_text(json.dumps({"id": "x", "schema": "Person", "properties": {}}) + "\n")
    assert publication_date("ftm", [ftm]) is None


def test_the_latest_of_several_files(tmp_path: Path):
    paths = []
    for day in ("01/03/2026", "04/03/2026", "02/03/2026"):
        path = tmp_path / f"{day.replace('/', '-')}.xml"
        path.write_text(
            f"<Designations><DateGenerated>{day}</DateGenerated></Designations>", encoding="utf-8"
        )
        paths.append(path)
    assert publication_date("uk-xml", paths) == datetime(2026, 3, 4, tzinfo=UTC)
