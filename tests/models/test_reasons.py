"""Reasons in plain words, from contributions and feature values."""

from __future__ import annotations

import json

import lightgbm as lgb
import numpy as np
import pyarrow as pa

from fitintent.config import Config
from fitintent.features import Feature
from fitintent.models import (
    Columns,
    EvidenceWriter,
    PathTable,
    evidence,
    phrase,
    quiet_topics,
    reasons,
    words_of,
)

CFG = Config()
EMPLOYEES = Feature("employees", "firmographic", "numeric", "{v:,.0f} employees")
INDUSTRY = Feature("industry", "firmographic", "categorical", "industry {v}")
GOOGLE = Feature("tech_google", "install_base", "flag", "runs Google", off="does not run Google")
EOS = Feature(
    "eos_windows_server",
    "install_base",
    "flag",
    "runs {eos} past end of support",
    subject="Windows Server",
)
SURGE = Feature(
    "sig_Azure_surge",
    "signal",
    "numeric",
    "topic {topic} surging (surge {v:,.0f})",
    product="Azure",
    subject="cloud migration, security",
    intent=True,
)
ONLINE = Feature(  # worded by its value alone: one signal, not "1 signals"
    "sig_all_recent", "signal", "numeric", "{v:,.0f} online signals in the last 30 days"
)
RECENT = Feature(
    "sig_Azure_recent",
    "signal",
    "numeric",
    "{v:,.0f} recent signals on {topic}",
    product="Azure",
    subject="cloud migration, security",
    intent=True,
)


def test_phrases() -> None:
    row = {
        "employees": 450,
        "industry": "Manufacturing",
        "tech_google": 0,
        "eos_windows_server": 1,
        "eos_products": "SQL Server 2012, Windows Server 2012 R2",
        "sig_Azure_surge": 78.4,
        "sig_Azure_recent": 1,
        "topic_cloud_migration_recent": 3,
        "topic_security_recent": 1,
    }
    assert phrase(EMPLOYEES, row, CFG) == "450 employees"
    assert phrase(INDUSTRY, row, CFG) == "industry Manufacturing"
    assert phrase(GOOGLE, row, CFG) == "does not run Google"
    assert phrase(EOS, row, CFG) == "runs Windows Server 2012 R2 past end of support"
    assert phrase(SURGE, row, CFG) == "topic cloud migration surging (surge 78)"
    assert phrase(RECENT, row, CFG) == "1 recent signal on cloud migration"
    assert phrase(SURGE, {**row, "sig_Azure_surge": 52.0}, CFG) is None  # not a surge
    assert phrase(EMPLOYEES, {"employees": None}, CFG) is None


def test_reasons_take_the_strongest_positive_factors() -> None:
    catalog = {f.name: f for f in (EMPLOYEES, INDUSTRY, GOOGLE, SURGE)}
    names = ["employees", "industry", "tech_google", "sig_Azure_surge"]
    rows = [
        {"employees": 450, "industry": "Retail", "tech_google": 1, "sig_Azure_surge": 80.0},
        {"employees": 12, "industry": None, "tech_google": 0, "sig_Azure_surge": 40.0},
        {"employees": None, "industry": None, "tech_google": 1, "sig_Azure_surge": 40.0},
    ]
    contrib = np.array(
        [[0.5, -0.2, 0.1, 0.9, -1.0], [-0.3, 0.4, -0.1, 0.2, -1.0], [0.3, 0.2, 0.0, 0.1, -1.0]]
    )
    got = reasons(contrib, names, pa.Table.from_pylist(rows), catalog, CFG, count=2)
    assert got[0] == "Cloud compute topics surging (surge 80); 450 employees"
    # the only positive factors cannot be worded (no value, no surge): what held it back
    assert got[1] == "held back by: 12 employees; does not run Google"
    assert got[2] is None  # nothing to word either way


def _random_rows(n: int, seed: int) -> pa.Table:
    rng = np.random.default_rng(seed)
    return pa.table(
        {
            "employees": pa.array(rng.choice([None, 1, 12, 450], n).tolist(), pa.float64()),
            "industry": pa.array(rng.choice([None, "Retail", "Manufacturing"], n).tolist()),
            "tech_google": pa.array(rng.choice([None, 0, 1], n).tolist(), pa.int64()),
            "eos_windows_server": rng.integers(0, 2, n),
            "eos_products": rng.choice(["", "Windows Server 2012", "SQL Server 2012"], n),
            "sig_Azure_surge": rng.choice([40.0, 61.2, 80.0], n),
            "sig_Azure_recent": rng.integers(0, 3, n).astype(float),
            "sig_all_recent": pa.array(rng.choice([None, 0, 1, 2, 17], n).tolist(), pa.int64()),
            "topic_cloud_migration_recent": rng.integers(0, 3, n),
            "topic_security_recent": rng.integers(0, 3, n),
        }
    )


