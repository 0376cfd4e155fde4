"""Topic activity per account: the recent window against the account's own baseline.

The baseline count is scaled to the recent window's length, so ``ratio`` near 1 is normal
activity and 2 means twice the usual volume. Both counts get one added so that a first signal on a
quiet topic does not read as an infinite surge.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fitintent.config import Config
from fitintent.engine import DataFrame, F
from fitintent.period import Period


def topic_activity(signals: DataFrame, cfg: Config, period: Period) -> DataFrame:
    """account_id, topic, recent_count, recent_strength, baseline_count, baseline_rate, ratio."""
    recent, baseline = cfg.signals.recent_days, cfg.signals.baseline_days
    end = period.end + timedelta(days=1)
    recent_start = end - timedelta(days=recent)
    base_start = recent_start - timedelta(days=baseline)

    def ts(d: object) -> Any:
        return F.lit(f"{d} 00:00:00").cast("timestamp")

    in_recent = F.col("signal_time") >= ts(recent_start)
    strength = F.coalesce(F.col("strength"), F.lit(cfg.signals.default_strength))
    window = signals.where(
        F.col("account_id").isNotNull()
        & F.col("topic").isNotNull()
        & (F.col("signal_time") >= ts(base_start))
        & (F.col("signal_time") < ts(end))
    )
    agg = window.groupBy("account_id", "topic").agg(
        F.sum(F.when(in_recent, F.lit(1)).otherwise(F.lit(0))).cast("long").alias("recent_count"),
        F.sum(F.when(in_recent, strength).otherwise(F.lit(0.0)))
        .cast("double")
        .alias("recent_strength"),
        F.sum(F.when(in_recent, F.lit(0)).otherwise(F.lit(1))).cast("long").alias("baseline_count"),
    )
    rate = (F.col("baseline_count") * F.lit(recent / baseline)).cast("double")
    return agg.withColumn("baseline_rate", rate).withColumn(
        "ratio", ((F.col("recent_count") + F.lit(1.0)) / (F.col("baseline_rate") + F.lit(1.0)))
    )
