"""Plays: whitespace and its revenue, upsell, next workload, renewals, end of service and the
per-account flags (SPEC section 4).

>>> out = plays(tables, segmented_accounts, placed_scores, cfg, period)   # doctest: +SKIP
>>> out["account_flags"].columns[:5]                                      # doctest: +SKIP
['account_id', 'HasGoogle', 'HasAWS', 'HasEA', 'HasOpen']

Tables (keys in ``PLAY_TABLE_KEYS``; every column is documented in the module named):

* ``account_product_plays`` (``_account_product``): every account x catalog product; owned,
  whitespace and its kind, estimated whitespace revenue, SKU held and next, spend and seat
  growth, upsell flag and propensity;
* ``account_flags`` (``_flags``): every account; HasGoogle, HasAWS, HasEA, HasOpen,
  ``<P>UpsellCustomer``, ``EOS<Family>``, ``EOS<Family>Licences``,
  ``EOS<Family><N>PlusWithPropensity``, ``EOS<Play>``, ``EOS<Play>Licences``;
* ``eos`` (``_eos``): install-base rows past or near end of support, with the replacement's
  fit, intent and cluster;
* ``renewals`` (``_renewals``): agreements ending within twelve months, with the likelihood to
  renew and its basis;
* ``next_workload`` (``_workload``): the top workloads per compute customer;
* ``whitespace_rates``, ``upsell_rates``, ``renewal_rates``, ``workload_rules``: what was
  learned, so each estimate can be traced.
"""

from fitintent.plays._account_product import COLUMNS as ACCOUNT_PRODUCT_COLUMNS
from fitintent.plays._eos import EOS_COLUMNS
from fitintent.plays._flags import flag_names
from fitintent.plays._lifecycle import LIFECYCLE_SCHEMA, SALES_PLAYS, family, load_lifecycle
from fitintent.plays._plays import PLAY_TABLE_KEYS, PLAY_TABLES, plays, plays_card
from fitintent.plays._settings import PlaySettings, play_settings

__all__ = [
    "ACCOUNT_PRODUCT_COLUMNS",
    "EOS_COLUMNS",
    "LIFECYCLE_SCHEMA",
    "PLAY_TABLES",
    "PLAY_TABLE_KEYS",
    "SALES_PLAYS",
    "PlaySettings",
    "family",
    "flag_names",
    "load_lifecycle",
    "play_settings",
    "plays",
    "plays_card",
]
