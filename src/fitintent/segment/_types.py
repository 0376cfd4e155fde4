"""SMB types, SMCTypeSummary, Segment and SubSegment per account (SPEC section 2).

Every threshold comes from ``cfg.segments``; the defaults are the SPEC's.

Compute potential (``compute_potential_3y``, USD over ``potential_years`` years, rounded to cents):

* prospect (no compute spend in the window): an expected spend, the model's annual spend x years
  x the share of accounts of its size type that are compute customers (most prospects never buy
  compute; counting each as a typical customer would make nearly every firm "compute based");
* existing compute customer: the larger of the model's annual spend x years and its own
  run-rate grown at its observed yearly growth
  ``g = min(spend_12m / spend_prev_12m, model.growth_cap)`` compounded,
  ``spend_12m * (g + g^2 + ... + g^years)``; ``g = 1`` when there was no previous spend (a new
  customer's first year says nothing about growth). The cap keeps a customer that went from
  little to a lot from projecting without bound.

Flags (both can hold for one account):

* ``top_unmanaged_user``: ``employees >= top_user_min_employees`` (300);
* ``top_unmanaged_compute``: ``compute_potential_3y > compute_potential_min`` (strictly above
  10,000).

``smb_type`` is the size type: ``top_unmanaged_user`` (>= 300), ``medium`` (25 to 299),
``small`` (< 25) and, when ``very_small_max_employees`` is set, ``very_small``
(``employees <= very_small_max_employees``; "small" is then the rest below medium).

``smb_type_summary`` (SMCTypeSummary) is the first entry of ``cfg.segments.precedence`` that applies
to the account: ``top_unmanaged_user`` and ``top_unmanaged_compute`` apply when their flag is set,
``medium`` and ``small`` when the size type is that one (``small`` also covers ``very_small``, and
then the summary keeps ``very_small``). The default precedence is user, compute, medium, small: an
account that is both top-unmanaged types is counted as user based, and a medium or small account
with compute potential above the minimum is counted as compute based.

Labels: ``segment`` is ``"SMB"`` for every account (the program's whole population);
``sub_segment`` follows the summary: ``"Top Unmanaged"`` (user or compute based),
``"Medium Business"``, ``"Small Business"``, ``"Very Small Business"``. ``SMB_TYPE_LABELS`` gives
the display names of the type codes.
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.segment._potential import PotentialModel, size_type

SEGMENT_LABEL = "SMB"
SMB_TYPE_LABELS: dict[str, str] = {
    "top_unmanaged_user": "Top Unmanaged User Based",
    "top_unmanaged_compute": "Top Unmanaged Compute Based",
    "medium": "Medium Business",
    "small": "Small Business",
    "very_small": "Very Small Business",
}
SUB_SEGMENT_LABELS: dict[str, str] = {
    "top_unmanaged_user": "Top Unmanaged",
    "top_unmanaged_compute": "Top Unmanaged",
    "medium": "Medium Business",
    "small": "Small Business",
    "very_small": "Very Small Business",
}
SEGMENT_COLUMNS = (
    "compute_spend_12m",
    "compute_potential_3y",
    "top_unmanaged_user",
    "top_unmanaged_compute",
    "smb_type",
    "smb_type_summary",
    "segment",
    "sub_segment",
)


def smb_types(cfg: Config) -> list[str]:
    """The SMB type codes of this configuration, in precedence-independent size order."""
    types = ["top_unmanaged_user", "top_unmanaged_compute", "medium", "small"]
    return [*types, "very_small"] if cfg.segments.very_small_max_employees is not None else types


def _cents(col: Any) -> Any:
    # round(x, 2) differs between engines on doubles like 1.005 (DuckDB rounds the binary value,
    # Spark its decimal text); rounding x * 100 to an integer agrees on both.
    return F.round(col * F.lit(100.0), 0) / F.lit(100.0)


def _potential(model: PotentialModel, cfg: Config) -> Any:
    years = cfg.segments.potential_years
    spend, prev = F.col("compute_spend_12m"), F.col("compute_spend_prev_12m")
    typical = model.annual_spend(F.col("employees"), F.col("industry")) * F.lit(float(years))
    prospect = typical * model.adoption_share(size_type(cfg))
    growth = F.when(prev > F.lit(0.0), F.least(spend / prev, F.lit(model.growth_cap))).otherwise(
        F.lit(1.0)
    )
    compounded: Any = growth
    for y in range(2, years + 1):
        compounded = compounded + F.pow(growth, F.lit(float(y)))
    own = spend * compounded
    return _cents(F.when(spend > F.lit(0.0), F.greatest(typical, own)).otherwise(prospect))


def _summary(cfg: Config) -> Any:
    size = F.col("smb_type")
    applies = {
        "top_unmanaged_user": F.col("top_unmanaged_user"),
        "top_unmanaged_compute": F.col("top_unmanaged_compute"),
        "medium": size == F.lit("medium"),
        "small": size.isin(["small", "very_small"]),
    }
    result: Any = None
    for t in cfg.segments.precedence:
        value = size if t == "small" else F.lit(t)
        result = F.when(applies[t], value) if result is None else result.when(applies[t], value)
    return result.otherwise(size)


def _label(col: Any, labels: dict[str, str]) -> Any:
    items = list(labels.items())
    out = F.when(col == F.lit(items[0][0]), F.lit(items[0][1]))
    for code, label in items[1:]:
        out = out.when(col == F.lit(code), F.lit(label))
    return out


def segment(accounts: DataFrame, spend: DataFrame, model: PotentialModel, cfg: Config) -> DataFrame:
    """Add the segmentation columns to ``accounts`` (one row per account, all columns kept).

    ``accounts`` needs ``account_id``, ``employees`` (long) and ``industry``; ``spend`` is the
    output of :func:`compute_spend`. Added columns: ``compute_spend_12m`` double (0 without
    compute spend), ``compute_potential_3y`` double, ``top_unmanaged_user`` boolean,
    ``top_unmanaged_compute`` boolean, ``smb_type`` string, ``smb_type_summary`` string,
    ``segment`` string, ``sub_segment`` string.
    """
    s = cfg.segments
    spent = spend.select(
        F.col("account_id").alias("_spend_account_id"),
        F.col("compute_spend_12m").alias("_s12"),
        F.col("compute_spend_prev_12m").alias("_sprev"),
    )
    # Segmentation columns already on the input (a re-run) are replaced, not duplicated.
    kept = [c for c in accounts.columns if c not in {*SEGMENT_COLUMNS, "compute_spend_prev_12m"}]
    joined = accounts.select(*kept).join(
        spent, on=F.col("account_id") == F.col("_spend_account_id"), how="left"
    )
    with_spend = joined.select(
        *kept,
        F.coalesce(F.col("_s12"), F.lit(0.0)).cast("double").alias("compute_spend_12m"),
        F.coalesce(F.col("_sprev"), F.lit(0.0)).cast("double").alias("compute_spend_prev_12m"),
    )
    flagged = with_spend.select(
        *kept,
        "compute_spend_12m",
        _potential(model, cfg).cast("double").alias("compute_potential_3y"),
        F.coalesce(F.col("employees") >= F.lit(s.top_user_min_employees), F.lit(False)).alias(
            "top_unmanaged_user"
        ),
        size_type(cfg).alias("smb_type"),
    )
    typed = flagged.select(
        *kept,
        "compute_spend_12m",
        "compute_potential_3y",
        "top_unmanaged_user",
        F.coalesce(
            F.col("compute_potential_3y") > F.lit(s.compute_potential_min), F.lit(False)
        ).alias("top_unmanaged_compute"),
        "smb_type",
    )
    summarised = typed.select(
        *kept,
        "compute_spend_12m",
        "compute_potential_3y",
        "top_unmanaged_user",
        "top_unmanaged_compute",
        "smb_type",
        _summary(cfg).alias("smb_type_summary"),
    )
    return summarised.select(
        *kept,
        "compute_spend_12m",
        "compute_potential_3y",
        "top_unmanaged_user",
        "top_unmanaged_compute",
        "smb_type",
        "smb_type_summary",
        F.lit(SEGMENT_LABEL).alias("segment"),
        _label(F.col("smb_type_summary"), SUB_SEGMENT_LABELS).alias("sub_segment"),
    )


def segment_card(model: PotentialModel, cfg: Config) -> dict[str, Any]:
    """A JSON-able record of how accounts were segmented: thresholds, precedence, labels and
    the potential model's card."""
    s = cfg.segments
    return {
        "thresholds": {
            "top_user_min_employees": s.top_user_min_employees,
            "medium_min_employees": s.medium_min_employees,
            "very_small_max_employees": s.very_small_max_employees,
            "compute_potential_min": s.compute_potential_min,
            "compute_potential_rule": "compute_potential_3y > compute_potential_min",
        },
        "potential_years": s.potential_years,
        "potential_window_months": s.potential_window_months,
        "precedence": list(s.precedence),
        "precedence_rule": (
            "smb_type_summary is the first type in precedence that applies; 'small' stands for "
            "small and very_small"
        ),
        "types": smb_types(cfg),
        "segment": SEGMENT_LABEL,
        "sub_segment_labels": {t: SUB_SEGMENT_LABELS[t] for t in smb_types(cfg)},
        "type_labels": {t: SMB_TYPE_LABELS[t] for t in smb_types(cfg)},
        "potential_model": model.card(),
    }
