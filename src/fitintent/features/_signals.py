"""Signal features per product (through the product -> topics taxonomy), topic surge, evidence.

Windows end with the period's last day: *recent* is the last ``signals.recent_days`` days,
*prior* the same length before it, *baseline* the ``signals.baseline_days`` before recent.

**Surge** (0-100, 50 = normal activity) compares the recent count of a product's topics with
what the account would be expected to show: its own baseline rate shrunk towards its peers'
(same industry and size band) by ``intent.surge_prior_days`` days of peer history::

    expected = recent_days * (baseline + k * peer_daily) / (baseline_days + k)
    r        = (recent + 1) / (expected + 1)
    surge    = 100 * r^s / (1 + r^s)              s = intent.surge_steepness

so twice the expected volume reads 74 and 1.3 times reads 60 (``intent.surge_threshold``). With
fewer than ``intent.min_volume`` recent signals an account is never above 50: a couple of
documents are not a surge.
"""

from __future__ import annotations

from typing import Any

from fitintent.config import Config
from fitintent.contracts import SIGNAL_TYPES
from fitintent.engine import DataFrame, F, Window, active
from fitintent.features._common import (
    Catalog,
    Dated,
    Feature,
    count_if,
    dated,
    event,
    flat,
    slug,
    words,
)

BUYING_TYPES = ("job_posting", "tech_adoption", "tech_retirement", "forum_post")
_TYPE_WORDS = {
    "blog_post": "blog posts",
    "press_release": "press releases",
    "job_posting": "job postings",
    "forum_post": "forum questions",
    "social_post": "social posts",
    "news": "news items",
    "funding": "funding events",
    "merger": "merger or acquisition events",
    "tech_adoption": "technology adoptions",
    "tech_retirement": "technology retirements",
    "web_page": "web pages",
    "size_change": "head-count changes",
    "intent_topic": "third-party intent topics",
}
EVIDENCE_FIELDS = ("time", "type", "source", "text", "url")


def all_topics(cfg: Config) -> list[str]:
    return sorted({t for p in cfg.products for t in p.topics})


def peer_key(cfg: Config) -> Any:
    """Industry and size band (the segmentation's employee thresholds)."""
    s = cfg.segments
    emp = F.col("employees")
    size = (
        F.when(emp >= F.lit(s.top_user_min_employees), F.lit("top"))
        .when(emp >= F.lit(s.medium_min_employees), F.lit("medium"))
        .otherwise(F.lit("small"))
    )
    return F.concat_ws("|", F.coalesce(F.col("industry"), F.lit("")), size)


def _milli(col: Any) -> Any:
    # sums of doubles are rounded to 1/1000 so that both engines agree to the last bit
    return F.round(col * F.lit(1000.0), 0) / F.lit(1000.0)


def _surge(recent: Any, expected: Any, cfg: Config) -> Any:
    s = F.lit(cfg.intent.surge_steepness)
    ratio = (recent + F.lit(1.0)) / (expected + F.lit(1.0))
    powered = F.pow(ratio, s)
    surge = F.lit(100.0) * powered / (F.lit(1.0) + powered)
    capped = F.when(recent < F.lit(cfg.intent.min_volume), F.least(surge, F.lit(50.0))).otherwise(
        surge
    )
    return F.round(capped * F.lit(100.0), 0) / F.lit(100.0)


def signal_events(signals: DataFrame) -> Dated:
    """Signals inside each month's baseline and recent windows (resolved account ids only)."""
    rows = event(
        signals.where(F.col("account_id").isNotNull()),
        "sig",
        k1="signal_type",
        k2="topic",
        t="signal_time",
        x="strength",
    )
    t = F.col("t")
    return dated(rows, "sig", (t >= F.col("m_base_ts")) & (t < F.col("m_next_ts")))


def peer_aggregates() -> list[Any]:
    """The account's peer group, from its own event row."""
    return [F.max(F.when(F.col("src") == F.lit("acct"), F.col("k1"))).alias("_peer")]


