"""A web site per demo account, written from the world's documents: robots.txt, a sitemap, an RSS
feed, dated blog posts, press releases, careers pages, plus the traps real sites set.

Each page's topic and type come from the world's signal it renders; they are written to
``truth/site_labels.parquet`` (for measuring the tagger, never read by the pipeline).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fitintent.demo._site_text import CLOSING, TOPIC_SENTENCES, TRAP_PAGES

_SECTION = {
    "blog_post": "blog",
    "press_release": "press",
    "news": "press",
    "funding": "press",
    "merger": "press",
    "size_change": "press",
    "tech_adoption": "press",
    "tech_retirement": "press",
    "job_posting": "careers",
    "web_page": "pages",
}
_LD_TYPE = {"blog": "BlogPosting", "press": "NewsArticle", "careers": "JobPosting"}
MAX_PAGES_PER_SITE = 24
TRAP_EVERY = 10  # one site in ten carries the traps
BLOG_HOST_EVERY = 7  # one site in seven keeps its blog on a blog. host (resolved by registrable)


@dataclass(frozen=True)
class SitesInfo:
    root: Path
    domains: dict[str, str]  # domain -> account_id
    pages: int
    labels: Path


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "page"


def _body(title: str, topic: str | None, n: int) -> str:
    parts = [title.removeprefix("Hiring: ") + "."]
    if topic in TOPIC_SENTENCES:
        options = TOPIC_SENTENCES[topic]
        parts += [options[n % len(options)], options[(n + 1) % len(options)]]
    parts.append(CLOSING[n % len(CLOSING)])
    return " ".join(parts)


def _page(title: str, body: str, when: str, section: str, name: str) -> str:
    ld = _LD_TYPE.get(section)
    date_key = "datePosted" if section == "careers" else "datePublished"
    script = (
        f'<script type="application/ld+json">{{"@type": "{ld}", "{date_key}": "{when}"}}</script>'
        if ld
        else ""
    )
    t, b = html.escape(title), html.escape(body)
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{t} | {html.escape(name)}</title>"
        f"<meta property='article:published_time' content='{when}'>{script}</head><body>"
        f"<nav><a href='/'>Home</a> <a href='/blog/'>Blog</a> <a href='/press/'>Press</a> "
        f"<a href='/careers/'>Careers</a></nav><article><h1>{t}</h1>"
        f"<time datetime='{when}'>{when[:10]}</time><p>{b}</p></article>"
        f"<footer>&copy; {html.escape(name)}</footer></body></html>"
    )


def _index(name: str, links: list[tuple[str, str]], traps: bool) -> str:
    items = "".join(f"<li><a href='{u}'>{html.escape(t)}</a></li>" for u, t in links)
    extra = "".join(f"<li><a href='{u}'>more</a></li>" for u in TRAP_PAGES) if traps else ""
    return (
        f"<!doctype html><html><head><title>{html.escape(name)}</title>"
        "<link rel='alternate' type='application/rss+xml' href='/feed.xml'></head><body>"
        f"<h1>{html.escape(name)}</h1><ul>{items}{extra}"
        "<li><a href='/private/plans.html'>Internal</a></li></ul></body></html>"
    )


def _rss(domain: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(u)}</link>"
        f"<pubDate>{w}</pubDate></item>"
        for u, t, w in items
    )
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel>"
        f"<title>{domain}</title><link>http://{domain}/</link>{entries}</channel></rss>"
    )


def _rfc822(iso: str) -> str:
    from datetime import datetime
    from email.utils import format_datetime

    return format_datetime(datetime.fromisoformat(iso.replace("Z", "+00:00")))


def write_site(
    root: Path,
    domain: str,
    name: str,
    docs: list[dict[str, object]],
    *,
    traps: bool,
    delay: float,
    blog_host: bool = False,
) -> list[dict[str, object]]:
    """Write one site; return its labels (url, topic, signal_type). With ``blog_host`` the blog
    lives on ``blog.<domain>``, linked from the home page, as many companies host it."""
    site = root / domain
    labels: list[dict[str, object]] = []
    links: list[tuple[str, str]] = []
    feed: list[tuple[str, str, str]] = []
    for n, doc in enumerate(docs[:MAX_PAGES_PER_SITE]):
        stype, topic = str(doc["signal_type"]), doc["topic"]
        title, when = str(doc["text"]), str(doc["when"])
        section = _SECTION.get(stype, "pages")
        path = f"/{section}/{_slug(title)}-{n}.html"
        host = f"blog.{domain}" if blog_host and section == "blog" else domain
        body = _body(title, topic if isinstance(topic, str) else None, n)
        target = root / host / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_page(title, body, when, section, name), encoding="utf-8")
        url = f"http://{host}{path}"
        links.append((url if host != domain else path, title))
        if section in ("blog", "press"):
            feed.append((url, title, _rfc822(when)))
        labels.append({"url": url, "topic": topic, "signal_type": stype})
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text(_index(name, links, traps), encoding="utf-8")
    (site / "feed.xml").write_text(_rss(domain, feed), encoding="utf-8")
    # a sitemap lists its own host's pages only
    urls = [f"http://{domain}/"] + [f"http://{domain}{p}" for p, _ in links if p.startswith("/")]
    (site / "sitemap.xml").write_text(
        "<?xml version='1.0'?><urlset>"
        + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        + "</urlset>",
        encoding="utf-8",
    )
    (site / "robots.txt").write_text(
        f"User-agent: *\nCrawl-delay: {delay}\nDisallow: /private/\n"
        f"Sitemap: http://{domain}/sitemap.xml\n",
        encoding="utf-8",
    )
    private = site / "private"
    private.mkdir(exist_ok=True)
    (private / "plans.html").write_text("<html><body>not for crawlers</body></html>")
    if traps:
        for rel, content in TRAP_PAGES.items():
            if content is not None:
                (site / rel.lstrip("/")).write_text(content, encoding="utf-8")
    return labels


def write_sites(
    sources: Path,
    root: Path,
    labels_path: Path,
    *,
    sample: int,
    seed: int = 7,
    delay: float = 0.2,
    since: str | None = None,
) -> SitesInfo:
    """A site for ``sample`` accounts (chosen by a seeded draw) from the world's ``accounts`` and
    ``signals`` sources; documents from ``since`` (an ISO date) on."""
    from fitintent.ingest._read import find_files

    accounts = _read(
        find_files("accounts", sources, None), ["account_id", "account_name", "domain"]
    )
    accounts = accounts.filter(pc.is_valid(accounts["domain"]))
    rng = np.random.default_rng([seed, 4])
    pick = np.sort(rng.choice(accounts.num_rows, min(sample, accounts.num_rows), replace=False))
    chosen = accounts.take(pa.array(pick))
    signal_cols = ["account_id", "domain", "signal_time", "signal_type", "topic", "text"]
    signals = _read(find_files("signals", sources, None), signal_cols)
    by_domain = dict(
        zip(chosen["domain"].to_pylist(), chosen["account_id"].to_pylist(), strict=True)
    )
    by_id = {a: d for d, a in by_domain.items()}
    docs: dict[str, list[dict[str, object]]] = {d: [] for d in by_domain}
    for row in signals.filter(
        pc.is_in(signals["signal_type"], pa.array(list(_SECTION)))
    ).to_pylist():
        domain = row["domain"] if row["domain"] in docs else by_id.get(row["account_id"])
        when = str(row["signal_time"]).replace(" ", "T")[:19] + "Z"
        if domain is not None and (since is None or when >= since):
            docs[domain].append(row | {"when": when})
    names = dict(zip(chosen["domain"].to_pylist(), chosen["account_name"].to_pylist(), strict=True))
    labels: list[dict[str, object]] = []
    for i, (domain, rows) in enumerate(docs.items()):
        rows.sort(key=lambda r: str(r["when"]), reverse=True)
        labels += write_site(
            root,
            domain,
            str(names[domain]),
            rows,
            traps=i % TRAP_EVERY == 0,
            delay=delay,
            blog_host=i % BLOG_HOST_EVERY == 3,
        )
    labels_path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.Table.from_pylist(
            labels,
            schema=pa.schema(
                [("url", pa.string()), ("topic", pa.string()), ("signal_type", pa.string())]
            ),
        ),
        labels_path,
    )
    return SitesInfo(root, by_domain, len(labels), labels_path)


def _read(files: list[Path], columns: list[str]) -> pa.Table:
    import pyarrow.csv as pacsv

    tables = []
    for f in files:
        if f.suffix == ".parquet":
            t = pq.read_table(f, columns=columns)
        else:
            t = pacsv.read_csv(
                f,
                convert_options=pacsv.ConvertOptions(
                    include_columns=columns, column_types=dict.fromkeys(columns, pa.string())
                ),
            )
        tables.append(t.select(columns).cast(pa.schema([(c, pa.string()) for c in columns])))
    return pa.concat_tables(tables)
