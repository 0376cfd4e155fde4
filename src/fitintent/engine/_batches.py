"""Row-wise Python work over Arrow record batches, on either engine.

One signature for every batch function (model scoring, explanations, HTML extraction)::

    def add_one(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            yield b.append_column("y", pc.add(b.column("x"), 1))

    out = map_batches(df, add_one, schema)

On Spark it runs through ``mapInArrow``; on DuckDB the batches stream out of the query, through the
function and into Parquet, which becomes the result DataFrame. A large input on DuckDB is spread
over worker processes, one per engine thread (the function is pickled to them once, as Spark
ships it to its workers), and its output kept in input order, so the result is the same with one
worker or several. Memory stays at a few batches.
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import pickle
import shutil
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from threadpoolctl import threadpool_limits

from fitintent.engine._session import DataFrame, active

BatchFn = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]
# below this many input batches the worker processes cost more to start than they save
POOL_MIN_BATCHES = 4


def map_batches(
    df: DataFrame,
    fn: BatchFn,
    schema: pa.Schema,
    batch_rows: int = 65_536,
    workers: int | None = None,
) -> DataFrame:
    """``fn`` over the rows of ``df`` (record batches of up to ``batch_rows``), as a DataFrame of
    ``schema``. ``workers``: processes on DuckDB (default: the engine's threads)."""
    eng = active()
    if eng.kind == "spark":
        from pyspark.sql.pandas.types import from_arrow_schema

        return df.mapInArrow(fn, from_arrow_schema(schema))
    out = eng.scratch / f"batches-{uuid.uuid4().hex[:8]}"
    out.mkdir(parents=True)
    sql = df.sql(dialect="duckdb", pretty=False, optimize=False)
    reader = iter(eng.session._conn.sql(sql).to_arrow_reader(batch_rows))
    n = eng.threads if workers is None else workers
    first = list(itertools.islice(reader, POOL_MIN_BATCHES))
    rest = itertools.chain(first, reader)
    if n > 1 and len(first) >= POOL_MIN_BATCHES:
        _pooled(fn, rest, n, schema, out)
    else:
        _write(fn(rest), schema, out / _part(0))
    return eng.read_table(out)


def _part(i: int) -> str:
    """The output of input batch ``i``: the names sort in input order."""
    return f"part-{i:06d}.parquet"


def _write(batches: Iterator[pa.RecordBatch], schema: pa.Schema, path: Path) -> None:
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)


# -- the worker processes --------------------------------------------------------------------------

_FN: tuple[BatchFn, pa.Schema] | None = None
_LIMITS: list[object] = []  # held for the worker's life


def _start(state: bytes) -> None:
    global _FN
    _FN = pickle.loads(state)
    # the processes are the parallelism: the native libraries the function loaded (LightGBM's
    # OpenMP, BLAS) run one thread each rather than each starting threads for every core
    _LIMITS.append(threadpool_limits(limits=1))


def _work(src: str, dst: str) -> None:
    """One batch: read from the Arrow file ``src`` (mapped, not copied), its result written to
    ``dst``."""
    assert _FN is not None
    fn, schema = _FN
    with pa.memory_map(src) as mapped:
        batch = pa.ipc.open_file(mapped).get_batch(0)
        _write(fn(iter([batch])), schema, Path(dst))
    os.unlink(src)


def _handed(batch: pa.RecordBatch, path: Path) -> str:
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, batch.schema) as w:
        w.write_batch(batch)
    return str(path)


def _pooled(
    fn: BatchFn, batches: Iterator[pa.RecordBatch], workers: int, schema: pa.Schema, out: Path
) -> None:
    """``fn`` over ``batches`` in ``workers`` processes, a few batches in flight. A batch goes to
    its worker as an Arrow file, which the worker maps rather than receiving a copy through a
    pipe, and the worker writes its result to ``out`` as the part of that batch, so the parts
    read back in input order and no rows pass back through this process. Where the processes
    cannot start (a script that runs the pipeline without an ``if __name__ == "__main__":``
    guard, which every started process runs again), the batches go through ``fn`` here
    instead, with a warning."""
    ctx = mp.get_context("spawn")
    inbox = out / "_in"
    inbox.mkdir()
    held: deque[tuple[int, pa.RecordBatch]] = deque()  # in flight, until their part is written
    numbered = enumerate(batches)
    try:
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_start, initargs=(pickle.dumps((fn, schema)),)
        ) as pool:
            pending: deque[Future[None]] = deque()
            for i, batch in numbered:
                held.append((i, batch))
                src = _handed(batch, inbox / f"{i:06d}.arrow")
                pending.append(pool.submit(_work, src, str(out / _part(i))))
                if len(pending) >= 2 * workers:
                    pending.popleft().result()
                    held.popleft()
            while pending:
                pending.popleft().result()
                held.popleft()
    except BrokenProcessPool:
        warnings.warn(
            "worker processes could not start; running the batches in this process",
            RuntimeWarning,
            stacklevel=2,
        )
        for i, batch in itertools.chain(held, numbered):
            _write(fn(iter([batch])), schema, out / _part(i))
    finally:
        shutil.rmtree(inbox, ignore_errors=True)