def account_events(accounts: DataFrame, cfg: Config) -> Dated:
    """One row per account (in every month), so that every account gets a feature row; ``k1``
    carries its peer group (industry and size band) for the surge baseline."""
    keyed = accounts.select(F.col("account_id"), peer_key(cfg).alias("_peer"))
    return dated(event(keyed, "acct", k1="_peer"), "acct", F.lit(True))


def signal_flags(cfg: Config) -> list[Any]:
    """The conditions the signal aggregates share, computed once per event row (``_f_*``)."""
    t = F.col("t")
    is_sig = F.col("src") == F.lit("sig")
    strength = F.coalesce(F.col("x"), F.lit(cfg.signals.default_strength))
    flags = [
        (is_sig & (t >= F.col("m_recent_ts"))).alias("_f_recent"),
        (is_sig & (t >= F.col("m_prior_ts")) & (t < F.col("m_recent_ts"))).alias("_f_prior"),
        (is_sig & (t < F.col("m_recent_ts"))).alias("_f_base"),
        (strength >= F.lit(cfg.intent.strong_signal)).alias("_f_strong"),
        strength.alias("_f_strength"),
        F.when(is_sig, t).alias("_f_t"),
    ]
    flags += [
        F.col("k2").isin(list(p.topics)).alias(f"_f_on_{p.id}") for p in cfg.products if p.topics
    ]
    return flags


def signal_aggregates(cfg: Config) -> list[Any]:
    """Over event rows with :func:`signal_flags`."""
    recent, prior, base = F.col("_f_recent"), F.col("_f_prior"), F.col("_f_base")
    strength, strong, t = F.col("_f_strength"), F.col("_f_strong"), F.col("_f_t")
    kind, topic = F.col("k1"), F.col("k2")
    aggs: list[Any] = [
        count_if(recent).alias("sig_all_recent"),
        count_if(base).alias("sig_all_baseline"),
    ]
    aggs += [count_if(recent & (kind == F.lit(k))).alias(f"sig_type_{k}") for k in SIGNAL_TYPES]
    aggs += [
        count_if(recent & (topic == F.lit(x))).alias(f"topic_{slug(x)}_recent")
        for x in all_topics(cfg)
    ]
    for p in cfg.products:
        if not p.topics:
            continue
        on = F.col(f"_f_on_{p.id}")
        aggs += [
            count_if(recent & on).alias(f"sig_{p.id}_recent"),
            count_if(prior & on).alias(f"sig_{p.id}_prior"),
            count_if(base & on).alias(f"sig_{p.id}_baseline"),
            count_if(recent & on & strong).alias(f"sig_{p.id}_strong"),
            count_if(prior & on & strong).alias(f"sig_{p.id}_strong_prior"),
            F.sum(F.when(recent & on, strength).otherwise(F.lit(0.0)))
            .cast("double")
            .alias(f"_strength_{p.id}"),
            F.max(F.when(on, t)).alias(f"_sig_last_{p.id}"),
        ]
        aggs += [
            count_if(recent & on & (kind == F.lit(k))).alias(f"sig_{p.id}_{k}")
            for k in BUYING_TYPES
        ]
    return aggs


