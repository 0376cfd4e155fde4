"""fitintent: which business customers are most likely to buy which product now, and why."""

__version__ = "0.1.0"
