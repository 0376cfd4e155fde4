"""Score: bands, the fit x intent matrix, clusters and the order to work accounts in."""

from fitintent.score._matrix import band, place, work_order

__all__ = ["band", "place", "work_order"]
