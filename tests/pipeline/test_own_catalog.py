"""A vendor with another product line, other licence programs and its own firmographic columns
runs the pipeline with configuration only."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from fitintent.config import load_config
from fitintent.period import Period
from fitintent.pipeline import run

CONFIG = """
[paths]
workdir = "."
sources = "in"

[fiscal]
start_month = 1

[sources]
license_programs = ["Subscription", "Perpetual"]
open_programs = ["Perpetual"]

[[products]]
id = "Backup"
name = "Cloud backup"
family = "storage"
compute = true

[[products]]
id = "Phones"
name = "Desk phones"
family = "devices"

[[extra_firmographics]]
name = "it_budget"
type = "double"
min = 0

[[extra_firmographics]]
name = "founded_year"
type = "long"
min = 1800
max = 2026

[[extra_firmographics]]
name = "region_tier"
type = "string"
"""

SOURCES = {
    "partners.csv": "partner_id,partner_name\nR1,Reseller One\n",
    "locations.csv": "location_id,partner_id,location_name,country\nR1-A,R1,HQ,DE\n",
    "accounts.tsv": (
        "account_id\taccount_name\temployees\tcountry\tpartner_id\tlocation_id\tit_budget\t"
        "founded_year\tregion_tier\n"
        "K1\tKappa\t500\tDE\tR1\tR1-A\t250000\t1999\tgold\n"
        "K2\tLambda\t40\tDE\tR1\tR1-A\t12000\t2015\tsilver\n"
        "K3\tMu\t12\tDE\tR1\t\t\t1750\tbronze\n"
    ),
    "transactions.csv": (
        "account_id,month,product,sku,quantity,revenue\n"
        "K1,2026-08-01,Backup,TB,10,4000\nK2,2026-09-01,Phones,Desk,5,900\n"
        "K2,2026-09-01,M365,E3,5,100\n"
    ),
    "agreements.csv": (
        "agreement_id,account_id,license_program,end_date,expiring_revenue\n"
        "G1,K1,Perpetual,2026-12-31,1000\nG2,K2,Subscription,2026-03-01,500\n"
        "G3,K2,EA,2026-05-01,700\n"
    ),
}


def test_another_catalog_runs_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    for name, text in SOURCES.items():
        (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    (tmp_path / "fitintent.toml").write_text(CONFIG, encoding="utf-8")
    cfg = load_config(tmp_path / "fitintent.toml")

    snap = run(cfg, Period.parse("2026-10")).snapshot

    m = snap.manifest
    assert m["fiscal_year"]["label"] == "FY2026"  # calendar fiscal year
    assert m["sources"]["accounts"]["quarantined"] == 1  # founded 1750
    assert m["sources"]["transactions"]["quarantined"] == 1  # M365 is not in this catalog
    assert m["sources"]["agreements"]["quarantined"] == 1  # EA is not a programme here
    accounts = {a["account_id"]: a for a in pq.read_table(snap.path / "accounts").to_pylist()}
    assert set(accounts) == {"K1", "K2"}
    assert accounts["K1"]["it_budget"] == 250_000.0 and accounts["K2"]["founded_year"] == 2015
    assert accounts["K1"]["region_tier"] == "gold"
    assert accounts["K1"]["compute_spend_12m"] == 4000.0  # Backup counts as compute
    assert accounts["K2"]["compute_spend_12m"] == 0.0  # Phones does not
    (summary,) = pq.read_table(snap.path / "summary_partner").to_pylist()
    # FY2026 = calendar 2026: G1 (Perpetual, open) and G2 (Subscription) expire in it
    assert summary["smc_customers"] == 2 and summary["expiring_agreements"] == 2
    assert summary["expiring_revenue"] == 1500.0 and summary["open_expiring_revenue"] == 1000.0
