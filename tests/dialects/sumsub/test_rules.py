"""Each documented rule of the case request, refused in Sumsub's error shape with the
parameter named; and what the request may leave out."""

from __future__ import annotations

import secrets

import pytest
from fastapi.testclient import TestClient

from tests.dialects.sumsub.support import Setup, Sumsub, assert_error
from tests.factories import TenantKit

BLUEPRINT = "Couldn't find or parse value of `blueprintId` parameter."


@pytest.mark.parametrize(
    "blueprint",
    [None, "", "0" * 24, "no-such-slug", "x" * 64, 17],
    ids=["missing", "empty", "unknown-id", "unknown-slug", "too-long", "number"],
)
def test_blueprint_missing_or_unknown_is_the_documented_400(
    sumsub: Sumsub, setup: Setup, blueprint: object
):
    body = setup.case_body()
    if blueprint is None:
        del body["blueprintId"]
    else:
        body["blueprintId"] = blueprint
    assert_error(sumsub.create(body), 400, BLUEPRINT)


def test_inactive_or_other_tenants_blueprint_is_the_documented_400(
    sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit, other_kit: TenantKit
):
    config = setup.config()
    r = client.patch(
        f"/v1/case-configs/{config['id']}", json={"is_active": False}, headers=kit.admin.headers
    )
    assert r.status_code == 200, r.text
    for ref in (config["id"], config["slug"]):
        assert_error(sumsub.create(setup.case_body(blueprintId=ref)), 400, BLUEPRINT)
    foreign = Setup(client, other_kit).config()
    for ref in (foreign["id"], foreign["slug"]):
        assert_error(sumsub.create(setup.case_body(blueprintId=ref)), 400, BLUEPRINT)


def test_blueprint_by_slug(sumsub: Sumsub, setup: Setup):
    config = setup.config(name="Fraud review")
    r = sumsub.create(setup.case_body(blueprintId=config["slug"]))
    assert r.status_code == 200, r.text
    assert r.json()["blueprintReference"] == {"name": "Fraud review", "blueprintId": config["id"]}


@pytest.mark.parametrize("name", [None, "", "   ", "x" * 301, ["Case"]])
def test_name_is_required_and_at_most_300_characters(sumsub: Sumsub, setup: Setup, name: object):
    body = setup.case_body()
    if name is None:
        del body["name"]
    else:
        body["name"] = name
    description = assert_error(sumsub.create(body), 400)
    assert description.startswith("Couldn't find or parse value of `name` parameter")
    if name is None:
        assert description == "Couldn't find or parse value of `name` parameter."


def test_name_of_300_characters_is_kept(sumsub: Sumsub, setup: Setup):
    r = sumsub.create(setup.case_body(name="n" * 300))
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "n" * 300


@pytest.mark.parametrize("applicant", [None, "", "0" * 24, "nobody-by-that-ref"])
def test_applicant_missing_or_unknown(sumsub: Sumsub, setup: Setup, applicant: str | None):
    body = setup.case_body(txnIds=[])
    if applicant is None:
        del body["applicantId"]
    else:
        body["applicantId"] = applicant
    description = assert_error(sumsub.create(body), 400)
    assert description.startswith("Couldn't find or parse value of `applicantId` parameter")


def test_applicant_of_another_tenant_is_unknown(
    sumsub: Sumsub, setup: Setup, client: TestClient, other_kit: TenantKit
):
    foreign = Setup(client, other_kit).customer()
    for ref in (foreign["id"], foreign["external_id"]):
        body = setup.case_body(applicantId=ref, txnIds=[])
        description = assert_error(sumsub.create(body), 400)
        assert "`applicantId`" in description


def test_applicant_by_external_id(sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit):
    customer = setup.customer(external_id=f"crm-{secrets.token_hex(4)}")
    r = sumsub.create(setup.case_body(applicantId=customer["external_id"], txnIds=[]))
    assert r.status_code == 200, r.text
    native = client.get(f"/v1/cases/{r.json()['id']}", headers=kit.admin.headers).json()
    assert native["customer"]["id"] == customer["id"]


