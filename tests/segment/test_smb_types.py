"""SMB types, flags, SMCTypeSummary and labels at every threshold edge (SPEC section 2)."""

from __future__ import annotations

import json
import math
from typing import Any

import pyarrow as pa
import pytest

from fitintent.config import Config, Segments
from fitintent.engine import Engine
from fitintent.segment import PotentialModel, segment, segment_card

# Every prospect's model estimate is 1,000 a year (slope 0), except two industries placed on
# either side of the 10,000 three-year threshold.
MODEL = PotentialModel(
    method="log_linear_ols",
    intercept=math.log(1000.0),
    slope=0.0,
    industry_offsets={"AtLimit": math.log(10.0 / 3.0), "JustAbove": math.log(10_000.01 / 3000.0)},
)

# id, employees, industry, compute_spend_12m, compute_spend_prev_12m (None: no compute spend)
ACCOUNTS: list[tuple[str, int, str | None, float | None, float | None]] = [
    ("e0", 0, None, None, None),
    ("e9", 9, None, None, None),
    ("e10", 10, None, None, None),
    ("e24", 24, None, None, None),
    ("e25", 25, None, None, None),
    ("e299", 299, None, None, None),
    ("e300", 300, "Retail", None, None),
    ("at_limit", 50, "AtLimit", None, None),  # 3 x 10,000 / 3 = 10,000.00: not above
    ("just_above", 50, "JustAbove", None, None),  # 3 x 10,000.01 / 3 = 10,000.01: above
    ("grow", 50, None, 3000.0, 1500.0),  # g = 2: 3,000 x (2 + 4 + 8) = 42,000
    ("capped", 50, None, 3000.0, 100.0),  # g = 30 capped at 2: 42,000
    ("decline", 50, None, 600.0, 1200.0),  # g = 0.5: 600 x 0.875 = 525 < model 3,000
    ("new", 50, None, 2000.0, 0.0),  # no previous spend: g = 1, 3 x 2,000 = 6,000
    ("both", 500, None, 10_000.0, 10_000.0),  # 3 x 10,000 = 30,000 and 500 employees
    ("small_compute", 5, None, 4000.0, 4000.0),  # 12,000: compute based though small
]


def _tables(eng: Engine) -> tuple[Any, Any]:
    accounts = pa.table(
        {
            "account_id": [a[0] for a in ACCOUNTS],
            "employees": pa.array([a[1] for a in ACCOUNTS], pa.int64()),
            "industry": [a[2] for a in ACCOUNTS],
            "country": ["FR"] * len(ACCOUNTS),
            "partner_id": ["P1"] * len(ACCOUNTS),
        }
    )
    spent = [a for a in ACCOUNTS if a[3] is not None]
    spend = pa.table(
        {
            "account_id": [a[0] for a in spent],
            "compute_spend_12m": [a[3] for a in spent],
            "compute_spend_prev_12m": [a[4] for a in spent],
        }
    )
    return eng.from_arrow(accounts, "accounts"), eng.from_arrow(spend, "spend")


def _run(eng: Engine, cfg: Config, model: PotentialModel = MODEL) -> dict[str, dict[str, Any]]:
    accounts, spend = _tables(eng)
    rows = eng.to_arrow(segment(accounts, spend, model, cfg)).to_pylist()
    return {r["account_id"]: r for r in rows}


def test_columns_and_types(engine: Engine) -> None:
    accounts, spend = _tables(engine)
    table = engine.to_arrow(segment(accounts, spend, MODEL, Config()))
    assert table.column_names == [
        "account_id",
        "employees",
        "industry",
        "country",
        "partner_id",
        "compute_spend_12m",
        "compute_potential_3y",
        "top_unmanaged_user",
        "top_unmanaged_compute",
        "smb_type",
        "smb_type_summary",
        "segment",
        "sub_segment",
    ]
    types = {f.name: f.type for f in table.schema}
    assert types["compute_potential_3y"] == pa.float64() == types["compute_spend_12m"]
    assert types["top_unmanaged_user"] == pa.bool_() == types["top_unmanaged_compute"]
    assert table.num_rows == len(ACCOUNTS)


