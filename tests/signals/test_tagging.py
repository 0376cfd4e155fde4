"""Topic tagging measured on a hand-labelled set of company texts (tests/signals/data)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from fitintent.crawl import labelled_scores
from fitintent.signals._embed import load_embedder, model_dir
from fitintent.signals._events import detect_events
from fitintent.signals._topics import Taxonomy, TopicTagger

LABELLED = Path(__file__).parent / "data" / "labelled_texts.jsonl"


def test_labelled_set_is_large_and_uses_the_taxonomy() -> None:
    rows = [json.loads(line) for line in LABELLED.read_text().splitlines()]
    ids = set(Taxonomy.load().ids)
    assert len(rows) >= 200
    assert len({r["text"] for r in rows}) == len(rows)
    assert all(set(r["topics"]) <= ids for r in rows)
    assert {t for r in rows for t in r["topics"]} == ids  # every topic is represented
    assert sum(not r["topics"] for r in rows) >= 30  # and texts about none of them


def test_keyword_tagging_precision_and_recall() -> None:
    scores = labelled_scores(TopicTagger(Taxonomy.load()), LABELLED)
    assert scores is not None
    precision, recall, n = scores
    print(f"keywords: precision {precision:.3f} recall {recall:.3f} on {n} texts")
    assert precision >= 0.90
    assert recall >= 0.60


@pytest.mark.skipif(model_dir() is None, reason="the [embed] extra is not installed")
def test_embeddings_raise_recall() -> None:
    embedder = load_embedder()
    assert embedder is not None
    scores = labelled_scores(TopicTagger(Taxonomy.load(), embedder), LABELLED)
    assert scores is not None
    precision, recall, n = scores
    print(f"keywords + embeddings: precision {precision:.3f} recall {recall:.3f} on {n} texts")
    assert precision >= 0.80
    assert recall >= 0.75


@pytest.mark.skipif(model_dir() is None, reason="the [embed] extra is not installed")
def test_numpy_minilm_matches_the_reference_vectors() -> None:
    embedder = load_embedder()
    assert embedder is not None
    v = embedder.encode(["This is an example sentence", "Each sentence is converted"])
    # the reference implementation's first five components of these two sentences
    ref = np.array(
        [
            [0.06765691, 0.06349594, 0.04871314, 0.07930505, 0.03744803],
            [0.08643861, 0.10276261, 0.00539454, 0.00204438, -0.0099634],
        ]
    )
    assert np.allclose(v[:, :5], ref, atol=1e-5)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def test_taxonomy_maps_topics_to_products_of_the_catalog() -> None:
    from fitintent.config import Config

    products = set(Config().product_ids)
    for topic in Taxonomy.load().topics:
        assert topic.products and set(topic.products) <= products, topic.id


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ("Northwind closes a Series B round led by growth investors", {"funding"}),
        ("Contoso has been acquired by a larger logistics group", {"merger"}),
        ("We are decommissioning our Exchange 2010 servers this spring", {"tech_retirement"}),
        ("The clinic went live with a new patient booking platform", {"tech_adoption"}),
        ("The firm now employs 140 people after opening a second office", {"size_change"}),
        ("We are hiring: Senior Data Analyst to join our team", {"job_posting"}),
        ("Our spring menu features seasonal vegetables", set()),
    ],
)
def test_buying_signal_events(text: str, kinds: set[str]) -> None:
    assert {e.kind for e in detect_events(text)} == kinds
