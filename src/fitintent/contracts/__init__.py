"""Source contracts: the columns, types and rules every input row is held to."""

from fitintent.contracts._docs import render
from fitintent.contracts._schema import SQL_TYPE, Check, Column, Contract, Reference
from fitintent.contracts._sources import SIGNAL_TYPES, contract, contracts

__all__ = [
    "SIGNAL_TYPES",
    "SQL_TYPE",
    "Check",
    "Column",
    "Contract",
    "Reference",
    "contract",
    "contracts",
    "render",
]
