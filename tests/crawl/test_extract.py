"""Link normalization shares its cache across a site's pages without changing any answer, and
the page's metadata is read as before."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from fitintent.crawl import extract_html, normalize_url
from fitintent.crawl._extract import _normalize

BASES = [
    "http://h.test/a/b.html?x=1",
    "http://h.test",
    "https://h.test:8443/x/",
    "http://h.test?q",
    "http://[::1]:8080/d/e",
]
HREFS = [
    "/p/../q",
    "//other.test/x",
    "http://Z.test/../a",
    "HTTPS://z.test/a#f",
    "http:rel.html",
    "q.html",
    "./q/../r.html",
    "?y",
    "#f",
    "",
    "  /a?b#c  ",
    "javascript:alert(1)",
    "mailto:x@y.test",
    "/trap/redirect?to=http://127.0.0.2/secret",
    "http://１２７.0.0.1/",
]


def test_cached_normalization_gives_the_uncached_answer() -> None:
    for base, href in itertools.product(BASES, HREFS):
        assert normalize_url(href, base) == _normalize(href.strip(), base), (base, href)


def test_page_metadata_and_links() -> None:
    html = b"""<html><head><title>Plain title</title>
    <meta name="date" content="2025-01-02">
    <meta property="article:published_time" content="2026-09-14T08:00:00Z">
    <meta property="og:type" content="article"><meta property="og:title" content="OG title">
    </head><body><nav><a href="/blog/a.html">a</a><a href="/blog/a.html#top">a</a></nav>
    <article><p>Body text.</p><a href="b.html">b</a><a href="http://elsewhere.test/">x</a>
    </article></body></html>"""
    page = extract_html("http://h.test/blog/index.html", html, "utf-8")
    assert page.title == "OG title"
    assert page.published == datetime(2026, 9, 14, 8, 0, tzinfo=UTC)  # the first rule that holds
    assert page.kind == "blog_post"
    assert page.links == [
        "http://h.test/blog/a.html",  # once, though the menu names it twice
        "http://h.test/blog/b.html",
        "http://elsewhere.test/",
    ]
    assert page.text == "Body text. b x"
