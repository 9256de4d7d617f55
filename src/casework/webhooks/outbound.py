"""Outbound webhook requests that cannot be pointed at the inside of the network.

A tenant chooses the URL, so without care a webhook is a way to make casework call
its own database, a cloud metadata service or anything else on the private network
(server-side request forgery). Every request therefore:

- goes only to http or https URLs without credentials in them;
- resolves the host once and refuses the request if ANY of its addresses is
  loopback, private, link-local, shared (CGNAT), multicast, unspecified, reserved or
  a cloud metadata service, unless the operator allow-listed the host or network;
- connects to the address that was checked (the URL is rewritten to the IP, with the
  original Host header and TLS server name), so a DNS answer that changes between
  the check and the connection cannot redirect it;
- never follows redirects, ignores proxy environment variables, keeps no cookies or
  connections between requests, and has short timeouts.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from casework import __version__

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], list[str]]

EXCERPT_CHARS = 500
_EXCERPT_BYTES = 4096
USER_AGENT = f"casework-webhooks/{__version__}"

_METADATA = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IPv6 forms that carry or reach an IPv4 address in ways the checks above cannot see
# through reliably (IPv4-compatible, IPv4-translated, local NAT64, 6to4, Teredo).
# A webhook receiver has no reason to use them, so they are refused outright.
_TRANSITION = tuple(
    ipaddress.ip_network(n)
    for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b:1::/48", "2002::/16", "2001::/32")
)


class Refused(Exception):
    """The URL or one of its addresses may not be called.

    ``permanent`` is False when only the moment is wrong (the host does not resolve
    now): another try may be let through."""

    def __init__(self, message: str, *, permanent: bool = True) -> None:
        super().__init__(message)
        self.permanent = permanent


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be reached, or None if it may."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded)
    if address in _METADATA:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address in _SHARED:
        return "a shared (CGNAT) address"
    if any(address in network for network in _PRIVATE):
        return "a private address"
    if any(address in network for network in _TRANSITION):
        return "an IPv6 transition address"
    if not address.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class AllowList:
    """Hosts and networks the operator lets webhooks reach despite :func:`refusal`."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> AllowList:
        hosts, networks = set(), []
        for entry in entries:
            value = entry.strip().lower().rstrip(".")
            if not value:
                continue
            try:
                networks.append(ipaddress.ip_network(value.strip("[]"), strict=False))
            except ValueError:
                hosts.add(value)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.hosts

    def allows_address(self, address: IPAddress) -> bool:
        return any(address in network for network in self.networks)


@dataclass(frozen=True)
class Target:
    """A checked URL and the address its request must connect to."""

    url: httpx.URL
    address: IPAddress

    @property
    def pinned_url(self) -> httpx.URL:
        return self.url.copy_with(host=str(self.address))

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def offline_resolver(_host: str, _port: int) -> list[str]:
    """Asks no name server: with the outbound network switched off, no host resolves."""
    raise OSError("the outbound network is switched off")


def resolver_for(outbound_network: bool) -> Resolver:
    return system_resolver if outbound_network else offline_resolver