def peer_rates(
    signals: DataFrame, accounts: DataFrame, months: DataFrame, cfg: Config
) -> DataFrame | None:
    """Per month and peer group (industry and size band), the mean daily baseline count of each
    product's topics over the group's accounts: ``m_period``, ``_peer`` and ``_peer_rate_<P>``.

    It is counted from the signals per (peer group, day, topic) rather than from the accounts'
    feature rows, so that features built for a sample of accounts (training) see the same peers
    as those built for every account (scoring). Windows start at midnight UTC, so a day's
    signals fall wholly inside a window or outside it."""
    products = [p for p in cfg.products if p.topics]
    if not products:  # no product has topics: no surge, no baseline to compare with
        return None
    topics = sorted({t for p in products for t in p.topics})
    peers = accounts.select(F.col("account_id").alias("_a"), peer_key(cfg).alias("_peer"))
    sized = peers.groupBy(F.col("_peer").alias("_g")).agg(F.count(F.lit(1)).alias("_accounts"))
    daily = (
        signals.where(F.col("account_id").isNotNull() & F.col("topic").isin(topics))
        .join(peers, on=F.col("account_id") == F.col("_a"))
        .groupBy("_peer", F.to_date(F.col("signal_time")).alias("_day"), "topic")
        .agg(F.count(F.lit(1)).alias("_n"))
    )
    daily = active().materialize(daily, "peer-days")
    day = F.col("_day")
    inside = (day >= F.to_date(F.col("m_base_ts"))) & (day < F.to_date(F.col("m_recent_ts")))
    sums = flat(daily.join(months.select("m_period", "m_base_ts", "m_recent_ts"), on=inside))
    totals = sums.groupBy("m_period", "_peer").agg(
        *[
            F.sum(F.when(F.col("topic").isin(list(p.topics)), F.col("_n")))
            .cast("double")
            .alias(f"_peer_sum_{p.id}")
            for p in products
        ]
    )
    days = F.lit(float(cfg.signals.baseline_days))
    grid = flat(months.select("m_period").crossJoin(sized))
    joined = grid.join(
        totals.select(
            F.col("m_period").alias("_t_period"),
            F.col("_peer").alias("_t_peer"),
            *[f"_peer_sum_{p.id}" for p in products],
        ),
        on=(F.col("m_period") == F.col("_t_period")) & (F.col("_g") == F.col("_t_peer")),
        how="left",
    )
    return joined.select(
        "m_period",
        F.col("_g").alias("_peer"),
        *[
            (
                F.coalesce(F.col(f"_peer_sum_{p.id}"), F.lit(0.0))
                / F.col("_accounts").cast("double")
                / days
            ).alias(f"_peer_rate_{p.id}")
            for p in products
        ],
    )


def signal_columns(cfg: Config) -> list[Any]:
    """Select expressions over the aggregated rows."""
    recent_days, base_days = cfg.signals.recent_days, cfg.signals.baseline_days
    k = F.lit(float(cfg.intent.surge_prior_days))
    out: list[Any] = [F.col("sig_all_recent"), F.col("sig_all_baseline")]
    out += [F.col(f"sig_type_{x}") for x in SIGNAL_TYPES]
    for p in cfg.products:
        if not p.topics:
            continue
        pid = p.id
        peer = F.coalesce(F.col(f"_peer_rate_{pid}"), F.lit(0.0))
        expected = (
            F.lit(float(recent_days))
            * (F.col(f"sig_{pid}_baseline").cast("double") + k * peer)
            / (F.lit(float(base_days)) + k)
        )
        recent_n = F.col(f"sig_{pid}_recent").cast("double")
        strength = F.col(f"_strength_{pid}")
        out += [
            F.col(f"sig_{pid}_recent"),
            F.col(f"sig_{pid}_prior"),
            F.col(f"sig_{pid}_baseline"),
            F.col(f"sig_{pid}_strong"),
            F.col(f"sig_{pid}_strong_prior"),
            _milli(strength).alias(f"sig_{pid}_strength"),
            F.when(recent_n > F.lit(0.0), _milli(strength / recent_n)).alias(
                f"sig_{pid}_strength_mean"
            ),
            F.datediff(F.col("m_end"), F.to_date(F.col(f"_sig_last_{pid}")))
            .cast("double")
            .alias(f"sig_{pid}_days_since"),
            _surge(recent_n, expected, cfg).alias(f"sig_{pid}_surge"),
            *[F.col(f"sig_{pid}_{x}") for x in BUYING_TYPES],
        ]
    out += [F.col(f"topic_{slug(x)}_recent") for x in all_topics(cfg)]
    return out


