from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from casework.models import Case


def case_body(session: Session, case: Case) -> dict[str, Any]:
    raise NotImplementedError
