"""Outbound requests refuse internal addresses after resolution, connect to the address
they checked, follow no redirects and give up quickly."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from casework.config import Settings
from casework.webhooks import tasks
from casework.webhooks.outbound import (
    OutboundClient,
    Refused,
    check_later_url,
    check_url,
    resolver_for,
)
from tests.factories import make_tenant_kit
from tests.install import fresh_install
from tests.webhooks.conftest import Receiver

REFUSED = [
    ("http://127.0.0.1/hook", "refused: 127.0.0.1 is a loopback address"),
    ("http://127.1:8080/hook", "refused: 127.1 resolves to 127.0.0.1, which is a loopback"),
    ("http://[::1]/hook", "refused: ::1 is a loopback address"),
    ("http://[::ffff:127.0.0.1]/hook", "refused: ::ffff:7f00:1 is a loopback address"),
    ("https://10.0.0.5/hook", "refused: 10.0.0.5 is a private address"),
    ("https://172.16.3.4/hook", "refused: 172.16.3.4 is a private address"),
    ("https://192.168.1.1/hook", "refused: 192.168.1.1 is a private address"),
    ("https://[fc00::1]/hook", "refused: fc00::1 is a private address"),
    ("http://169.254.169.254/latest/meta-data/", "refused: 169.254.169.254 is a cloud metadata"),
    ("http://[fd00:ec2::254]/", "refused: fd00:ec2::254 is a cloud metadata address"),
    ("http://169.254.10.1/", "refused: 169.254.10.1 is a link-local address"),
    ("http://[fe80::1]/", "refused: fe80::1 is a link-local address"),
    ("https://100.64.0.1/hook", "refused: 100.64.0.1 is a shared (CGNAT) address"),
    ("https://224.0.0.1/hook", "refused: 224.0.0.1 is a multicast address"),
    ("https://0.0.0.0/hook", "refused: 0.0.0.0 is the unspecified address"),
    ("https://192.0.2.10/hook", "refused: 192.0.2.10 is a reserved address"),
    ("http://localhost:9/hook", "refused: localhost resolves to 127.0.0.1, which is a loopback"),
    ("http://2130706433/hook", "resolves to 127.0.0.1, which is a loopback address"),
    ("http://[::127.0.0.1]/hook", "is an IPv6 transition address"),
    ("http://[::ffff:0:7f00:1]/hook", "is an IPv6 transition address"),
    ("http://[2002:7f00:1::]/hook", "is an IPv6 transition address"),
    ("http://[2002:a9fe:a9fe::]/hook", "is an IPv6 transition address"),
    ("http://[64:ff9b:1::a00:1]/hook", "is an IPv6 transition address"),
    ("http://[2001:0:4136:e378::1]/hook", "is an IPv6 transition address"),
    # The well-known NAT64 prefix reaches the IPv4 address in its last 32 bits.
    ("http://[64:ff9b::7f00:1]/hook", "refused: 64:ff9b::7f00:1 is a loopback address"),
    ("http://[64:ff9b::a00:5]/hook", "refused: 64:ff9b::a00:5 is a private address"),
]


@pytest.mark.parametrize(("url", "message"), REFUSED, ids=[u for u, _ in REFUSED])
def test_internal_addresses_are_refused(url: str, message: str):
    with pytest.raises(Refused, match=re.escape(message)):
        check_url(url, allowed_hosts=[])


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://1.2.3.4/hook", "must be an https or http URL"),
        ("file:///etc/passwd", "must be an https or http URL"),
        ("https://user:secret@1.2.3.4/hook", "must not contain credentials"),
        ("https:///hook", "has no host"),
        ("not a url", "must be an https or http URL"),
        ("http://[::1/hook", "is not a valid URL"),
    ],
)
def test_malformed_urls_are_refused(url: str, message: str):
    with pytest.raises(Refused, match=f"^{re.escape(message)}$"):
        check_url(url, allowed_hosts=[])


def test_unresolvable_hosts_are_refused():
    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(Refused, match=r"host hooks\.example does not resolve"):
        check_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver)


def test_a_host_that_does_not_resolve_yet_may_be_tried_later():
    """Not resolving is a matter of the moment: a URL kept for later passes, and a send
    fails without being refused for good."""

    def resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    check_later_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver)
    with pytest.raises(Refused, match="does not resolve") as refused:
        check_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver)
    assert refused.value.permanent is False
    outcome = OutboundClient(resolver=resolver).send(
        "https://hooks.example/x", headers={}, body=b"{}"
    )
    assert outcome.status_code is None and outcome.refused is False
    with pytest.raises(Refused, match="private address"):
        check_later_url("https://10.0.0.5/x", allowed_hosts=[], resolver=resolver)


def test_every_resolved_address_is_checked():
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.1.2.3"]

    with pytest.raises(
        Refused, match=re.escape("hooks.example resolves to 10.1.2.3, which is a private")
    ):
        check_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver)


def test_the_host_is_resolved_for_the_port_the_request_will_use():
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return ["93.184.215.14"]

    for url in ("https://hooks.example/x", "http://hooks.example/x", "http://hooks.example:8080/x"):
        check_url(url, allowed_hosts=[], resolver=resolver)
    assert asked == [("hooks.example", 443), ("hooks.example", 80), ("hooks.example", 8080)]


def test_an_answer_that_is_no_address_does_not_hide_the_next():
    def resolver(host: str, port: int) -> list[str]:
        return ["not-an-address", "10.1.2.3"]

    with pytest.raises(Refused, match=re.escape("resolves to 10.1.2.3, which is a private")):
        check_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver)


def test_public_addresses_pass():
    check_url("https://1.2.3.4/hook", allowed_hosts=[])
    check_url("http://[2606:4700:4700::1111]:8443/hook", allowed_hosts=[])
    check_url("http://[64:ff9b::102:304]/hook", allowed_hosts=[])  # NAT64 of 1.2.3.4


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://127.0.0.1:8080/hook", ["127.0.0.1"]),
        ("http://10.0.0.5/hook", ["10.0.0.0/8"]),
        ("http://[::1]/hook", ["::1"]),
        ("http://localhost/hook", ["LOCALHOST."]),
        ("http://[::1]/hook", ["[::1]"]),  # as written in a URL
        ("http://10.0.0.5/hook", ["", "10.0.0.0/8"]),  # an empty entry is skipped
        ("http://10.0.0.5/hook", ["10.9.9.9/8"]),  # host bits set: the network it is in
    ],
)
def test_allow_list_admits_hosts_and_networks(url: str, allowed: list[str]):
    check_url(url, allowed_hosts=allowed)


def test_an_allow_listed_host_matches_in_its_fully_qualified_form():
    def internal(_host: str, _port: int) -> list[str]:
        return ["10.0.0.7"]

    for url in ("http://hooks.internal./hook", "http://HOOKS.internal/hook"):
        check_url(url, allowed_hosts=["hooks.internal"], resolver=internal)
    with pytest.raises(Refused, match=re.escape("10.0.0.7, which is a private address")):
        check_url(
            "http://.hooks.internal/hook", allowed_hosts=["hooks.internal"], resolver=internal
        )


def test_allow_list_is_no_wider_than_given():
    with pytest.raises(Refused, match=re.escape("10.0.0.5 is a private address")):
        check_url("http://10.0.0.5/hook", allowed_hosts=["10.1.0.0/16", "127.0.0.1"])


def test_refused_send_is_an_outcome_not_an_exception():
    outcome = OutboundClient().send("http://10.0.0.5/hook", headers={}, body=b"{}")
    assert outcome.status_code is None
    assert outcome.error == "refused: 10.0.0.5 is a private address"
    assert not outcome.ok


def test_request_goes_to_the_checked_address_with_its_host_name(receiver: Receiver):
    calls = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"] if len(calls) == 1 else ["10.9.9.9"]

    client = OutboundClient(allowed_hosts=["127.0.0.0/8"], resolver=resolver)
    # The system cannot resolve hooks.test: the request can only arrive if it was sent
    # to the address checked above, and resolved once.
    outcome = client.send(
        f"http://hooks.test:{receiver.port}/ok", headers={"webhook-id": "x"}, body=b"{}"
    )
    assert outcome.status_code == 200, outcome.error
    request = receiver.next()
    assert request.headers["host"] == f"hooks.test:{receiver.port}"
    assert request.headers["webhook-id"] == "x"
    assert request.headers["content-type"] == "application/json"
    assert calls == ["hooks.test"]


def test_with_the_outbound_network_off_nothing_is_sent_or_looked_up(receiver: Receiver):
    calls: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    client = OutboundClient(allowed_hosts=["127.0.0.0/8"], resolver=resolver, enabled=False)
    for url in (receiver.url("/ok"), f"http://hooks.test:{receiver.port}/ok"):
        outcome = client.send(url, headers={}, body=b"{}")
        assert outcome.status_code is None
        assert outcome.error == "refused: the outbound network is switched off"
    assert receiver.requests.empty()
    assert calls == []
    # Registering a receiver asks no name server either: a host name cannot be checked.
    with pytest.raises(Refused, match=r"host hooks\.example does not resolve"):
        check_url("https://hooks.example/x", allowed_hosts=[], resolver=resolver_for(False))
    check_url("https://1.2.3.4/hook", allowed_hosts=[], resolver=resolver_for(False))


def test_redirects_are_not_followed(receiver: Receiver, sender: OutboundClient):
    outcome = sender.send(receiver.url("/redirect"), headers={}, body=b"{}")
    assert outcome.status_code == 302
    assert not outcome.ok
    assert outcome.error == "receiver answered 302 (redirect to '/ok' not followed)"
    assert receiver.next().path == "/redirect"
    receiver.assert_idle()


def test_proxy_settings_of_the_environment_are_ignored(
    receiver: Receiver, sender: OutboundClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.1:3128")
    assert sender.send(receiver.url("/ok"), headers={}, body=b"{}").ok
    assert receiver.next().path == "/ok"


def test_response_excerpt_is_short(receiver: Receiver, sender: OutboundClient):
    outcome = sender.send(receiver.url("/big"), headers={}, body=b"{}")
    assert outcome.status_code == 500
    assert outcome.response_excerpt is not None
    assert outcome.response_excerpt == "é" * 500


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    yield listener.getsockname()[1]
    listener.close()


def test_a_silent_receiver_times_out(silent_port: int):
    client = OutboundClient(allowed_hosts=["127.0.0.1"], timeout=0.3)
    outcome = client.send(f"http://127.0.0.1:{silent_port}/hook", headers={}, body=b"{}")
    assert outcome.status_code is None
    assert outcome.error == "timed out after 0.3s"


def test_a_closed_port_is_a_failed_request():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = OutboundClient(allowed_hosts=["127.0.0.1"], timeout=2)
    outcome = client.send(f"http://127.0.0.1:{port}/hook", headers={}, body=b"{}")
    assert outcome.status_code is None
    assert outcome.error is not None
    assert outcome.error.startswith("request failed")


def test_a_trickling_receiver_is_cut_off_at_the_timeout(receiver: Receiver):
    """Each read arrives within httpx's per-read timeout; the whole attempt must not."""
    client = OutboundClient(allowed_hosts=["127.0.0.1"], timeout=1.0)
    started = time.monotonic()
    outcome = client.send(receiver.url("/trickle"), headers={}, body=b"{}")
    assert time.monotonic() - started < 5
    assert outcome.error == "timed out after 1s" and not outcome.ok


def test_an_install_with_the_outbound_network_off_reaches_nothing(
    settings: Settings, tmp_path: Path
):
    off = settings.model_copy(update={"outbound_network": False})
    with fresh_install(off, tmp_path) as install:
        kit = make_tenant_kit(install.db)
        # localhost resolves without a name server; switched off, nothing is resolved.
        response = install.client.post(
            "/v1/webhook-endpoints",
            json={"url": "http://localhost/hook", "event_types": ["case.created"]},
            headers=kit.admin.headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"field": "url", "message": "host localhost does not resolve"}
        ]
        assert tasks._sender(install.db).enabled is False
