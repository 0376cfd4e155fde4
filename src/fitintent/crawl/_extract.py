"""From fetched bytes to a page: title, main text, publication date, page kind and links.

The HTML parser only reads markup: scripts are dropped, never run, and every string that comes
out is plain text to be stored, tagged and (later) shown escaped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser as HTMLParser

PAGE_KINDS = ("blog_post", "press_release", "job_posting", "forum_post", "product_page", "web_page")
_DROP = "script, style, noscript, template, svg, nav, header, footer, aside, form, iframe, button"
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_URL_DATE = re.compile(r"/(20\d\d|19\d\d)[/-](\d\d)(?:[/-](\d\d))?/")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://")
_ORIGIN = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/?#]*")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?")
_SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("job_posting", ("careers", "jobs", "job", "vacancies", "vacancy", "join-us", "hiring")),
    ("press_release", ("press", "newsroom", "press-releases", "news", "media", "announcements")),
    ("blog_post", ("blog", "insights", "articles", "stories", "posts")),
    ("forum_post", ("forum", "forums", "community", "discussions", "questions", "t")),
    ("product_page", ("products", "product", "solutions", "services", "pricing", "platform")),
)
_LD_KINDS = {
    "jobposting": "job_posting",
    "newsarticle": "press_release",
    "pressrelease": "press_release",
    "blogposting": "blog_post",
    "article": "blog_post",
    "discussionforumposting": "forum_post",
    "qapage": "forum_post",
    "product": "product_page",
}
# Link priority: the sections that carry buying signals are fetched first.
_PRIORITY = {
    "press_release": 0,
    "blog_post": 0,
    "job_posting": 0,
    "product_page": 1,
    "forum_post": 1,
}
_DATE_META = (
    ("property", "article:published_time"),
    ("name", "article:published_time"),
    ("itemprop", "datePublished"),
    ("name", "date"),
    ("name", "pubdate"),
    ("name", "DC.date"),
    ("name", "dc.date"),
)
_META_ATTRS = ("property", "name", "itemprop")
Metas = dict[tuple[str, str], str | None]


@dataclass
class Page:
    url: str
    title: str = ""
    text: str = ""
    published: datetime | None = None
    kind: str = "web_page"
    links: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment, host lower case and default port dropped."""
    url = url.strip()
    if base and (url.startswith("/") or _SCHEME.match(url)):
        # such a link resolves the same against any page of the origin, so the pages of a site
        # share one cache entry per link (menus repeat every link on every page)
        m = _ORIGIN.match(base)
        base = m.group(0) + "/" if m else base
    return _normalize(url, base)


@lru_cache(maxsize=32_768)
def _normalize(url: str, base: str | None) -> str | None:
    try:
        absolute = urljoin(base, url) if base else url
        absolute, _ = urldefrag(absolute)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return None
        host = parts.hostname.lower().rstrip(".")
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}[parts.scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host:
        netloc = f"[{host}]" if port in (None, default) else f"[{host}]:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def kind_from_path(url: str) -> str:
    segments = [s for s in urlsplit(url).path.lower().split("/") if s]
    for kind, names in _SECTIONS:
        for i, seg in enumerate(segments):
            if seg in names:
                # the section's own index lists items; an item sits below it
                return kind if i < len(segments) - 1 else "web_page"
    return "web_page"


def link_priority(url: str, depth: int) -> int:
    """Lower is sooner: signal-bearing sections first, then by depth."""
    return _PRIORITY.get(kind_from_path(url), 2) * 10 + depth


def parse_date(text: str | None) -> datetime | None:
    if not text:
        return None
    m = _ISO_DATE.search(text)
    if not m:
        return None
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
    except ValueError:
        return None


def _json_ld(tree: HTMLParser) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True)[:100_000])
        except (ValueError, RecursionError):
            continue
        items = data if isinstance(data, list) else [data]
        out += [i for i in items if isinstance(i, dict)]
    return out


def _metas(tree: HTMLParser) -> Metas:
    """``(attribute, value) -> content`` of the first ``<meta>`` per key: one pass over the
    page's meta tags instead of one selector query per key."""
    found: Metas = {}
    for node in tree.css("meta"):
        attrs = node.attributes
        for attr in _META_ATTRS:
            value = attrs.get(attr)
            if value is not None and (attr, value) not in found:
                found[(attr, value)] = attrs.get("content")
    return found


def _published(
    tree: HTMLParser, metas: Metas, ld: list[dict[str, object]], url: str
) -> datetime | None:
    for meta in _DATE_META:
        if (found := parse_date(metas.get(meta))) is not None:
            return found
    for item in ld:
        for key in ("datePublished", "datePosted", "dateCreated"):
            if isinstance(item.get(key), str) and (found := parse_date(str(item[key]))):
                return found
    node = tree.css_first("time[datetime]")
    if node is not None and (found := parse_date(node.attributes.get("datetime"))):
        return found
    m = _URL_DATE.search(urlsplit(url).path)
    if m:
        return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}")
    return None


def _kind(ld: list[dict[str, object]], og_type: str | None, url: str) -> str:
    for item in ld:
        t = item.get("@type")
        for name in t if isinstance(t, list) else [t]:
            if isinstance(name, str) and name.lower() in _LD_KINDS:
                return _LD_KINDS[name.lower()]
    path_kind = kind_from_path(url)
    if path_kind == "web_page" and og_type == "article":
        return "blog_post"
    return path_kind


def _main_text(tree: HTMLParser) -> str:
    root = tree.css_first("article") or tree.css_first("main") or tree.css_first('[role="main"]')
    root = root or tree.body
    if root is None:
        return ""
    for node in root.css(_DROP):
        node.decompose()
    return clean_text(root.text(separator=" "))


def extract_html(url: str, body: bytes, charset: str | None, *, trafilatura: bool = False) -> Page:
    html = body.decode(charset or "utf-8", errors="replace") if charset else _decode(body)
    tree = HTMLParser(html)
    ld = _json_ld(tree)
    metas = _metas(tree)
    page = Page(url=url)
    page.kind = _kind(ld, metas.get(("property", "og:type")), url)
    page.published = _published(tree, metas, ld, url)
    title_text = metas.get(("property", "og:title"))
    if not title_text:
        node = tree.css_first("title") or tree.css_first("h1")
        title_text = node.text(deep=True) if node is not None else ""
    page.title = clean_text(title_text or "")[:500]
    links: dict[str, None] = {}  # in page order, each once: menus repeat their links
    for a in tree.css("a[href]"):
        link = normalize_url(a.attributes.get("href") or "", url)
        if link is not None:
            links[link] = None
    page.links = list(links)
    for node in tree.css('link[rel="alternate"]'):
        t = (node.attributes.get("type") or "").lower()
        if "rss" in t or "atom" in t:
            link = normalize_url(node.attributes.get("href") or "", url)
            if link is not None:
                page.feeds.append(link)
    text = _trafilatura_text(html) if trafilatura else ""
    page.text = text or _main_text(tree)
    return page


def _trafilatura_text(html: str) -> str:
    import trafilatura

    return clean_text(trafilatura.extract(html, include_comments=False) or "")


def _decode(body: bytes) -> str:
    head = body[:2048].decode("ascii", errors="ignore").lower()
    m = re.search(r"charset=[\"']?([a-z0-9_\-]+)", head)
    if m:
        try:
            return body.decode(m.group(1), errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")
