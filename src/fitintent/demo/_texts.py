"""Signal vocabulary: topics, signal types, and the short titles and URL paths of documents.

Every title is a fixed phrase (no commas or quotes), so a signal's text is an index into
``VOCAB`` and large volumes are built by taking from it, never by formatting strings per row.
"""

from __future__ import annotations

import re

import numpy as np

from fitintent.contracts import SIGNAL_TYPES

TOPICS: tuple[str, ...] = (
    "cloud_migration",
    "data_centre",
    "virtualisation",
    "remote_work",
    "collaboration",
    "email",
    "crm",
    "erp",
    "accounting",
    "low_code",
    "devices",
    "security",
    "analytics",
)

# topic -> phrases by kind: role (job title), headline (blog), announce (press/news),
# question (forum), page (web page), adopt (technology adopted), retire (technology retired)
_PHRASES: dict[str, dict[str, tuple[str, ...]]] = {
    "cloud_migration": {
        "role": ("Cloud Engineer", "Cloud Migration Lead"),
        "headline": ("Why we are moving our servers to the cloud", "Lessons from our cloud move"),
        "announce": ("completes move to cloud hosting", "selects a cloud platform"),
        "question": ("Best way to move file servers to the cloud", "Lift and shift or rebuild"),
        "page": ("Our cloud first strategy",),
        "adopt": ("Adopts a public cloud platform",),
        "retire": ("Retires on-premises file servers",),
    },
    "data_centre": {
        "role": ("Data Centre Technician", "Infrastructure Manager"),
        "headline": ("Closing our server room", "What our data centre really costs"),
        "announce": ("consolidates data centres", "exits colocation contract"),
        "question": ("Is SQL Server 2012 still safe to run", "Windows Server 2008 end of support"),
        "page": ("Infrastructure and hosting",),
        "adopt": ("Adopts hyperconverged servers",),
        "retire": ("Retires Windows Server 2008",),
    },
    "virtualisation": {
        "role": ("Virtualisation Engineer", "Systems Administrator"),
        "headline": ("Virtual desktops for every branch", "Our hypervisor renewal options"),
        "announce": ("virtualises its server estate", "modernises virtual infrastructure"),
        "question": ("Hypervisor licence costs going up", "Virtual desktop sizing advice"),
        "page": ("Virtual desktop service",),
        "adopt": ("Adopts virtual desktops",),
        "retire": ("Retires legacy hypervisor hosts",),
    },
    "remote_work": {
        "role": ("Remote Work Coordinator", "IT Support Specialist"),
        "headline": ("How our team works from anywhere", "Hybrid work one year on"),
        "announce": ("goes hybrid for all staff", "opens flexible work hubs"),
        "question": ("Secure remote access for small teams", "VPN or zero trust for home workers"),
        "page": ("Careers with flexible work",),
        "adopt": ("Adopts a hybrid work toolkit",),
        "retire": ("Retires desk phones",),
    },
    "collaboration": {
        "role": ("Collaboration Specialist", "Digital Workplace Manager"),
        "headline": ("Fewer emails and more teamwork", "Choosing a team chat platform"),
        "announce": ("launches company intranet", "rolls out team workspaces"),
        "question": ("Teams or Slack for a growing company", "Shared drives are a mess"),
        "page": ("Working together",),
        "adopt": ("Adopts a team chat platform",),
        "retire": ("Retires legacy intranet",),
    },
    "email": {
        "role": ("Messaging Administrator", "IT Generalist"),
        "headline": ("Moving off our old mail server", "Cleaning up shared mailboxes"),
        "announce": ("upgrades company email", "moves email to the cloud"),
        "question": ("Exchange 2013 migration path", "Spam filtering for small business"),
        "page": ("Contact us",),
        "adopt": ("Adopts hosted email",),
        "retire": ("Retires on-premises mail server",),
    },
    "crm": {
        "role": ("CRM Administrator", "Sales Operations Manager"),
        "headline": ("Our pipeline lived in spreadsheets", "Picking a CRM for a growing team"),
        "announce": ("invests in customer engagement", "expands sales team"),
        "question": ("CRM for a twenty person sales team", "Migrating contacts between CRMs"),
        "page": ("Customer stories",),
        "adopt": ("Adopts a CRM system",),
        "retire": ("Retires spreadsheet pipeline",),
    },
    "erp": {
        "role": ("ERP Consultant", "Operations Systems Analyst"),
        "headline": ("Outgrowing our accounting package", "One system for orders and stock"),
        "announce": ("starts ERP modernisation", "selects new business system"),
        "question": ("ERP for a mid-size manufacturer", "Inventory and finance in one system"),
        "page": ("Operations and supply",),
        "adopt": ("Adopts an ERP suite",),
        "retire": ("Retires legacy order system",),
    },
    "accounting": {
        "role": ("Finance Systems Manager", "Bookkeeper"),
        "headline": ("Closing the books faster", "Leaving desktop accounting behind"),
        "announce": ("upgrades finance systems", "appoints new finance director"),
        "question": ("QuickBooks alternatives for a growing firm", "Multi-currency accounting"),
        "page": ("Finance and billing",),
        "adopt": ("Adopts cloud accounting",),
        "retire": ("Retires desktop accounting package",),
    },
    "low_code": {
        "role": ("Power Platform Developer", "Business Applications Analyst"),
        "headline": ("Apps built by our own staff", "Replacing paper forms with apps"),
        "announce": ("launches citizen developer program", "automates approvals"),
        "question": ("Low-code tool for inspection forms", "Automating invoice approvals"),
        "page": ("Digital services",),
        "adopt": ("Adopts a low-code platform",),
        "retire": ("Retires paper forms",),
    },
    "devices": {
        "role": ("Endpoint Engineer", "Desktop Support Technician"),
        "headline": ("Refreshing our laptop fleet", "Tablets for our field staff"),
        "announce": ("equips staff with new laptops", "rolls out devices to field teams"),
        "question": ("Best business laptops this year", "Windows 7 machines still in use"),
        "page": ("Our equipment",),
        "adopt": ("Adopts 2-in-1 devices",),
        "retire": ("Retires Windows 7 desktops",),
    },
    "security": {
        "role": ("Security Analyst", "IT Security Manager"),
        "headline": ("What a phishing attack taught us", "Multi-factor sign-in for everyone"),
        "announce": ("strengthens cyber security", "achieves security certification"),
        "question": ("Endpoint protection for fifty seats", "Ransomware readiness checklist"),
        "page": ("Security and privacy",),
        "adopt": ("Adopts multi-factor authentication",),
        "retire": ("Retires legacy antivirus",),
    },
    "analytics": {
        "role": ("Data Analyst", "BI Developer"),
        "headline": ("Dashboards for every manager", "Making sense of our data"),
        "announce": ("invests in data and analytics", "hires first head of data"),
        "question": ("Power BI or Tableau for small teams", "Building a simple data warehouse"),
        "page": ("Insights and reports",),
        "adopt": ("Adopts a BI platform",),
        "retire": ("Retires legacy reporting server",),
    },
}

