"""The demo's fictional watchlist: invented people, companies, an organisation and vessels.

The list ships with the package as FollowTheMoney JSON lines and is imported with the
``ftm`` importer like any publisher's file, as a dataset of the demo tenant alone: no
other tenant's screening or checks ever search it. Every record says it is fictional,
its programmes and authority are invented, and its identifiers cannot be real ones (an
``XF`` prefix, IMO numbers that fail their check digit).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

from sqlalchemy.orm import Session

from casework.screening.service import ImportReport, import_dataset

DATASET = "demo_fictional"
FORMAT = "ftm"
FILE = "fictional_watchlist.ftm.json"
# Carried by every record of the file (in its notes, or a sanction's summary).
MARKER = "Fictional entry for the casework demo"


@contextmanager
def list_file() -> Iterator[Path]:
    """The shipped file as a path on disk (the importer reads files)."""
    with as_file(files("casework.demo") / FILE) as path:
        yield path


def import_list(session: Session, *, tenant_id: str, published_at: datetime) -> ImportReport:
    """A new version of the fictional dataset, owned by ``tenant_id``."""
    with list_file() as path:
        return import_dataset(
            session,
            name=DATASET,
            format_name=FORMAT,
            paths=[path],
            tenant_id=tenant_id,
            published_at=published_at,
        )
