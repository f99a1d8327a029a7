"""What haechi may fetch: public http(s) addresses only, checked where the connection is made.

A crawler that follows links and redirects chosen by hostile sites must not be turned against
the volunteer's own network (router admin pages, cloud metadata at 169.254.169.254, services on
localhost). So:

- only ``http`` and ``https`` URLs are fetched;
- a host that is, or resolves to, a loopback, private, link-local, multicast, reserved,
  unspecified or otherwise non-global address is refused, IPv4 and IPv6 alike, including IPv4
  addresses wrapped in IPv6 (``::ffff:10.0.0.1``, 6to4, Teredo, NAT64);
- the check happens in the network backend at connection time: the name is resolved once, the
  addresses are checked, and the socket is opened to a checked address, never to the name. A
  DNS answer that changes between a check and the connection (rebinding) cannot slip through;
- every redirect hop goes through the same connection path, so a redirect to a private address
  is refused before a byte is sent to it.

An explicit allow-list may name hosts (matched against the URL's host name) or addresses and
networks (matched against the resolved address), for tests on 127.0.0.1 and for a team's own
mirror; nothing else bypasses the rules.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpcore

from haechi.sources.errors import FetchFailed, FetchRefused
from haechi.sources.netstream import AsyncioBackend
from haechi.sources.records import FailureReason

# Organisations put their contact address here (FetchPolicy.user_agent) so a site operator
# who sees the crawler in their logs knows whom to ask.
DEFAULT_USER_AGENT = "haechi/0.1 (+contact)"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolve a host name and port to IP address strings (tests inject their own)."""

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class FetchPolicy:
    """The safety and politeness limits of every fetch.

    ``allow`` lists host names (``"localhost"``), addresses (``"127.0.0.1"``) or networks
    (``"127.0.0.0/8"``) that are fetched even though they are not public.
    """

    allow: tuple[str, ...] = ()
    user_agent: str = DEFAULT_USER_AGENT
    max_redirects: int = 5
    max_bytes: int = 64 * 1024 * 1024  # per response, as received on the wire
    max_decoded_bytes: int = 64 * 1024 * 1024  # per response, after gzip/deflate
    total_timeout: float = 60.0  # per fetch, all redirects and retries included
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    retries: int = 2  # extra attempts on 5xx, 429, timeouts and connection errors
    backoff: float = 0.5  # seconds before the first retry; doubled for each further one
    per_host: int = 4  # concurrent requests to one host
    max_connections: int = 64
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(
        default=(), init=False, repr=False, compare=False
    )
    _names: frozenset[str] = field(default=frozenset(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        networks = []
        names = set()
        for entry in self.allow:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry.lower().rstrip("."))
        object.__setattr__(self, "_networks", tuple(networks))
        object.__setattr__(self, "_names", frozenset(names))

    def allows_name(self, host: str) -> bool:
        """Whether the allow-list names this host (then any address it resolves to is fine)."""
        return host.lower().rstrip(".") in self._names

    def allows_address(self, ip: IPAddress) -> bool:
        """Whether the allow-list covers this address."""
        return any(ip.version == net.version and ip in net for net in self._networks)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address wraps (mapped, 6to4, Teredo, NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_problem(ip: IPAddress) -> str | None:
    """Why this address must not be fetched from, or ``None`` if it is a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            problem = address_problem(inner)
            if problem is not None:
                return f"{problem} (inside {ip})"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("not global", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{ip} is a {name} address"
    return None


def check_address(host: str, ip_text: str, policy: FetchPolicy) -> None:
    """Raise :class:`FetchRefused` unless connecting to ``ip_text`` (for ``host``) is allowed."""
    try:
        ip = ipaddress.ip_address(ip_text.split("%", 1)[0])
    except ValueError as exc:
        raise FetchRefused(f"{host}: {ip_text!r} is not an IP address") from exc
    if policy.allows_name(host) or policy.allows_address(ip):
        return
    problem = address_problem(ip)
    if problem is not None:
        raise FetchRefused(f"refused {host}: {problem}")


def check_url(url: str, policy: FetchPolicy) -> None:
    """Refuse a URL before any request: scheme, host, and host literals that are addresses.

    Host names are checked again, by their resolved addresses, when the connection is made.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise FetchRefused(f"refused {url!r}: malformed URL ({exc})") from exc
    if parts.scheme not in ("http", "https"):
        raise FetchRefused(f"refused {url!r}: only http and https URLs are fetched")
    if not host:
        raise FetchRefused(f"refused {url!r}: no host")
    try:
        literal = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return
    check_address(host, str(literal), policy)


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the operating system's resolver (``getaddrinfo``), in the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for *_, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in seen:
            seen.append(address)
    return seen


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that resolves, checks, and connects to the checked address.

    TLS still uses the URL's host name for SNI and certificate checks, because httpcore takes
    the server name from the request's origin, not from the address the socket went to.
    """

    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self._policy = policy
        self._resolver = resolver
        self._inner = inner if inner is not None else AsyncioBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            literal: str | None = str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise FetchFailed(
                    f"{host}: name not resolved ({exc})", FailureReason.NETWORK
                ) from exc
        if not addresses:
            raise FetchFailed(f"{host}: name has no addresses", FailureReason.NETWORK)
        for address in addresses:
            check_address(host, address, self._policy)  # all must pass, not just the first
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise FetchRefused("refused: unix sockets are never fetched from")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)