@pytest.mark.parametrize("by", ["id", "external_id"])
def test_applicant_is_named_back_as_the_client_named_it(sumsub: Sumsub, setup: Setup, by: str):
    customer = setup.customer(external_id=f"crm-{secrets.token_hex(4)}")
    r = sumsub.create(setup.case_body(applicantId=customer[by], txnIds=[]))
    assert r.status_code == 200, r.text
    expected = {"applicantId": customer[by], "fullName": "John Doe"}
    assert r.json()["applicantReference"] == expected
    assert sumsub.case(r.json()["id"]).json()["applicantReference"] == expected


def test_unknown_transaction_is_named_by_position(sumsub: Sumsub, setup: Setup):
    customer = setup.customer()
    known = setup.transaction(customer, "5")
    body = setup.case_body(applicantId=customer["id"], txnIds=[known["id"], "f" * 24])
    description = assert_error(sumsub.create(body), 400)
    assert description.startswith("Couldn't find or parse value of `txnIds[1]` parameter: ")
    assert "f" * 24 in description


def test_transaction_of_another_customer(sumsub: Sumsub, setup: Setup):
    someone_else = setup.customer()
    theirs = setup.transaction(someone_else, "5")
    body = setup.case_body(txnIds=[theirs["external_id"]])
    description = assert_error(sumsub.create(body), 400)
    assert description.startswith("Couldn't find or parse value of `txnIds[0]` parameter: ")
    assert "another customer" in description


def test_transaction_named_twice(sumsub: Sumsub, setup: Setup):
    customer = setup.customer()
    txn = setup.transaction(customer, "5")
    body = setup.case_body(applicantId=customer["id"], txnIds=[txn["id"], txn["external_id"]])
    assert "`txnIds" in assert_error(sumsub.create(body), 400)


@pytest.mark.parametrize("txn_ids", ["6901f0f654ec3deaa5711d31", [""], [7], ["t" * 201]])
def test_txn_ids_must_be_a_list_of_references(sumsub: Sumsub, setup: Setup, txn_ids: object):
    description = assert_error(sumsub.create(setup.case_body(txnIds=txn_ids)), 400)
    assert description.startswith("Couldn't find or parse value of `txnIds")


def test_txn_ids_may_be_left_out(sumsub: Sumsub, setup: Setup):
    body = setup.case_body()
    del body["txnIds"]
    r = sumsub.create(body)
    assert r.status_code == 200, r.text
    assert "totalAmountInDefaultCurrency" not in r.json()


@pytest.mark.parametrize("priority", ["urgent", "HIGH", 3, ""])
def test_priority_enum(sumsub: Sumsub, setup: Setup, priority: object):
    description = assert_error(sumsub.create(setup.case_body(priority=priority)), 400)
    assert description.startswith("Couldn't find or parse value of `priority` parameter: ")


@pytest.mark.parametrize("blueprint_priority", ["low", "medium", "high"])
def test_priority_defaults_to_medium_whatever_the_blueprint_says(
    sumsub: Sumsub, setup: Setup, client: TestClient, kit: TenantKit, blueprint_priority: str
):
    blueprint = setup.config(default_priority=blueprint_priority)
    r = sumsub.create(setup.case_body(blueprintId=blueprint["id"]))
    assert r.status_code == 200, r.text
    assert r.json()["priority"] == "medium"
    native = client.get(f"/v1/cases/{r.json()['id']}", headers=kit.admin.headers).json()
    assert native["priority"] == "medium"


def test_priority_given_is_kept(sumsub: Sumsub, setup: Setup):
    for given in ("low", "medium", "high"):
        r = sumsub.create(setup.case_body(priority=given))
        assert r.json()["priority"] == given


def test_body_that_is_not_a_json_object(sumsub: Sumsub):
    assert_error(sumsub.post_raw(b'{"applicantId": '), 400, "The request body is not valid JSON.")
    assert_error(sumsub.post_raw(b"[]"), 400, "The request body must be a JSON object.")
    assert_error(sumsub.post_raw(b""), 400)


def test_fields_the_dialect_does_not_know_are_ignored(sumsub: Sumsub, setup: Setup):
    r = sumsub.create(setup.case_body(sourceKey="web", externalCaseRef="abc"))
    assert r.status_code == 200, r.text


def test_creating_needs_the_case_create_permission(
    client: TestClient, kit: TenantKit, setup: Setup
):
    viewer = Sumsub(client, kit.viewer)
    description = assert_error(viewer.create(setup.case_body()), 403)
    assert "case.create" in description
