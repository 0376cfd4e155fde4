"""Reasons in plain words, from contributions and feature values."""

from __future__ import annotations

import json

import numpy as np

from fitintent.config import Config
from fitintent.features import Feature
from fitintent.models import evidence, phrase, reasons

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
    ]
    contrib = np.array([[0.5, -0.2, 0.1, 0.9, -1.0], [-0.3, 0.4, -0.1, 0.2, -1.0]])
    got = reasons(contrib, names, rows, catalog, CFG, count=2)
    assert got[0] == "Cloud compute topics surging (surge 80); 450 employees"
    assert got[1] is None  # the only positive factors cannot be worded (no value, no surge)


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
