"""Only public addresses: refused directly, through a redirect and through a changing DNS answer."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import pytest

from crawl.kit import article, settings, store
from fitintent.crawl import AddressPolicy, GuardedResolver, RefusedAddress, Seed, crawl_async
from fitintent.crawl._fetch import Fetcher
from fitintent.demo._site_server import SiteServer

PRIVATE = "127.0.0.2"  # loopback, but outside the tests' allow-list (127.0.0.1/32)


@pytest.mark.parametrize(
    "address",
    [
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "127.0.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "2002:0a00:0001::1",
        "ff02::1",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    with pytest.raises(RefusedAddress):
        AddressPolicy().check("h", address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:4700::6810:84e5", "8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    AddressPolicy().check("h", address)


@pytest.mark.parametrize(
    "url",
    [
        "http://2130706433/",
        "http://0x7f.1/",
        "http://127.1/",
        "http://[::1]/",
        "http://10.1.2.3:8080/x",
        "http://[::ffff:127.0.0.1]/",
        "http://\uff11\uff12\uff17.0.0.1/",  # full-width digits: the HTTP client reads 127.0.0.1
    ],
)
def test_literal_addresses_in_any_form_are_refused(url: str) -> None:
    with pytest.raises(RefusedAddress):
        AddressPolicy().check_url(url)


def test_allow_list_opens_only_what_it_names() -> None:
    policy = AddressPolicy(["127.0.0.1/32"])
    policy.check("h", "127.0.0.1")
    with pytest.raises(RefusedAddress):
        policy.check("h", PRIVATE)
    assert ipaddress.ip_address(PRIVATE).is_loopback


def _private_server() -> SiteServer:
    return SiteServer(
        store(
            {
                h: {"/secret": ("text/html", article("secret", "internal"))}
                for h in ("127.0.0.2", "inner.a.test", "rebind.test")
            }
        )
    )


@pytest.mark.parametrize("host", [PRIVATE, "\uff11\uff12\uff17.\uff10.\uff10.\uff12"])
def test_private_address_reached_directly_is_refused(serve, host: str) -> None:  # type: ignore[no-untyped-def]
    inner = _private_server()
    inner_port = serve(inner, host=PRIVATE).port
    s = settings(0)

    async def go() -> str | None:
        async with Fetcher(s, GuardedResolver(AddressPolicy(s.allow_networks))) as f:
            return (await f.get(f"http://{host}:{inner_port}/secret")).error

    assert asyncio.run(go()) == "refused"
    assert inner.hits == []


def test_redirects_and_changing_dns_answers_to_private_addresses_are_refused(
    serve,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    inner = _private_server()
    inner_port = serve(inner, host=PRIVATE).port
    public = {
        "a.test": {
            "/robots.txt": ("text/plain", b""),
            "/": (
                "text/html",
                article(
                    "a",
                    "home",
                    [
                        f"/trap/redirect?to=http://{PRIVATE}:{inner_port}/secret",
                        "/trap/redirect?to=http://inner.a.test/secret",
                    ],
                ),
            ),
        },
        "rebind.test": {
            "/robots.txt": ("text/plain", b""),
            "/": ("text/html", article("r", "home", ["/secret"])),
        },
    }
    outer = SiteServer(store(public))
    port = serve(outer).port
    answers = {"rebind.test": 0}

    async def lookup(host: str, p: int) -> list[tuple[str, int]]:
        if host == "inner.a.test":
            return [(PRIVATE, inner_port)]
        if host == "rebind.test":  # public-looking first, private from the second answer on
            answers[host] += 1
            return [("127.0.0.1", port)] if answers[host] == 1 else [(PRIVATE, inner_port)]
        if host == "ten.test":
            return [("10.0.0.7", 80)]
        raise OSError("unknown host")

    s = settings(port, hosts={"a.test": f"127.0.0.1:{port}"})
    stats = asyncio.run(
        crawl_async(
            [Seed("a.test"), Seed("rebind.test"), Seed("ten.test"), Seed(PRIVATE)],
            s,
            tmp_path / "s.sqlite",
            scheme="http",
            lookup=lookup,
        )
    )
    assert inner.hits == []  # nothing ever reached the private server
    assert answers["rebind.test"] >= 2  # the name was resolved again, and refused then
    assert stats.refused >= 4  # redirect to a literal, redirect to a name, rebinding, direct seed
    # the first answer served robots.txt; the changed answer refused the page itself
    assert [h.path for h in outer.hits if h.host == "rebind.test"] == ["/robots.txt"]