def test_default_thresholds(engine: Engine) -> None:
    out = _run(engine, Config())
    expected = {
        # id: (potential, user, compute, smb_type, summary, sub_segment)
        "e0": (3000.0, False, False, "small", "small", "Small Business"),
        "e9": (3000.0, False, False, "small", "small", "Small Business"),
        "e24": (3000.0, False, False, "small", "small", "Small Business"),
        "e25": (3000.0, False, False, "medium", "medium", "Medium Business"),
        "e299": (3000.0, False, False, "medium", "medium", "Medium Business"),
        "e300": (3000.0, True, False, "top_unmanaged_user", "top_unmanaged_user", "Top Unmanaged"),
        "at_limit": (10_000.0, False, False, "medium", "medium", "Medium Business"),
        "just_above": (10_000.01, False, True, "medium", "top_unmanaged_compute", "Top Unmanaged"),
        "grow": (42_000.0, False, True, "medium", "top_unmanaged_compute", "Top Unmanaged"),
        "capped": (42_000.0, False, True, "medium", "top_unmanaged_compute", "Top Unmanaged"),
        "decline": (3000.0, False, False, "medium", "medium", "Medium Business"),
        "new": (6000.0, False, False, "medium", "medium", "Medium Business"),
        "both": (30_000.0, True, True, "top_unmanaged_user", "top_unmanaged_user", "Top Unmanaged"),
        "small_compute": (12_000.0, False, True, "small", "top_unmanaged_compute", "Top Unmanaged"),
    }
    for account_id, (potential, user, compute, size, summary, sub) in expected.items():
        row = out[account_id]
        got = (
            row["compute_potential_3y"],
            row["top_unmanaged_user"],
            row["top_unmanaged_compute"],
            row["smb_type"],
            row["smb_type_summary"],
            row["sub_segment"],
        )
        assert got == (potential, user, compute, size, summary, sub), account_id
        assert row["segment"] == "SMB"
    assert out["grow"]["compute_spend_12m"] == 3000.0 and out["e0"]["compute_spend_12m"] == 0.0


def test_precedence_decides_the_summary(engine: Engine) -> None:
    compute_first = Config(
        segments=Segments(
            precedence=["top_unmanaged_compute", "top_unmanaged_user", "medium", "small"]
        )
    )
    out = _run(engine, compute_first)
    assert out["both"]["smb_type_summary"] == "top_unmanaged_compute"
    assert out["e300"]["smb_type_summary"] == "top_unmanaged_user"  # user only
    size_first = Config(
        segments=Segments(
            precedence=["medium", "small", "top_unmanaged_user", "top_unmanaged_compute"]
        )
    )
    out = _run(engine, size_first)
    assert out["grow"]["smb_type_summary"] == "medium"
    assert out["small_compute"]["smb_type_summary"] == "small"
    assert out["small_compute"]["sub_segment"] == "Small Business"
    # 500 employees is neither medium nor small, so the user type is the first that applies.
    assert out["both"]["smb_type_summary"] == "top_unmanaged_user"


def test_very_small_split(engine: Engine) -> None:
    out = _run(engine, Config(segments=Segments(very_small_max_employees=9)))
    assert [out[a]["smb_type"] for a in ("e0", "e9", "e10", "e24", "e25")] == [
        "very_small",
        "very_small",
        "small",
        "small",
        "medium",
    ]
    assert out["e9"]["smb_type_summary"] == "very_small"
    assert out["e9"]["sub_segment"] == "Very Small Business"
    assert out["e10"]["sub_segment"] == "Small Business"
    # A very small account with compute potential is compute based by default precedence.
    assert out["small_compute"]["smb_type"] == "very_small"
    assert out["small_compute"]["smb_type_summary"] == "top_unmanaged_compute"


def test_custom_thresholds(engine: Engine) -> None:
    cfg = Config(
        segments=Segments(
            top_user_min_employees=100,
            medium_min_employees=10,
            compute_potential_min=40_000,
            potential_years=2,
        )
    )
    out = _run(engine, cfg)
    assert [out[a]["smb_type"] for a in ("e9", "e10", "e299", "e300")] == [
        "small",
        "medium",
        "top_unmanaged_user",
        "top_unmanaged_user",
    ]
    # Two years now: prospects 2 x 1,000; grow 3,000 x (2 + 4) = 18,000 (below 40,000);
    # both 2 x 10,000 = 20,000; capped as grow.
    assert out["e0"]["compute_potential_3y"] == 2000.0
    assert out["grow"]["compute_potential_3y"] == 18_000.0
    assert out["both"]["compute_potential_3y"] == 20_000.0
    assert not any(r["top_unmanaged_compute"] for r in out.values())
    assert out["grow"]["smb_type_summary"] == "medium"


