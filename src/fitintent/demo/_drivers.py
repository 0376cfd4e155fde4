"""The observed drivers of each product's propensity, as matrices the monthly simulation multiplies.

A driver is a named feature (see ``_catalog``) times the product's weight. Static drivers are
computed once per chunk; holdings, install-base groups and renewals change month by month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitintent.demo._accounts import Firmographics
from fitintent.demo._catalog import (
    DIVISIONS,
    HIDDEN_BUDGET,
    HIDDEN_CHAMPION,
    HIDDEN_MATURITY,
    PRODUCT_IDS,
    PRODUCTS,
    TECH_GROUPS,
)
from fitintent.demo._industries import INDUSTRIES

STATIC_FEATURES = ("size", "mid", "tech", "itb", "growth", "non_profit")
_BOOSTS = np.array([[ind.boosts.get(p, 0.0) for p in PRODUCT_IDS] for ind in INDUSTRIES])


def _weights(names: tuple[str, ...]) -> np.ndarray:
    """(products, features) weight matrix for the named features."""
    return np.array([[p.weights.get(f, 0.0) for f in names] for p in PRODUCTS])


W_STATIC = _weights(STATIC_FEATURES)
W_OWN = _weights(tuple(f"own_{p}" for p in PRODUCT_IDS))  # [target, owned]
W_GROUP = _weights(TECH_GROUPS)
W_RENEWAL = np.array([p.weights.get("renewal", 0.0) for p in PRODUCTS])
PRODUCT_DIVISION = np.array([DIVISIONS.index(p.division) for p in PRODUCTS])
HAZARD_BASE = np.array([p.hazard_base for p in PRODUCTS])
OWN_BASE = np.array([p.own_base for p in PRODUCTS])


def static_features(firm: Firmographics) -> np.ndarray:
    """(accounts, STATIC_FEATURES)."""
    return np.column_stack(
        [firm.size, firm.mid, firm.tech, firm.itb, firm.growth, firm.non_profit.astype(np.float64)]
    )


@dataclass
class Drivers:
    fit: np.ndarray  # (A, P) static observed logit, without intercept
    group_first: np.ndarray  # (A, G) first month each install-base group is present
    group_last: np.ndarray  # (A, G)
    renewal: np.ndarray  # (A, divisions, months)
    hidden: np.ndarray  # (A, P) hidden logit: budget, champion, maturity
    champion: np.ndarray  # (A, P)

    def present(self, month: int) -> np.ndarray:
        return ((self.group_first <= month) & (month <= self.group_last)).astype(np.float64)

    def observed(self, month: int, owned: np.ndarray) -> np.ndarray:
        """(A, P) observed logit at ``month`` without intercept."""
        renew = self.renewal[:, PRODUCT_DIVISION, month].astype(np.float64)
        return (
            self.fit
            + owned.astype(np.float64) @ W_OWN.T
            + self.present(month) @ W_GROUP.T
            + renew * W_RENEWAL
        )


def build_drivers(
    rng: np.random.Generator,
    firm: Firmographics,
    group_first: np.ndarray,
    group_last: np.ndarray,
    renewal: np.ndarray,
) -> Drivers:
    fit = static_features(firm) @ W_STATIC.T + _BOOSTS[firm.industry]
    champion = rng.standard_normal((len(firm), len(PRODUCTS)))
    hidden = (
        HIDDEN_BUDGET * firm.budget[:, None]
        + HIDDEN_CHAMPION * champion
        + HIDDEN_MATURITY * firm.maturity[:, None]
    )
    return Drivers(fit, group_first, group_last, renewal, hidden, champion)
