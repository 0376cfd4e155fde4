"""The account list's rows, memory-mapped, for reading a page at a time.

Reading thirty columns of fifty rows out of DuckDB decompresses thirty column segments per query,
most of a list request's time; an uncompressed Arrow IPC file, memory-mapped, hands the same rows
over without decoding anything, and the operating system shares its pages between processes.

The file is the ``listing`` table itself, in ``rid`` order (row ``i`` has ``rid == i``), written
once when a snapshot's cache is built; a published snapshot never changes, so neither does it.
The listing is sorted by partner, product and then the list's default order, so the rows of one
partner and product are one run of row numbers (a *span*), already in the order the list shows
them: a partner's list with plain filters is a mask over the span's filter columns
(:meth:`RowStore.matching`), sorted by a column if asked (:meth:`RowStore.ordered`), and a page of
it is a slice. Requests this cannot answer get their row numbers from DuckDB, then their rows from
here (:meth:`RowStore.rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc as ipc

BATCH_ROWS = 1 << 16


def write_rows(batches: Iterable[pa.RecordBatch], path: Path) -> int:
    """Write ``batches`` to ``path`` with a ``rid`` column counting the rows; the row count."""
    written = 0
    writer: ipc.RecordBatchFileWriter | None = None
    with pa.OSFile(str(path), "wb") as sink:
        for batch in batches:
            rid = pa.array(np.arange(written, written + batch.num_rows, dtype=np.int32))
            batch = batch.append_column("rid", rid)
            if writer is None:
                writer = ipc.new_file(sink, batch.schema)
            writer.write_batch(batch)
            written += batch.num_rows
        if writer is not None:
            writer.close()
    return written


class RowStore:
    """The rows of one snapshot's listing, memory-mapped; safe to read from many threads.

    ``spans``: ``(partner_id, product, first rid, rows)`` per partner and product."""

    def __init__(self, path: Path, spans: Iterable[tuple[str, str, int, int]] = ()) -> None:
        self.path = path
        self._source = pa.memory_map(str(path))
        reader = ipc.open_file(self._source)
        self._batches = [reader.get_batch(i) for i in range(reader.num_record_batches)]
        self._starts = np.cumsum([0, *(b.num_rows for b in self._batches)])
        self._table = pa.Table.from_batches(self._batches, reader.schema)
        self.columns: list[str] = list(reader.schema.names)
        self._spans = {(p, product): (lo, lo + n) for p, product, lo, n in spans}

    def span(self, partner_id: str | None, product: str | None) -> tuple[int, int] | None:
        """The row numbers ``[first, end)`` of one partner's list of one product."""
        return self._spans.get((str(partner_id), str(product)))

    def matching(
        self,
        span: tuple[int, int],
        equal: dict[str, str | bool],
        locations: Sequence[str] | None,
        needle: str | None = None,
    ) -> np.ndarray | None:
        """Row numbers of the span whose columns equal ``equal``, whose location is one of
        ``locations`` (all of them when None) and whose lower-cased name or domain contains
        ``needle``, in list order; None when a column's type is not the value's (the caller then
        asks DuckDB, which casts as SQL does)."""
        lo, hi = span
        keep: pa.ChunkedArray | None = None
        tests: list[tuple[str, object]] = list(equal.items())
        if locations is not None:
            tests.append(("location_id", list(locations)))
        for name, value in tests:
            column = self._table.column(name).slice(lo, hi - lo)
            text = _is_text(column.type)
            if isinstance(value, list) and text:
                hit = pc.is_in(column, value_set=pa.array(value, column.type))
            elif isinstance(value, bool) and pa.types.is_boolean(column.type):
                hit = pc.equal(column, pa.scalar(value))
            elif isinstance(value, str) and text:
                hit = pc.equal(column, pa.scalar(value, column.type))
            else:
                return None
            # a missing value equals nothing, as in SQL
            hit = pc.fill_null(hit, False)
            keep = hit if keep is None else pc.and_(keep, hit)
        if needle is not None:
            found: pa.ChunkedArray | None = None
            for name in ("account_name", "domain"):
                if name not in self.columns:
                    return None
                column = self._table.column(name).slice(lo, hi - lo)
                if not _is_text(column.type):
                    return None
                # utf8proc lower-cases here as in DuckDB's lower()
                hit = pc.match_substring(pc.utf8_lower(column), needle)
                found = hit if found is None else pc.or_kleene(found, hit)
            assert found is not None
            found = pc.fill_null(found, False)
            keep = found if keep is None else pc.and_(keep, found)
        if keep is None:
            return np.arange(lo, hi, dtype=np.int64)
        return np.flatnonzero(keep.to_numpy()) + lo

    def __len__(self) -> int:
        return int(self._starts[-1])

    def ordered(self, rids: np.ndarray, column: str, descending: bool) -> np.ndarray | None:
        """``rids`` in the order of ``ORDER BY column [DESC] NULLS LAST, account_id`` in DuckDB
        (where NaN sorts above every number); None for a column of another type than numbers,
        text and booleans (the caller then asks DuckDB)."""
        if len(rids) == 0:
            return rids
        lo, hi = int(rids.min()), int(rids.max()) + 1
        local = pa.array(rids - lo)
        key = self._table.column(column).slice(lo, hi - lo).take(local)
        kind = key.type
        if not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or _is_text(kind)
        ):
            return None
        order = "descending" if descending else "ascending"
        keys = {
            "key": key,
            "account": self._table.column("account_id").slice(lo, hi - lo).take(local),
        }
        sort = [("key", order, "at_end"), ("account", "ascending", "at_end")]
        if pa.types.is_floating(kind):
            # Arrow puts NaN next to the nulls; DuckDB ranks it above every number
            keys["nan"] = pc.is_nan(key)
            sort.insert(0, ("nan", order, "at_end"))
        picked = pc.sort_indices(pa.table(keys), sort_keys=sort)
        return np.asarray(rids)[picked.to_numpy()]

    def rows(self, rids: Sequence[int], columns: Sequence[str]) -> list[dict[str, Any]]:
        """The rows numbered ``rids`` (in that order), with ``columns`` only."""
        if not rids:
            return []
        wanted = np.asarray(rids, dtype=np.int64)
        if wanted.min() < 0 or wanted.max() >= len(self):
            raise IndexError("row number outside the listing")
        where = np.searchsorted(self._starts, wanted, side="right") - 1
        found: dict[int, dict[str, Any]] = {}
        for b in np.unique(where):
            local = wanted[where == b] - self._starts[b]
            part = self._batches[b].select(list(columns)).take(pa.array(local))
            for rid, row in zip(local + self._starts[b], part.to_pylist(), strict=True):
                found[int(rid)] = row
        return [found[int(r)] for r in wanted]

    def close(self) -> None:
        # pages already handed out keep the mapping alive until they are dropped
        self._batches, self._spans = [], {}
        self._table = self._table.slice(0, 0)
        self._source.close()


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
