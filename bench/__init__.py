"""fitintent benchmark harness: ``python -m bench``."""
