"""Ingest: source files -> contract-checked tables and a quarantine, with reconciled counts."""

from fitintent.ingest._ingest import REQUIRED_SOURCES, Ingested, Reconciliation, ingest
from fitintent.ingest._read import FORMATS, find_files, stage
from fitintent.ingest._validate import QUARANTINE_COLUMNS, validate

__all__ = [
    "FORMATS",
    "QUARANTINE_COLUMNS",
    "REQUIRED_SOURCES",
    "Ingested",
    "Reconciliation",
    "find_files",
    "ingest",
    "stage",
    "validate",
]
