"""Features: one account table per period, as of the period's end (no row dated later is used).

>>> features = build_features(tables, segmented_accounts, cfg, period)   # doctest: +SKIP
>>> source = FeatureSource.prepare(tables, cfg)                          # doctest: +SKIP
>>> source.at(period.shift(-3))   # any past month, built once and kept   # doctest: +SKIP
"""

from fitintent.features._build import FeatureSource, build_features, segment_as_of
from fitintent.features._common import Catalog, Feature, slug
from fitintent.features._installbase import Lifecycle, default_lifecycle
from fitintent.features._months import months_table
from fitintent.features._opportunities import OUTCOME_COLUMNS
from fitintent.features._signals import BUYING_TYPES, EVIDENCE_FIELDS, all_topics

__all__ = [
    "BUYING_TYPES",
    "EVIDENCE_FIELDS",
    "OUTCOME_COLUMNS",
    "Catalog",
    "Feature",
    "FeatureSource",
    "Lifecycle",
    "all_topics",
    "build_features",
    "default_lifecycle",
    "months_table",
    "segment_as_of",
    "slug",
]
