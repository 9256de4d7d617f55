"""A case's audit log as the repository reads it: in order either way, a page before a
place, and the logs of several cases at once, never another tenant's."""

from __future__ import annotations

from fastapi.testclient import TestClient

from casework.cases import repository
from casework.infra.db import Database
from tests.factories import TenantKit, case_body


def _case_with_events(client: TestClient, kit: TenantKit, comments: int) -> str:
    response = client.post("/v1/cases", json=case_body(), headers=kit.analyst.headers)
    assert response.status_code == 201, response.text
    case_id = str(response.json()["id"])
    for n in range(comments):
        added = client.post(
            f"/v1/cases/{case_id}/comments", json={"body": f"note {n}"}, headers=kit.analyst.headers
        )
        assert added.status_code == 201, added.text
    return case_id


def test_a_log_reads_in_order_either_way_and_a_page_before_a_place(
    client: TestClient, kit: TenantKit, db: Database
) -> None:
    case_id = _case_with_events(client, kit, comments=4)
    with db.transaction(write=False) as session:
        oldest_first = repository.log(session, tenant_id=kit.tenant_id, case_id=case_id)
        newest_first = repository.log(
            session, tenant_id=kit.tenant_id, case_id=case_id, newest_first=True
        )
        seqs = [e.seq for e in oldest_first]
        page = repository.log(
            session,
            tenant_id=kit.tenant_id,
            case_id=case_id,
            newest_first=True,
            before=seqs[3],
            limit=2,
        )
        assert [e.seq for e in page] == [seqs[2], seqs[1]]
        assert [e.seq for e in newest_first] == seqs[::-1]
    assert len(seqs) == 5
    assert seqs == sorted(seqs)
    assert oldest_first[0].action == "case.created"


def test_the_logs_of_several_cases_are_each_their_own_and_the_tenants_own(
    client: TestClient, kit: TenantKit, other_kit: TenantKit, db: Database
) -> None:
    first = _case_with_events(client, kit, comments=1)
    second = _case_with_events(client, kit, comments=2)
    foreign = _case_with_events(client, other_kit, comments=1)
    with db.transaction(write=False) as session:
        logs = repository.logs(session, tenant_id=kit.tenant_id, case_ids=[first, second, foreign])
        alone = repository.log(session, tenant_id=kit.tenant_id, case_id=foreign)
        none = repository.logs(session, tenant_id=kit.tenant_id, case_ids=[])
        assert [e.seq for e in logs[second]] == [
            e.seq for e in repository.log(session, tenant_id=kit.tenant_id, case_id=second)
        ]
    assert sorted(logs) == sorted([first, second])
    assert [len(logs[first]), len(logs[second])] == [2, 3]
    assert alone == []
    assert dict(none) == {}