def test_growth_cap_comes_from_the_model(duck: Engine) -> None:
    capped = PotentialModel(method="log_linear_ols", intercept=0.0, slope=0.0, growth_cap=1.5)
    out = _run(duck, Config(), capped)
    # g = min(2, 1.5): 3,000 x (1.5 + 2.25 + 3.375) = 21,375
    assert out["grow"]["compute_potential_3y"] == 21_375.0
    # e0's prospect estimate: exp(0) = 1 a year, 3 over three years.
    assert out["e0"]["compute_potential_3y"] == 3.0


def test_segment_card(duck: Engine) -> None:
    cfg = Config(segments=Segments(very_small_max_employees=9))
    card = json.loads(json.dumps(segment_card(MODEL, cfg)))
    assert card["precedence"] == ["top_unmanaged_user", "top_unmanaged_compute", "medium", "small"]
    assert card["types"][-1] == "very_small"
    assert card["thresholds"]["compute_potential_min"] == 10_000.0
    assert card["sub_segment_labels"]["very_small"] == "Very Small Business"
    assert card["potential_model"]["method"] == "log_linear_ols"


@pytest.mark.parametrize("employees", [299, 300])
def test_extra_columns_pass_through(duck: Engine, employees: int) -> None:
    accounts = duck.from_arrow(
        pa.table(
            {
                "account_id": ["x"],
                "employees": pa.array([employees], pa.int64()),
                "industry": ["Retail"],
                "it_budget": [1.5],
            }
        )
    )
    spend = duck.from_arrow(
        pa.table(
            {
                "account_id": pa.array([], pa.string()),
                "compute_spend_12m": pa.array([], pa.float64()),
                "compute_spend_prev_12m": pa.array([], pa.float64()),
            }
        )
    )
    row = duck.to_arrow(segment(accounts, spend, MODEL, Config())).to_pylist()[0]
    assert row["it_budget"] == 1.5
    assert row["top_unmanaged_user"] is (employees >= 300)


def test_a_prospect_potential_is_weighted_by_its_size_types_adoption(engine: Engine) -> None:
    import dataclasses

    model = dataclasses.replace(MODEL, adoption={"medium": 0.25, "small": 0.1})
    out = _run(engine, Config(), model)
    assert out["e25"]["compute_potential_3y"] == 750.0  # 3 x 1,000 x 0.25
    assert out["e9"]["compute_potential_3y"] == 300.0  # 3 x 1,000 x 0.1
    assert out["e300"]["compute_potential_3y"] == 3000.0  # no share learned: plain law
    # existing customers are not discounted: max(3 x 1,000, own 525)
    assert out["decline"]["compute_potential_3y"] == 3000.0
    # JustAbove's typical spend is just over the line, but as a prospect it is a quarter of it
    assert out["just_above"]["top_unmanaged_compute"] is False


def test_fit_learns_the_adoption_share_per_size_type(duck: Engine) -> None:
    from fitintent.segment import fit_potential

    accounts = duck.from_arrow(
        pa.table(
            {
                "account_id": ["a", "b", "c", "d", "e"],
                "employees": pa.array([5, 8, 40, 60, 400], pa.int64()),
                "industry": ["X"] * 5,
            }
        )
    )
    spend = duck.from_arrow(
        pa.table(
            {
                "account_id": ["b", "c", "d"],
                "compute_spend_12m": [100.0, 900.0, 0.0],
                "compute_spend_prev_12m": [100.0, 900.0, 50.0],
            }
        )
    )
    model = fit_potential(accounts, spend, Config())
    assert model.adoption == {"small": 0.5, "medium": 0.5, "top_unmanaged_user": 0.0}
    assert json.loads(json.dumps(model.card()))["adoption"]["small"] == 0.5
