"""Address safety: the crawler connects only to public addresses.

Names are resolved by the crawler itself, once for every request, and every answer is checked
before it is used; a new connection goes only to the address just checked. So a redirect to a
private address, or a name whose DNS answer changes to one between two requests, is refused
like a private address written in a link; a kept-alive connection still leads to the address it
was checked for when it opened. Loopback and private networks open only through an explicit
allow-list (tests and the demo's sites on 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextvars import ContextVar, Token
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> [(ip, port)]; the system resolver by default, a stub in tests
Lookup = Callable[[str, int], Awaitable[list[tuple[str, int]]]]
# the answer checked for the current request: (resolver, host, port, answer)
_Checked = tuple[object, str, int, list[Any]]
_ANSWER: ContextVar[_Checked | None] = ContextVar("_ANSWER", default=None)
_VERDICTS_MAX = 65_536


class RefusedAddress(Exception):
    """A URL that would reach a non-public address (or no address at all)."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


def _unmapped(ip: IPAddress) -> IPAddress:
    # ::ffff:10.0.0.1 and 2002::/16 (6to4) wrap an IPv4 address that decides where packets go
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return ip.ipv4_mapped
        if ip.sixtofour is not None:
            return ip.sixtofour
    return ip


def why_not_public(ip: IPAddress) -> str | None:
    """The reason an address is not a public one, or None when it is."""
    ip = _unmapped(ip)
    for reason, hit in (
        ("loopback", ip.is_loopback),
        ("private", ip.is_private),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
    ):
        if hit:
            return f"{reason} address {ip}"
    if not ip.is_global:  # shared address space 100.64/10, documentation ranges...
        return f"non-public address {ip}"
    return None


class AddressPolicy:
    """Which addresses may be connected to: public ones, plus the allow-listed networks."""

    def __init__(self, allow_networks: Iterable[str] = ()) -> None:
        self.allowed: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in allow_networks
        )
        self._verdicts: dict[str, str | None] = {}  # address -> why refused (None: allowed)

    def check(self, host: str, address: str) -> None:
        if address not in self._verdicts:
            if len(self._verdicts) >= _VERDICTS_MAX:
                self._verdicts.clear()
            self._verdicts[address] = self._verdict(address)
        reason = self._verdicts[address]
        if reason is not None:
            raise RefusedAddress(host, reason)

    def _verdict(self, address: str) -> str | None:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"not an address: {address!r}"
        if any(_unmapped(ip) in net or ip in net for net in self.allowed):
            return None
        reason = why_not_public(ip)
        return f"refused {reason}" if reason is not None else None

    def check_url(self, url: str, target: URL | None = None) -> None:
        """Refuse a URL whose host is a literal address that is not allowed (names are checked
        when they resolve). The host is read as the URL parser reads it and as the HTTP client
        does (``target``: the client's reading of ``url``, when at hand), which maps some names
        onto addresses (full-width digits, ``[::ffff:a.b.c.d]``)."""
        client = target.raw_host if target is not None else client_host(url)
        for host in (urlsplit(url).hostname or "", client or ""):
            if not host:
                raise RefusedAddress(url, "no host")
            literal = _literal(host)
            if literal is not None:
                self.check(host, literal)


def client_host(url: str) -> str:
    """The host the HTTP client connects to for ``url``."""
    return URL(url, encoded=False).raw_host or ""


@lru_cache(maxsize=65_536)
def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        pass
    try:  # 2130706433, 0x7f.1, 127.1: forms inet_aton accepts and some clients connect to
        return socket.inet_ntoa(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


async def system_lookup(host: str, port: int) -> list[tuple[str, int]]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(str(info[4][0]), int(info[4][1])) for info in infos]


class StaticHosts:
    """Names answered before DNS: ``{"shop.example": "127.0.0.1:8080", "*.test": "127.0.0.1"}``."""

    def __init__(self, table: dict[str, str]) -> None:
        self.exact: dict[str, tuple[str, int | None]] = {}
        self.suffixes: list[tuple[str, tuple[str, int | None]]] = []
        for name, target in table.items():
            ip, _, port = target.rpartition(":") if target.count(":") == 1 else (target, "", "")
            answer = (ip, int(port) if port else None)
            if name.startswith("*."):
                self.suffixes.append((name[1:].lower(), answer))
            else:
                self.exact[name.lower()] = answer

    def get(self, host: str) -> tuple[str, int | None] | None:
        host = host.lower().rstrip(".")
        if host in self.exact:
            return self.exact[host]
        for suffix, answer in self.suffixes:
            if host.endswith(suffix):
                return answer
        return None


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that returns only addresses the policy allows, checked on every
    connection (the connector's DNS cache is off), so a changed answer is checked again."""

    def __init__(
        self,
        policy: AddressPolicy,
        hosts: StaticHosts | None = None,
        lookup: Lookup | None = None,
    ) -> None:
        self.policy = policy
        self.hosts = hosts or StaticHosts({})
        self.lookup = lookup or system_lookup
        self.refused: list[RefusedAddress] = []

    def answering(self, host: str, port: int, timeout: float | None = None) -> _Answering:
        """``async with resolver.answering(host, port):`` resolves and checks ``host`` now
        (within ``timeout`` seconds), and a connection opened inside the block goes to this
        answer: one lookup and one check per request, and no other answer slips in between.
        A literal address is ``AddressPolicy.check_url``'s."""
        return _Answering(self, host, port, timeout)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        checked = _ANSWER.get()
        if checked is not None and checked[:3] == (self, host, port):
            return list(checked[3])
        return await self.checked_answer(host, port)

    async def checked_answer(
        self, host: str, port: int, timeout: float | None = None
    ) -> list[ResolveResult]:
        static = self.hosts.get(host)
        answers: Sequence[tuple[str, int]]
        if static is not None:
            answers = [(static[0], static[1] if static[1] is not None else port)]
        else:
            try:
                async with asyncio.timeout(timeout):
                    answers = await self.lookup(host, port)
            except OSError as e:
                raise RefusedAddress(host, f"does not resolve: {e}") from None
        if not answers:
            raise RefusedAddress(host, "no address")
        out: list[ResolveResult] = []
        for address, answer_port in answers:
            try:
                self.policy.check(host, address)  # every answer: one bad address refuses all
            except RefusedAddress as e:
                self.refused.append(e)
                raise
            out.append(_result(host, address, answer_port))
        return out

    async def close(self) -> None:
        return None


class _Answering:
    def __init__(
        self, resolver: GuardedResolver, host: str, port: int, timeout: float | None
    ) -> None:
        self.resolver, self.host, self.port, self.timeout = resolver, host, port, timeout
        self.token: Token[_Checked | None] | None = None

    async def __aenter__(self) -> None:
        if _literal(self.host.strip("[]")) is None:
            answer = await self.resolver.checked_answer(self.host, self.port, self.timeout)
            self.token = _ANSWER.set((self.resolver, self.host, self.port, answer))

    async def __aexit__(self, *exc: object) -> None:
        if self.token is not None:
            _ANSWER.reset(self.token)


def _result(host: str, address: str, port: int) -> Any:
    fam = socket.AF_INET6 if ":" in address else socket.AF_INET
    return {
        "hostname": host,
        "host": address,
        "port": port,
        "family": fam,
        "proto": 0,
        "flags": socket.AI_NUMERICHOST,
    }
