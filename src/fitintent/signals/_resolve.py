"""Resolving signals to accounts: by registrable domain (public-suffix aware, offline) and, for
sources without a domain, by company name and location with a confidence.

A signal that matches no account, or several equally well, is kept with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

# Reserved names (RFC 2606, RFC 6761) act as public suffixes, so "shop.example" is registrable.
_RESERVED_SUFFIXES = ("example", "test", "invalid", "localhost")
_LEGAL = {
    "ab",
    "ag",
    "as",
    "bv",
    "co",
    "company",
    "corp",
    "corporation",
    "gmbh",
    "group",
    "inc",
    "incorporated",
    "kg",
    "limited",
    "llc",
    "llp",
    "lp",
    "ltd",
    "nv",
    "oy",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "spa",
    "srl",
    "the",
    "ug",
    "and",
}
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=1)
def _extractor() -> object:
    import tldextract

    # the snapshot bundled with the package: no download, no cache folder
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, extra_suffixes=_RESERVED_SUFFIXES
    )


@lru_cache(maxsize=200_000)
def registrable_domain(host_or_url: str) -> str | None:
    """``blog.fabrikam.co.uk`` -> ``fabrikam.co.uk``; a URL's host is taken; None for an IP
    address or a name without a registrable part."""
    text = host_or_url.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.split("/", 1)[0].split(":", 1)[0].rstrip(".")
    if not text or text.replace(".", "").isdigit():
        return None
    parts = _extractor()(text)  # type: ignore[operator]
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}"


def normalize_name(name: str) -> str:
    """Company name without accents, punctuation and legal forms: 'Fabrikam, Ltd.' -> 'fabrikam'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in _WORD.findall(text.replace("&", " and ")) if w not in _LEGAL]
    return " ".join(words)


@dataclass(frozen=True)
class Match:
    account_id: str | None
    method: str  # "domain", "name+city", "name+country", "name", "fuzzy" or "none"
    confidence: float
    reason: str = ""


@dataclass(frozen=True)
class AccountRef:
    account_id: str
    name: str
    domain: str | None = None
    city: str | None = None
    country: str | None = None


class AccountIndex:
    """Accounts by registrable domain and by normalised name, for resolving one signal at a time.

    >>> idx = AccountIndex([AccountRef("A1", "Fabrikam Ltd", "fabrikam.example", "Lyon", "FR")])
    >>> idx.resolve(domain="news.fabrikam.example").account_id
    'A1'
    >>> idx.resolve(name="FABRIKAM", country="FR").method
    'name+country'
    """

    def __init__(self, accounts: Iterable[AccountRef]) -> None:
        self.by_domain: dict[str, str] = {}
        self.by_name: dict[str, list[AccountRef]] = defaultdict(list)
        self.by_token: dict[str, set[str]] = defaultdict(set)
        for a in accounts:
            if a.domain:
                reg = registrable_domain(a.domain) or a.domain.lower()
                self.by_domain.setdefault(reg, a.account_id)
            key = normalize_name(a.name)
            if key:
                self.by_name[key].append(a)
                for token in set(key.split()):
                    self.by_token[token].add(key)

    def resolve(
        self,
        *,
        domain: str | None = None,
        name: str | None = None,
        city: str | None = None,
        country: str | None = None,
    ) -> Match:
        if domain:
            reg = registrable_domain(domain)
            if reg and reg in self.by_domain:
                return Match(self.by_domain[reg], "domain", 1.0)
            if not name:
                return Match(None, "none", 0.0, f"no account has the domain {reg or domain}")
        if not name:
            return Match(None, "none", 0.0, "no domain and no company name")
        key = normalize_name(name)
        candidates = self.by_name.get(key, [])
        method = "name"
        if not candidates:
            candidates, method = self._fuzzy(key), "fuzzy"
        if not candidates:
            return Match(None, "none", 0.0, f"no account named like {name!r}")
        return _narrow(candidates, method, city, country, name)

    def _fuzzy(self, key: str) -> list[AccountRef]:
        """Names sharing most words (Jaccard above 0.6): 'Acme Foods' ~ 'Acme Fine Foods'."""
        words = set(key.split())
        if not words:
            return []
        pool = set().union(*(self.by_token.get(w, set()) for w in words))
        best: list[AccountRef] = []
        best_score = 0.6
        for other in pool:
            other_words = set(other.split())
            score = len(words & other_words) / len(words | other_words)
            if score > best_score:
                best, best_score = list(self.by_name[other]), score
            elif score == best_score:
                best += self.by_name[other]
        return best


_CONFIDENCE = {"name": (0.95, 0.85, 0.7), "fuzzy": (0.75, 0.65, 0.5)}


def _narrow(
    candidates: list[AccountRef], method: str, city: str | None, country: str | None, name: str
) -> Match:
    hi, mid, lo = _CONFIDENCE[method]
    if country:
        same = [a for a in candidates if (a.country or "").upper() == country.upper()]
        if city and same:
            here = [a for a in same if (a.city or "").lower() == city.lower()]
            if len(here) == 1:
                return Match(here[0].account_id, f"{method}+city", hi)
        if len(same) == 1:
            return Match(same[0].account_id, f"{method}+country", mid)
        candidates = same or candidates
    if len(candidates) == 1:
        return Match(candidates[0].account_id, method, lo)
    return Match(None, "none", 0.0, f"{len(candidates)} accounts match the name {name!r}")