# Phrases for signal types that carry no topic.
_UNTOPICAL: dict[str, tuple[str, ...]] = {
    "funding": (
        "Raises seed funding",
        "Raises Series A funding",
        "Raises Series B funding",
        "Secures growth investment",
    ),
    "merger": (
        "Acquires a regional competitor",
        "Agrees merger with a peer firm",
        "Is acquired by a larger group",
    ),
    "size_change": (
        "Headcount grows this year",
        "Opens a new office",
        "Reduces headcount",
        "Expands into a new region",
    ),
}

# signal type -> (phrase kind, title prefix, URL section, source)
_TYPE_STYLE: dict[str, tuple[str, str, str, str]] = {
    "blog_post": ("headline", "", "blog", "rss"),
    "press_release": ("announce", "", "press", "newswire"),
    "job_posting": ("role", "Hiring: ", "careers", "jobs-feed"),
    "forum_post": ("question", "", "community", "forum-connector"),
    "social_post": ("headline", "Post: ", "updates", "social-connector"),
    "news": ("announce", "", "news", "news-feed"),
    "tech_adoption": ("adopt", "", "technology", "technographics-feed"),
    "tech_retirement": ("retire", "", "technology", "technographics-feed"),
    "web_page": ("page", "", "pages", "sitemap"),
    "funding": ("", "", "press", "firmographics-feed"),
    "merger": ("", "", "press", "firmographics-feed"),
    "size_change": ("", "", "about", "firmographics-feed"),
}
UNTOPICAL_TYPES: tuple[str, ...] = tuple(_UNTOPICAL)
# the types the demo writes documents of (a third-party intent feed's rows are not among them);
# in SIGNAL_TYPES order, which the arrays below follow
GENERATED_TYPES: tuple[str, ...] = tuple(t for t in SIGNAL_TYPES if t in _TYPE_STYLE)

