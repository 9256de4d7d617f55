"""Standard Webhooks signatures, checked against an HMAC computed here by hand."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from casework.webhooks import signing
from casework.webhooks.signing import InvalidSignature

# 32 fixed bytes, so the expected signature below is a constant of this test.
KEY = bytes(range(32))
SECRET = "whsec_" + base64.b64encode(KEY).decode()
MSG_ID = "0190b2c4d5e6f708192a3b4c"
TIMESTAMP = 1_700_000_000
BODY = b'{"type":"case.created","timestamp":"2023-11-14T22:13:20Z","data":{"case_id":"x"}}'


def _by_hand(key: bytes) -> str:
    content = MSG_ID.encode() + b"." + str(TIMESTAMP).encode() + b"." + BODY
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def test_signature_matches_a_hand_computed_hmac():
    signature = signing.sign(secret=SECRET, msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY)
    assert signature == _by_hand(KEY)


def test_headers_follow_the_standard():
    headers = signing.signed_headers(
        secrets_in_use=[SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY
    )
    assert headers == {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": _by_hand(KEY),
    }


def test_rotation_signs_with_both_secrets_and_either_verifies():
    new_key = bytes(range(100, 132))
    new_secret = "whsec_" + base64.b64encode(new_key).decode()
    headers = signing.signed_headers(
        secrets_in_use=[new_secret, SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY
    )
    assert headers["webhook-signature"] == f"{_by_hand(new_key)} {_by_hand(KEY)}"
    for secret in (new_secret, SECRET):
        signing.verify(secret=secret, headers=headers, body=BODY, now=TIMESTAMP)


def test_verify_accepts_any_header_case():
    headers = {
        "Webhook-Id": MSG_ID,
        "WEBHOOK-TIMESTAMP": str(TIMESTAMP),
        "webhook-signature": "v1,bm90IGl0 " + _by_hand(KEY),
    }
    signing.verify(secret=SECRET, headers=headers, body=BODY, now=TIMESTAMP + 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"body": BODY + b" "}, "no signature matches"),
        ({"secret": signing.new_secret()}, "no signature matches"),
        ({"now": TIMESTAMP + 301}, "outside the tolerance"),
        ({"now": TIMESTAMP - 301}, "outside the tolerance"),
        ({"drop": "webhook-signature"}, "missing"),
        ({"timestamp": "yesterday"}, "not Unix seconds"),
        ({"signature": "v2," + _by_hand(KEY)[3:]}, "no signature matches"),
    ],
)
def test_verify_refuses(change: dict, message: str):
    headers = signing.signed_headers(
        secrets_in_use=[SECRET], msg_id=MSG_ID, timestamp=TIMESTAMP, body=BODY
    )
    if "drop" in change:
        del headers[change["drop"]]
    if "timestamp" in change:
        headers["webhook-timestamp"] = change["timestamp"]
    if "signature" in change:
        headers["webhook-signature"] = change["signature"]
    with pytest.raises(InvalidSignature, match=message):
        signing.verify(
            secret=change.get("secret", SECRET),
            headers=headers,
            body=change.get("body", BODY),
            now=change.get("now", TIMESTAMP),
        )


def test_new_secrets_have_the_standard_form():
    secret = signing.new_secret()
    assert secret.startswith("whsec_")
    assert 24 <= len(signing.secret_key(secret)) <= 64
    assert signing.new_secret() != secret


@pytest.mark.parametrize(
    "secret", ["whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode()]
)
def test_malformed_secrets_are_refused(secret: str):
    with pytest.raises(ValueError, match="webhook secret"):
        signing.secret_key(secret)
