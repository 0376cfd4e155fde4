"""A published 1M-account snapshot for the serving benchmark, written straight with numpy and
pyarrow in the schema the pipeline publishes (accounts, scores, account_product_plays,
account_flags, renewals, eos, summary_partner, summary_location).

Used when the bench world has no published snapshot of its own (running the whole pipeline on
1M accounts takes most of an hour). Partner ``P0000`` holds exactly ``big_partner`` accounts, so
that one download has a known size; the rest are spread over ``partners`` partners with four
locations each. Reused while ``serve-world.json`` matches the arguments.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.config import Config
from fitintent.publish import Snapshot, SnapshotWriter, list_snapshots

PRODUCTS = ["M365", "O365", "Surface", "D365BC", "D365FO", "D365CE", "PowerApps", "Azure"]
INDUSTRIES = np.array(
    [
        "Manufacturing",
        "Retail",
        "Finance",
        "Healthcare",
        "Technology",
        "Construction",
        "Education",
        "Professional Services",
    ]
)
COUNTRIES = np.array(["US", "GB", "FR", "DE", "BR", "IN", "JP", "AU"])
BANDS = np.array(["Very low", "Low", "Medium", "High"])
CELLS = {("High", i): c for i, c in zip(BANDS[::-1], ["A1", "A2", "A3", "A4"], strict=True)}
CELLS |= {("Medium", i): c for i, c in zip(BANDS[::-1], ["E5", "E6", "E7", "E8"], strict=True)}
CELLS |= {("Low", i): "N9" for i in BANDS} | {("Very low", i): "ET10" for i in BANDS}
CLUSTER = {"A": "Act Now", "E": "Evaluate", "N": "Nurture", "ET": "Educate"}


def _band(x: np.ndarray) -> np.ndarray:
    return BANDS[np.searchsorted([30.0, 55.0, 75.0], x, side="right")]


def _s(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(object), pa.string())


def _write(writer: SnapshotWriter, name: str, table: pa.Table) -> None:
    folder = writer.table_path(name)
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "part-0.parquet", row_group_size=256_000)


def ensure(root: Path, accounts: int, partners: int, big_partner: int, seed: int = 7) -> Snapshot:
    key = {"accounts": accounts, "partners": partners, "big_partner": big_partner, "seed": seed}
    record = root / "serve-world.json"
    snaps = list_snapshots(root / "snapshots")
    if snaps and record.is_file() and json.loads(record.read_text()) == key:
        return snaps[-1]
    rng = np.random.default_rng(seed)
    n = accounts
    ids = np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 7))
    pidx = np.where(np.arange(n) < big_partner, 0, 1 + rng.integers(0, partners, n))
    pid = np.char.add("P", np.char.zfill(pidx.astype(str), 4))
    loc = np.char.add(np.char.add(pid, "-L0"), (rng.integers(1, 5, n)).astype(str))
    employees = np.maximum(1, rng.lognormal(3.2, 1.3, n)).astype(np.int64)
    smb = np.where(
        employees >= 300, "top_unmanaged_user", np.where(employees >= 25, "medium", "small")
    )
    accounts_t = pa.table(
        {
            "account_id": _s(ids),
            "duns": _s(rng.integers(100_000_000, 999_999_999, n).astype(str)),
            "account_name": _s(np.char.add("Account ", ids)),
            "domain": _s(np.char.add(np.char.lower(ids), ".example")),
            "employees": employees,
            "industry": _s(INDUSTRIES[rng.integers(0, len(INDUSTRIES), n)]),
            "vertical": _s(np.full(n, "General")),
            "area": _s(np.full(n, "Area")),
            "subsidiary": _s(np.full(n, "Subsidiary")),
            "sales_territory": _s(np.full(n, "Territory")),
            "city": _s(np.full(n, "City")),
            "state": _s(np.full(n, "ST")),
            "postal_code": _s(rng.integers(10_000, 99_999, n).astype(str)),
            "country": _s(COUNTRIES[rng.integers(0, len(COUNTRIES), n)]),
            "is_non_profit": rng.random(n) < 0.05,
            "partner_id": _s(pid),
            "location_id": _s(loc),
            "revenue": employees * rng.uniform(50_000, 200_000, n),
            "compute_spend_12m": rng.exponential(2_000, n),
            "compute_potential_3y": rng.exponential(8_000, n),
            "top_unmanaged_user": employees >= 300,
            "top_unmanaged_compute": rng.random(n) < 0.2,
            "smb_type": _s(smb),
            "smb_type_summary": _s(smb),
            "segment": _s(np.full(n, "SMB")),
            "sub_segment": _s(smb),
        }
    )
    m = len(PRODUCTS)
    fit, intent = rng.uniform(0, 100, n * m).round(2), rng.uniform(0, 100, n * m).round(2)
    fb, ib = _band(fit), _band(intent)
    keys = np.char.add(np.char.add(fb, "|"), ib)
    table = {f"{f}|{i}": c for (f, i), c in CELLS.items()}
    cell = np.vectorize(table.__getitem__, otypes=[object])(keys)
    cluster = np.vectorize(lambda c: CLUSTER[c.rstrip("0123456789")], otypes=[object])(cell)
    order = {"Act Now": 1, "Evaluate": 2, "Nurture": 3, "Educate": 4}
    acc_rep = np.repeat(ids, m)
    prod = np.tile(np.array(PRODUCTS), n)
    explained = rng.random(n * m) < 0.05
    reasons = np.where(
        explained, "450 employees; runs Windows Server 2012 past end of support", None
    )
    scores = pa.table(
        {
            "account_id": _s(acc_rep),
            "product": _s(prod),
            "fit": fit,
            "intent": intent,
            "surge": rng.uniform(0, 100, n * m).round(1),
            "propensity": rng.uniform(0, 1, n * m),
            "fit_model": _s(np.full(n * m, "bench")),
            "intent_model": _s(np.full(n * m, "bench")),
            "fit_reasons": pa.array(reasons, pa.string()),
            "intent_reasons": pa.array(reasons, pa.string()),
            "intent_evidence": pa.nulls(n * m, pa.string()),
            "fit_band": _s(fb),
            "intent_band": _s(ib),
            "cell": pa.array(cell, pa.string()),
            "cluster": pa.array(cluster, pa.string()),
            "cluster_order": np.vectorize(order.__getitem__)(cluster).astype(np.int64),
            "entered_act_now": np.zeros(n * m, bool),
            "left_act_now": np.zeros(n * m, bool),
        }
    )
    owned = rng.random(n * m) < 0.3
    plays = pa.table(
        {
            "account_id": _s(acc_rep),
            "product": _s(prod),
            "owned": owned,
            "whitespace": ~owned,
            "whitespace_kind": pa.array(np.where(owned, None, "customer"), pa.string()),
            "spend_12m": np.where(owned, rng.exponential(3_000, n * m), 0.0),
            "whitespace_revenue": np.where(owned, np.nan, rng.exponential(5_000, n * m)),
            "upsell": owned & (rng.random(n * m) < 0.2),
            "upsell_propensity": rng.uniform(0, 100, n * m),
        }
    )
    flags = pa.table(
        {
            "account_id": _s(ids),
            **{
                f: rng.random(n) < 0.15
                for f in (
                    "HasGoogle",
                    "HasAWS",
                    "HasEA",
                    "HasOpen",
                    "M365UpsellCustomer",
                    "AzureUpsellCustomer",
                    "EOSWindowsServer",
                )
            },
            "EOSWindowsServerLicences": rng.integers(0, 20, n),
        }
    )
    agr = rng.random(n) < 0.3
    k = int(agr.sum())
    end = np.datetime64("2026-11-01") + rng.integers(0, 365, k).astype("timedelta64[D]")
    renewals = pa.table(
        {
            "agreement_id": _s(np.char.add("AG", np.arange(k).astype(str))),
            "account_id": _s(ids[agr]),
            "license_program": _s(np.array(["EA", "Open", "CSP"])[rng.integers(0, 3, k)]),
            "end_date": pa.array(end, pa.date32()),
            "expiring_revenue": rng.exponential(10_000, k),
            "product_division": _s(np.full(k, "Productivity")),
            "renew_likelihood": rng.uniform(0, 100, k),
        }
    )
    eos_rows = rng.random(n) < 0.2
    e = int(eos_rows.sum())
    eos = pa.table(
        {
            "account_id": _s(ids[eos_rows]),
            "technology": _s(np.full(e, "Windows Server")),
            "version": _s(np.full(e, "2012 R2")),
            "licence_count": rng.integers(1, 50, e),
            "eos": np.ones(e, bool),
            "with_propensity": rng.random(e) < 0.3,
        }
    )
    writer = SnapshotWriter(root / "snapshots", "2026-10")
    for name, t in (
        ("accounts", accounts_t),
        ("scores", scores),
        ("account_product_plays", plays),
        ("account_flags", flags),
        ("renewals", renewals),
        ("eos", eos),
    ):
        _write(writer, name, t)
    for name, keys_ in (
        ("summary_partner", ["partner_id"]),
        ("summary_location", ["partner_id", "location_id"]),
    ):
        df = accounts_t.select([*keys_, "smb_type_summary"]).to_pandas()
        g = df.groupby(keys_).agg(smc_customers=("smb_type_summary", "size")).reset_index()
        for t in ("top_unmanaged_user", "medium", "small"):
            g[t] = df.assign(x=df.smb_type_summary == t).groupby(keys_)["x"].sum().values
        g.insert(1, "partner_name", "Partner " + g["partner_id"])
        g["expiring_agreements"] = (g["smc_customers"] * 0.3).round().astype("int64")
        g["expiring_revenue"] = g["expiring_agreements"] * 10_000.0
        g["open_expiring_revenue"] = g["expiring_revenue"] * 0.3
        _write(writer, name, pa.Table.from_pandas(g, preserve_index=False))
    fy = {"label": "FY2027", "start": "2026-07-01", "end": "2027-06-30"}
    snap = writer.publish({"engine": "bench", "fiscal_year": fy, "sources": {}})
    record.write_text(json.dumps(key))
    return snap


def config(root: Path) -> Config:
    return Config.model_validate({"paths": {"workdir": str(root)}})