def parse_url(url: str) -> httpx.URL:
    """The URL, if its form is acceptable for a webhook (addresses not yet checked)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise Refused("is not a valid URL") from None
    if parsed.scheme not in ("https", "http"):
        raise Refused("must be an https or http URL")
    if parsed.userinfo:
        raise Refused("must not contain credentials")
    if not parsed.host:
        raise Refused("has no host")
    return parsed


def resolve_target(url: str, *, allow: AllowList, resolver: Resolver = system_resolver) -> Target:
    """Check ``url`` and every address its host resolves to; raise :class:`Refused`."""
    parsed = parse_url(url)
    host = parsed.host
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            found = resolver(host, port)
        except (OSError, UnicodeError):
            found = []
        addresses = []
        for value in dict.fromkeys(found):
            try:
                addresses.append(ipaddress.ip_address(value))
            except ValueError:
                continue
        if not addresses:
            raise Refused(f"host {host} does not resolve", permanent=False)
    if not allow.allows_host(host):
        for address in addresses:
            reason = None if allow.allows_address(address) else refusal(address)
            if reason is not None:
                where = (
                    str(address) if literal is not None else f"{host} resolves to {address}, which"
                )
                raise Refused(f"refused: {where} is {reason}")
    return Target(url=parsed, address=addresses[0])


def check_url(
    url: str, *, allowed_hosts: Iterable[str], resolver: Resolver = system_resolver
) -> None:
    """Raise :class:`Refused` unless webhooks may be sent to ``url`` right now."""
    resolve_target(url, allow=AllowList.parse(allowed_hosts), resolver=resolver)


def check_later_url(
    url: str, *, allowed_hosts: Iterable[str], resolver: Resolver = system_resolver
) -> None:
    """Raise :class:`Refused` if webhooks could never be sent to ``url`` as it resolves
    now. For a URL given now and called later (a case's own ``webhook_url``): a host
    that does not resolve yet passes, as every attempt is checked again."""
    try:
        check_url(url, allowed_hosts=allowed_hosts, resolver=resolver)
    except Refused as exc:
        if exc.permanent:
            raise


@dataclass(frozen=True)
class SendOutcome:
    status_code: int | None
    error: str | None
    response_excerpt: str | None
    duration_ms: int
    # Not sent because the policy refuses the URL: trying again cannot help.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    def send(self, url: str, *, headers: Mapping[str, str], body: bytes) -> SendOutcome: ...


class OutboundClient:
    """POSTs webhook bodies under the rules in this module's docstring."""

    def __init__(
        self,
        *,
        allowed_hosts: Iterable[str] = (),
        timeout: float = 10.0,
        resolver: Resolver = system_resolver,
        enabled: bool = True,
    ) -> None:
        self.allow = AllowList.parse(allowed_hosts)
        self.timeout = timeout
        self.enabled = enabled
        self._resolver = resolver if enabled else offline_resolver
        self._ssl_context = _ssl_context()

    def send(self, url: str, *, headers: Mapping[str, str], body: bytes) -> SendOutcome:
        started = time.monotonic()

        def outcome(
            status: int | None, error: str | None, excerpt: str | None, refused: bool = False
        ) -> SendOutcome:
            elapsed = int((time.monotonic() - started) * 1000)
            return SendOutcome(status, error, excerpt, elapsed, refused)

        if not self.enabled:
            return outcome(None, "refused: the outbound network is switched off", None)
        try:
            target = resolve_target(url, allow=self.allow, resolver=self._resolver)
        except Refused as exc:
            message = str(exc)
            error = message if message.startswith("refused") else f"url {message}"
            return outcome(None, error, None, refused=exc.permanent)
        request_headers = {
            **headers,
            "host": target.host_header,
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        extensions = {"sni_hostname": target.url.host} if target.url.scheme == "https" else {}
        # A client per request: nothing (cookies, pooled connections) carries over
        # from one receiver to the next.
        with httpx.Client(
            verify=self._ssl_context,
            trust_env=False,
            follow_redirects=False,
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 5.0)),
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as client:
            request = client.build_request(
                "POST",
                target.pinned_url,
                headers=request_headers,
                content=body,
                extensions=extensions,
            )
            # httpx's timeouts bound each read; a receiver that trickles a byte at a time
            # would hold the worker (and outlive the delivery's claim). The timer bounds
            # the whole attempt by closing the connection under it.
            expired = threading.Event()

            def expire() -> None:
                expired.set()
                client.close()

            timer = threading.Timer(self.timeout, expire)
            timer.start()
            try:
                response = client.send(request, stream=True)
                try:
                    excerpt = _excerpt(response)
                finally:
                    response.close()
            except httpx.TimeoutException:
                return outcome(None, f"timed out after {self.timeout:g}s", None)
            except (httpx.HTTPError, RuntimeError) as exc:
                if expired.is_set():
                    return outcome(None, f"timed out after {self.timeout:g}s", None)
                detail = str(exc) or type(exc).__name__
                return outcome(None, f"request failed: {detail}"[:EXCERPT_CHARS], None)
            finally:
                timer.cancel()
            if expired.is_set():
                return outcome(None, f"timed out after {self.timeout:g}s", None)
        status = response.status_code
        if 200 <= status < 300:
            return outcome(status, None, excerpt)
        if response.is_redirect:
            location = response.headers.get("location", "")[:200]
            error = f"receiver answered {status} (redirect to {location!r} not followed)"
        else:
            error = f"receiver answered {status}"
        return outcome(status, error, excerpt)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Shared by every client: loading the CA bundle takes tens of milliseconds."""
    return httpx.create_ssl_context()


def _excerpt(response: httpx.Response) -> str | None:
    """The start of the body: enough to diagnose a failure, never a large download."""
    received = bytearray()
    for chunk in response.iter_bytes():
        received.extend(chunk)
        if len(received) >= _EXCERPT_BYTES:
            break
    if not received:
        return None
    return bytes(received[:_EXCERPT_BYTES]).decode("utf-8", "replace")[:EXCERPT_CHARS]
