"""What reads the trail further is told of each append, in the appending transaction."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from casework.audit import service as audit
from casework.auth.principal import Principal
from casework.infra.db import Database
from casework.models import AuditEvent
from tests.factories import TenantKit


def test_listeners_see_each_append_with_its_places_in_the_chain(
    db: Database, kit: TenantKit, monkeypatch: pytest.MonkeyPatch
):
    seen: list[tuple[bool, list[tuple[str, int | None]]]] = []

    def listener(session: Session, events: list[AuditEvent]) -> None:
        seen.append((session.in_transaction(), [(e.action, e.seq) for e in events]))

    monkeypatch.setattr(audit, "_LISTENERS", [*audit._LISTENERS])
    audit.on_append(listener)
    actor = Principal.system(kit.tenant_id)
    with db.transaction() as session:
        one = audit.record(session, actor=actor, action="a", entity_type="case", entity_id="x")
        many = audit.record_many(
            session,
            [audit.Entry(actor, "b", "case", "x"), audit.Entry(actor, "c", "case", "x")],
        )
    assert seen == [
        (True, [("a", one.seq)]),
        (True, [("b", many[0].seq), ("c", many[1].seq)]),
    ]
    assert one.seq is not None and many[1].seq == one.seq + 2
