"""Topic tagging: keyword rules from the taxonomy, plus sentence embeddings when available.

The taxonomy (``catalog/topics.toml`` by default) lists per topic the products it points at, its
strong and weak keywords and a few prototype sentences. A strong keyword tags a topic; weak ones
need company. With the optional embedding model, a text close to a topic's prototypes is tagged
even without a strong keyword, and a lone weak keyword counts when the meaning agrees.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np

from fitintent.errors import ConfigError

STRONG, WEAK = 1.0, 0.35
TAG_AT = 1.0  # keyword score that tags a topic on its own
EMBED_ALONE = 0.55  # cosine to a prototype that tags a topic without keywords
EMBED_WITH_WEAK = 0.40  # cosine that, with a weak keyword, tags a topic
MAX_TOPICS = 3


@dataclass(frozen=True)
class Topic:
    id: str
    name: str
    products: tuple[str, ...]
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    description: tuple[str, ...]


@dataclass(frozen=True)
class TopicScore:
    topic: str
    strength: float  # 0-1
    keywords: tuple[str, ...] = ()
    similarity: float | None = None


def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    parts = []
    for p in sorted(phrases, key=len, reverse=True):
        rx = re.escape(p.lower()).replace(r"\*", r"[\w-]*").replace(r"\ ", r"[\s-]+")
        parts.append(rx)
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w])")


@dataclass
class Taxonomy:
    topics: list[Topic]
    _rules: list[tuple[re.Pattern[str] | None, re.Pattern[str] | None]] = field(
        default_factory=list, repr=False
    )

    def __post_init__(self) -> None:
        self._rules = [(_pattern(t.strong), _pattern(t.weak)) for t in self.topics]

    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.topics]

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """The default taxonomy, or a TOML file with the same shape."""
        try:
            if path is None:
                text = resources.files("fitintent.catalog").joinpath("topics.toml").read_text()
            else:
                text = Path(path).read_text(encoding="utf-8")
            raw = tomllib.loads(text)
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(f"{path or 'topics.toml'}: cannot read the taxonomy: {e}") from None
        topics = []
        for i, t in enumerate(raw.get("topics", [])):
            if not isinstance(t, dict) or "id" not in t:
                raise ConfigError(f"{path or 'topics.toml'}: topic {i + 1} has no id")
            topics.append(
                Topic(
                    id=str(t["id"]),
                    name=str(t.get("name", t["id"])),
                    products=tuple(t.get("products", [])),
                    strong=tuple(t.get("strong", [])),
                    weak=tuple(t.get("weak", [])),
                    description=tuple(t.get("description", [])),
                )
            )
        if len({t.id for t in topics}) != len(topics):
            raise ConfigError(f"{path or 'topics.toml'}: topic ids must be unique")
        return cls(topics)

    def keyword_scores(self, text: str) -> list[tuple[float, tuple[str, ...]]]:
        low = text.lower()
        out = []
        for strong, weak in self._rules:
            hits_strong = set(strong.findall(low)) if strong else set()
            hits_weak = set(weak.findall(low)) - hits_strong if weak else set()
            score = STRONG * len(hits_strong) + WEAK * len(hits_weak)
            out.append((score, tuple(sorted(hits_strong | hits_weak))))
        return out


class Embedder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length sentence vectors, one row per text."""
        ...


class TopicTagger:
    """Tags texts with topics of a taxonomy.

    >>> tagger = TopicTagger(Taxonomy.load())
    >>> [s.topic for s in tagger.tag("We moved our file servers to Azure and retired the SAN.")]
    ['cloud_migration', 'data_centre']
    """

    def __init__(self, taxonomy: Taxonomy, embedder: Embedder | None = None) -> None:
        self.taxonomy = taxonomy
        self.embedder = embedder
        self._prototypes: np.ndarray | None = None
        if embedder is not None:
            rows = [embedder.encode(list(t.description) or [t.name]) for t in taxonomy.topics]
            self._prototypes = np.stack(
                [r.mean(axis=0) / np.linalg.norm(r.mean(axis=0)) for r in rows]
            )

    def tag(self, text: str) -> list[TopicScore]:
        return self.tag_many([text])[0]

    def tag_many(self, texts: list[str]) -> list[list[TopicScore]]:
        sims = None
        if self.embedder is not None and self._prototypes is not None and texts:
            sims = self.embedder.encode(texts) @ self._prototypes.T
        out = []
        for i, text in enumerate(texts):
            scores = self.taxonomy.keyword_scores(text)
            found = []
            for j, (topic, (score, hits)) in enumerate(
                zip(self.taxonomy.topics, scores, strict=True)
            ):
                sim = float(sims[i, j]) if sims is not None else None
                if _tagged(score, sim):
                    found.append(TopicScore(topic.id, _strength(score, sim), hits, sim))
            found.sort(key=lambda s: s.strength, reverse=True)
            out.append(found[:MAX_TOPICS])
        return out


def _tagged(score: float, sim: float | None) -> bool:
    if score >= TAG_AT:
        return True
    if sim is None:
        return False
    return sim >= EMBED_ALONE or (score > 0 and sim >= EMBED_WITH_WEAK)


def _strength(score: float, sim: float | None) -> float:
    """More and stronger evidence -> closer to 1; one strong keyword gives about 0.6."""
    s = 1.0 - math.exp(-0.9 * score)
    if sim is not None:
        s = max(s, min(1.0, max(0.0, (sim - 0.2) / 0.6)))
    return round(s, 3)