def signal_catalog(catalog: Catalog, cfg: Config) -> None:
    catalog.add(
        Feature(
            "sig_all_recent",
            "signal",
            "numeric",
            f"{{v:,.0f}} online signals in the last {cfg.signals.recent_days} days",
            intent=True,
        ),
        Feature(
            "sig_all_baseline",
            "signal",
            "numeric",
            f"{{v:,.0f}} online signals in the {cfg.signals.baseline_days} days before",
            intent=True,
        ),
    )
    for k in SIGNAL_TYPES:
        catalog.add(
            Feature(
                f"sig_type_{k}",
                "signal",
                "numeric",
                f"{{v:,.0f}} recent {_TYPE_WORDS[k]}",
                intent=True,
            )
        )
    for p in cfg.products:
        if not p.topics:
            continue
        subject = ", ".join(words(t) for t in p.topics)
        pid = p.id
        base = cfg.signals.baseline_days

        def feat(suffix: str, phrase: str, pid: str = pid, subject: str = subject) -> Feature:
            return Feature(
                f"sig_{pid}_{suffix}",
                "signal",
                "numeric",
                phrase,
                product=pid,
                subject=subject,
                intent=True,
            )

        catalog.add(
            feat("recent", "{v:,.0f} recent signals on {topic}"),
            feat("prior", "{v:,.0f} signals on {topic} the month before"),
            feat("strong", "{v:,.0f} strong recent signals on {topic}"),
            feat("strong_prior", "{v:,.0f} strong signals on {topic} the month before"),
            feat("baseline", f"{{v:,.0f}} signals on {{topic}} in the {base} days before"),
            feat("strength", "strong signals on {topic}"),
            feat("strength_mean", "strong signals on {topic}"),
            feat("days_since", "last {topic} signal {v:,.0f} days ago"),
            feat("surge", "topic {topic} surging (surge {v:,.0f})"),
            *[feat(x, f"{{v:,.0f}} {_TYPE_WORDS[x]} on {{topic}}") for x in BUYING_TYPES],
        )
    catalog.display.extend(f"topic_{slug(t)}_recent" for t in all_topics(cfg))


def signal_evidence(
    signals: DataFrame,
    cfg: Config,
    months: DataFrame,
    topics: DataFrame,
    pairs: DataFrame | None = None,
) -> DataFrame:
    """The strongest recent signals on each product's topics, per (account_id, product) with any
    (only the ``pairs`` given, when given), as of the single month of ``months``: ``ev<i>_<field>``
    columns for i in 1..``intent.evidence_count``, fields time (a date string), type, source,
    text, url; strongest first, then newest. ``topics`` maps ``_pp`` (product) to ``_pt``
    (topic).

    The signals meet their products (and the ``pairs``, as a semi-join: it cannot multiply rows)
    before the one ranking, so that only the rows asked for are ranked. At a million accounts
    a first ranking per account and topic kept 9.7M of 11.1M signals: it cost more than it
    saved (the evidence query 17.2 s with it, 14.4 s without)."""
    n = F.lit(cfg.intent.evidence_count)
    t = F.col("signal_time")
    strength = F.coalesce(F.col("strength"), F.lit(cfg.signals.default_strength))
    recent = flat(
        signals.where(F.col("topic").isNotNull()).join(
            months, on=(t >= F.col("m_evidence_ts")) & (t < F.col("m_next_ts"))
        )
    )
    joined = flat(recent.join(topics, on=F.col("topic") == F.col("_pt")))
    if pairs is not None:
        wanted = pairs.select(F.col("account_id").alias("_pa"), F.col("product").alias("_pw"))
        joined = joined.join(
            wanted,
            on=(F.col("account_id") == F.col("_pa")) & (F.col("_pp") == F.col("_pw")),
            how="left_semi",
        )
    order = Window.partitionBy("account_id", "_pp").orderBy(
        strength.desc(), t.desc(), F.col("signal_id").asc()
    )
    ranked = joined.select(
        "account_id",
        "_pp",
        F.date_format(t, "yyyy-MM-dd").alias("_time"),
        F.col("signal_type").alias("_type"),
        F.col("source").alias("_source"),
        F.col("text").alias("_text"),
        F.col("url").alias("_url"),
        F.row_number().over(order).alias("_rank"),
    ).where(F.col("_rank") <= n)
    aggs = [
        F.max(F.when(F.col("_rank") == F.lit(i), F.col(f"_{f}"))).alias(f"ev{i}_{f}")
        for i in range(1, cfg.intent.evidence_count + 1)
        for f in EVIDENCE_FIELDS
    ]
    return ranked.groupBy(F.col("account_id"), F.col("_pp").alias("product")).agg(*aggs)
