"""Writers: one file per source (CSV or Parquet), or Parquet part folders for streamed worlds."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

Format = Literal["csv", "parquet"]

# Columns whose values repeat (worth a Parquet dictionary); others are written plain.
_DICTIONARY_COLUMNS = [
    "account_id",
    "partner_id",
    "location_id",
    "product",
    "sku",
    "industry",
    "vertical",
    "area",
    "subsidiary",
    "sales_territory",
    "city",
    "state",
    "country",
    "technology",
    "version",
    "license_program",
    "product_division",
    "signal_type",
    "topic",
    "source",
    "text",
    "status",
    "outcome",
    "domain",
]


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded to plain strings (CSV has no dictionaries)."""
    cols = [
        c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns
    ]
    return pa.table(cols, names=table.column_names)


class _CsvFile:
    def __init__(self, path: Path, schema: pa.Schema) -> None:
        self._file = path.open("wb")
        self._file.write((",".join(schema.names) + "\n").encode())
        self._writer = pacsv.CSVWriter(
            self._file,
            schema,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()
        self._file.close()


class _ParquetFile:
    def __init__(self, path: Path, schema: pa.Schema, compression: str) -> None:
        used = [c for c in _DICTIONARY_COLUMNS if c in schema.names]
        self._writer = pq.ParquetWriter(path, schema, compression=compression, use_dictionary=used)

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table)

    def close(self) -> None:
        self._writer.close()


class SourceSink:
    """Writes tables of each source as they come.

    ``layout="file"``: ``<dir>/<source>.<fmt>``; ``layout="parts"``: a folder per source with
    ``part-NNNNN.parquet`` files, one per ``part`` number given to ``write``.
    """

    def __init__(
        self, folder: Path, fmt: Format = "csv", layout: str = "file", compression: str = "zstd"
    ) -> None:
        if layout == "parts" and fmt != "parquet":
            raise ValueError("part folders are written as Parquet")
        self.folder, self.fmt, self.layout, self.compression = folder, fmt, layout, compression
        self.folder.mkdir(parents=True, exist_ok=True)
        self._open: dict[str, tuple[int, _CsvFile | _ParquetFile]] = {}
        self.rows: dict[str, int] = {}
        self.paths: dict[str, Path] = {}

    def write(self, source: str, table: pa.Table, part: int = 0) -> None:
        if self.fmt == "csv":
            table = _plain(table)
        current = self._open.get(source)
        if current is not None and self.layout == "parts" and current[0] != part:
            current[1].close()
            current = None
        if current is None:
            current = (part, self._new_file(source, table.schema, part))
            self._open[source] = current
        current[1].write(table)
        self.rows[source] = self.rows.get(source, 0) + table.num_rows

    def _new_file(self, source: str, schema: pa.Schema, part: int) -> _CsvFile | _ParquetFile:
        if self.layout == "parts":
            folder = self.folder / source
            folder.mkdir(exist_ok=True)
            path = folder / f"part-{part:05d}.parquet"
            self.paths[source] = folder
        else:
            path = self.folder / f"{source}.{self.fmt}"
            self.paths[source] = path
        if self.fmt == "csv":
            return _CsvFile(path, schema)
        return _ParquetFile(path, schema, self.compression)

    def close(self) -> None:
        for _, f in self._open.values():
            f.close()
        self._open.clear()
