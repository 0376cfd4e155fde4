"""The generated world: valid under every contract rule, deterministic, laid out for the
pipeline, with the ground truth kept apart."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow.parquet as pq
from demo_rules import SMALL_ACCOUNTS, SmallWorld, no_structural_characters

from fitintent.config import load_config
from fitintent.demo import SOURCES, generate_world


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_every_contract_rule_holds(small_world: SmallWorld) -> None:
    assert small_world.errors == []


def test_counts_match_files(small_world: SmallWorld) -> None:
    counts = small_world.info.counts
    assert counts["accounts"] == SMALL_ACCOUNTS
    for source in SOURCES:
        assert counts[source] == len(small_world.frames[source]) > 0


def test_csv_values_need_no_quoting(small_world: SmallWorld) -> None:
    for frame in small_world.frames.values():
        assert no_structural_characters(frame)


def test_same_seed_same_bytes_other_seed_other_world(tmp_path: Path) -> None:
    a = generate_world(tmp_path / "a", accounts=1_500, seed=11)
    b = generate_world(tmp_path / "b", accounts=1_500, seed=11)
    c = generate_world(tmp_path / "c", accounts=1_500, seed=12)
    assert _digests(a.sources) == _digests(b.sources)
    assert _digests(a.truth) == _digests(b.truth)
    differ = _digests(a.sources).items() ^ _digests(c.sources).items()
    assert {name for name, _ in differ} >= {f"{s}.csv" for s in SOURCES if s != "partners"}


def test_config_runs_the_pipeline_on_the_world(small_world: SmallWorld) -> None:
    cfg = load_config(small_world.info.config)
    assert cfg.paths.workdir == small_world.root.resolve()
    assert cfg.paths.source_dir == (small_world.root / "sources").resolve()
    assert cfg.product_ids == [
        "M365",
        "O365",
        "Surface",
        "D365BC",
        "D365FO",
        "D365CE",
        "PowerApps",
        "Azure",
    ]
    extras = {c.name: c for c in cfg.extra_firmographics}
    assert {"revenue", "it_budget", "founded_year"} <= set(extras)
    assert extras["founded_year"].type == "long"
    assert (extras["founded_year"].min, extras["founded_year"].max) == (1800, 2026)
    assert extras["revenue"].min == 0 and extras["it_budget"].min == 0
    for source in SOURCES:
        assert (cfg.paths.source_dir / cfg.sources.files[source]).is_file()


def test_ground_truth_is_apart_from_the_sources(small_world: SmallWorld) -> None:
    info = small_world.info
    assert sorted(p.name for p in info.sources.iterdir()) == sorted(f"{s}.csv" for s in SOURCES)
    assert not info.truth.is_relative_to(info.sources)
    truth = {p.name for p in info.truth.iterdir()}
    assert {"propensity.parquet", "factors.parquet"} <= truth
    for path in info.sources.iterdir():
        with path.open(encoding="utf-8") as fh:
            header = set(fh.readline().strip().split(","))
        assert not header & {
            "true_propensity",
            "champion",
            "latent_budget",
            "digital_maturity",
            "hidden_logit",
            "observed_logit",
        }


def test_truth_covers_every_account_product_month(small_world: SmallWorld) -> None:
    table = pq.read_table(small_world.info.truth / "propensity.parquet")
    assert table.column_names == ["account_id", "product", "month", "true_propensity"]
    assert table.num_rows == SMALL_ACCOUNTS * 8 * 28
    frame = table.to_pandas()
    assert frame["month"].nunique() == 28
    assert str(frame["month"].min()) == "2024-07-01" and str(frame["month"].max()) == "2026-10-01"
    assert frame["true_propensity"].between(0, 1).all()
    factors = pq.read_table(small_world.info.truth / "factors.parquet").to_pandas()
    assert len(factors) == SMALL_ACCOUNTS * 8
    assert {"latent_budget", "champion", "digital_maturity"} <= set(factors.columns)


def test_parquet_format(tmp_path: Path) -> None:
    info = generate_world(tmp_path / "w", accounts=500, fmt="parquet")
    assert sorted(p.name for p in info.sources.iterdir()) == sorted(f"{s}.parquet" for s in SOURCES)
    accounts = pq.read_table(info.sources / "accounts.parquet")
    assert accounts.schema.field("employees").type == "int64"
    assert str(accounts.schema.field("is_non_profit").type) == "bool"
    assert (
        str(pq.read_table(info.sources / "opportunities.parquet").schema.field("created_date").type)
        == "date32[day]"
    )