# Type mix of background documents and of documents in a buying cycle (GENERATED_TYPES order)
BACKGROUND_TYPE_WEIGHTS: dict[str, float] = {
    "blog_post": 0.18,
    "press_release": 0.06,
    "job_posting": 0.14,
    "forum_post": 0.05,
    "social_post": 0.2,
    "news": 0.1,
    "funding": 0.01,
    "merger": 0.005,
    "tech_adoption": 0.02,
    "tech_retirement": 0.015,
    "web_page": 0.2,
    "size_change": 0.02,
}
CYCLE_TYPE_WEIGHTS: dict[str, float] = {
    "blog_post": 0.15,
    "press_release": 0.06,
    "job_posting": 0.3,
    "forum_post": 0.15,
    "social_post": 0.12,
    "news": 0.04,
    "funding": 0.0,
    "merger": 0.0,
    "tech_adoption": 0.04,
    "tech_retirement": 0.02,
    "web_page": 0.12,
    "size_change": 0.0,
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _build_vocab() -> tuple[list[str], list[str], list[str], np.ndarray, np.ndarray]:
    """Titles, titles that follow a company name ("<name> completes ..."), URL paths, and per
    (type, topic) slices: ``start`` and ``count`` have shape (types, topics + 1); the last topic
    column is "no topic"."""
    titles: list[str] = []
    named: list[str] = []
    paths: list[str] = []
    n_topics = len(TOPICS)
    start = np.zeros((len(GENERATED_TYPES), n_topics + 1), dtype=np.int64)
    count = np.zeros_like(start)
    for ti, stype in enumerate(GENERATED_TYPES):
        kind, prefix, section, _ = _TYPE_STYLE[stype]
        for ki in range(n_topics + 1):
            if kind == "" and ki == n_topics:
                phrases = _UNTOPICAL[stype]
            elif kind != "" and ki < n_topics:
                phrases = _PHRASES[TOPICS[ki]][kind]
            else:
                continue
            start[ti, ki] = len(titles)
            count[ti, ki] = len(phrases)
            for phrase in phrases:
                titles.append(prefix + phrase if prefix else phrase[:1].upper() + phrase[1:])
                named.append(phrase if kind == "announce" else "")
                paths.append(f"{section}/{_slug(phrase)}")
    return titles, named, paths, start, count


TITLES, NAMED_TITLES, PATHS, VOCAB_START, VOCAB_COUNT = _build_vocab()
SOURCES: tuple[str, ...] = tuple(sorted({style[3] for style in _TYPE_STYLE.values()}))
TYPE_SOURCE: np.ndarray = np.array(
    [SOURCES.index(_TYPE_STYLE[t][3]) for t in GENERATED_TYPES], dtype=np.int64
)
TYPE_HAS_TOPIC: np.ndarray = np.array(
    [_TYPE_STYLE[t][0] != "" for t in GENERATED_TYPES], dtype=bool
)


def type_cdf(weights: dict[str, float]) -> np.ndarray:
    w = np.array([weights[t] for t in GENERATED_TYPES], dtype=np.float64)
    return np.cumsum(w / w.sum())
