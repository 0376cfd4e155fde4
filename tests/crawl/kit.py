"""Fixture sites for the crawler tests: a few virtual hosts served by one loopback server."""

from __future__ import annotations

from fitintent.config import CrawlSettings
from fitintent.demo._site_server import Page

PAGES = 8


def article(title: str, body: str, links: list[str] = ()) -> bytes:  # type: ignore[assignment]
    a = "".join(f"<a href='{u}'>{u}</a>" for u in links)
    return (
        f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
        f"<p>{body}</p>{a}</article></body></html>"
    ).encode()


def site_pages(host: str, delay: float, pages: int = PAGES) -> dict[str, Page]:
    posts = [f"/blog/post-{i}.html" for i in range(pages)]
    out: dict[str, Page] = {
        "/robots.txt": (
            "text/plain",
            f"User-agent: *\nCrawl-delay: {delay}\nDisallow: /private/\n".encode(),
        ),
        "/": ("text/html", article(f"{host} home", "Welcome", [*posts, "/private/secret.html"])),
        "/private/secret.html": ("text/html", article("secret", "do not crawl")),
    }
    for i, p in enumerate(posts):
        body = f"Post {i} of {host}: we moved our servers to Azure in week {i} of the project."
        out[p] = ("text/html", article(f"Post {i}", body, ["/", "/private/secret.html"]))
    return out


def store(sites: dict[str, dict[str, Page]]):  # type: ignore[no-untyped-def]
    def get(host: str, path: str) -> Page | None:
        return sites.get(host, {}).get(path)

    return get


def settings(port: int, **kw: object) -> CrawlSettings:
    base: dict[str, object] = {
        "allow_networks": ["127.0.0.1/32"],
        "hosts": {"*.test": f"127.0.0.1:{port}"},
        "min_delay_s": 0.0,
        "concurrency": 8,
        "connect_timeout_s": 2.0,
        "read_timeout_s": 0.5,
        "total_timeout_s": 2.0,
        "retries": 0,
        "max_body_bytes": 200_000,
        "max_redirects": 3,
    }
    base.update(kw)
    return CrawlSettings.model_validate(base)