def test_words_for_many_rows_are_the_words_of_each_row() -> None:
    cfg = CFG
    table = _random_rows(400, 3)
    cols = Columns(table)
    rows = np.arange(0, 400, 3)
    dicts = table.to_pylist()
    for f in (EMPLOYEES, INDUSTRY, GOOGLE, EOS, SURGE, RECENT, ONLINE):
        got = words_of(f, cols, rows, cfg).tolist()
        assert got == [phrase(f, dicts[i], cfg) for i in rows.tolist()], f.name


def test_quiet_topics_names_the_products_topics() -> None:
    cfg = CFG
    azure = next(p for p in cfg.products if p.id == "Azure")
    table = pa.table({"sig_Azure_recent": [0.0, 2.0, None]})
    got = quiet_topics(azure, Columns(table), np.arange(3), cfg)
    assert got[0] is not None and got[0].startswith("no signals on cloud migration")
    assert got[0].endswith(f"in the last {cfg.signals.recent_days} days")
    assert got[1] is None and got[2] == got[0]


def test_path_contributions_add_up_to_the_score_and_agree_with_shapley() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3000, 8))
    x[:, 2] = rng.integers(0, 4, 3000)
    x[rng.random(x.shape) < 0.05] = np.nan
    y = x[:, 0] + 2 * x[:, 1] - np.nan_to_num(x[:, 3]) + rng.normal(size=3000) > 0.5
    params = {"objective": "binary", "num_leaves": 7, "verbosity": -1, "num_threads": 1}
    booster = lgb.train(
        params, lgb.Dataset(x, y.astype(float), categorical_feature=[2]), num_boost_round=40
    )
    table = PathTable.of(booster)
    contrib = table.contributions(booster, x)
    assert contrib.shape == (3000, 9)
    raw = booster.predict(x, raw_score=True)
    np.testing.assert_allclose(contrib.sum(axis=1), raw, atol=1e-9)
    shap = booster.predict(x, pred_contrib=True)
    np.testing.assert_allclose(contrib[:, -1], contrib[0, -1])  # one bias for every row
    # both attribute the score to the same strongest factor on almost every row
    top = np.argmax(np.abs(contrib[:, :-1]), axis=1) == np.argmax(np.abs(shap[:, :-1]), axis=1)
    assert top.mean() > 0.85
    assert PathTable.of(booster).contributions(booster, x[:0]).shape == (0, 9)


def test_evidence_is_a_json_list() -> None:
    row = {
        "ev1_time": "2026-06-20",
        "ev1_type": "job_posting",
        "ev1_source": "jobs-feed",
        "ev1_text": "Hiring a cloud engineer",
        "ev1_url": "https://a.example/careers/1",
        "ev2_type": None,
    }
    items = json.loads(evidence(row, 3) or "[]")
    assert items == [
        {
            "date": "2026-06-20",
            "type": "job posting",
            "source": "jobs-feed",
            "text": "Hiring a cloud engineer",
            "url": "https://a.example/careers/1",
        }
    ]
    assert evidence({}, 3) is None


def test_evidence_writer_writes_what_evidence_writes() -> None:
    """The column-at-a-time JSON is byte for byte the row-at-a-time one, escapes included."""
    texts = [
        'Hiring a "cloud" engineer',
        "back\\slash and tab\there",
        "line one\nline two\r\n",
        "bell \x07 and nul-ish \x01 \x1f",
        "café, 日本, emoji 🚀",
        None,
        "",
    ]
    rng = np.random.default_rng(5)
    n = 300
    cols: dict[str, list[object]] = {
        "account_id": [f"A{i}" for i in range(n)],
        "product": ["M365"] * n,
    }
    for i in (1, 2, 3):
        cols[f"ev{i}_time"] = rng.choice(["2026-06-20", "2026-07-01"], n).tolist()
        cols[f"ev{i}_type"] = rng.choice(["job_posting", "tech_adoption", None], n).tolist()
        cols[f"ev{i}_source"] = rng.choice(["crawler", 'odd "feed"', None], n).tolist()
        cols[f"ev{i}_text"] = [texts[k] for k in rng.integers(0, len(texts), n)]
        cols[f"ev{i}_url"] = rng.choice(["https://a.example/x?q=1&r=2", None], n).tolist()
    batch = pa.RecordBatch.from_pydict({k: pa.array(v, pa.string()) for k, v in cols.items()})
    (out,) = list(EvidenceWriter(3)(iter([batch])))
    got = out.column("intent_evidence").to_pylist()
    want = [evidence(r, 3) for r in batch.to_pylist()]
    assert got == want
    assert any(w is None for w in want) and any(w and "\\u0007" in w for w in want)
