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
import pickle
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

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
    pooled = n > 1 and len(first) >= POOL_MIN_BATCHES
    with pq.ParquetWriter(out / "part-00000.parquet", schema, compression="zstd") as writer:
        for batch in _pooled(fn, rest, n) if pooled else fn(rest):
            writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
    return eng.read_table(out)


# -- the worker processes --------------------------------------------------------------------------

_FN: BatchFn | None = None
_LIMITS: list[object] = []  # held for the worker's life


def _start(fn: bytes) -> None:
    global _FN
    _FN = pickle.loads(fn)
    # the processes are the parallelism: the native libraries the function loaded (LightGBM's
    # OpenMP, BLAS) run one thread each rather than each starting threads for every core
    _LIMITS.append(threadpool_limits(limits=1))


def _serial(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as w:
        w.write_batch(batch)
    return sink.getvalue().to_pybytes()


def _work(data: bytes) -> list[bytes]:
    assert _FN is not None
    batch = pa.ipc.open_stream(data).read_next_batch()
    return [_serial(b) for b in _FN(iter([batch]))]


def _pooled(
    fn: BatchFn, batches: Iterator[pa.RecordBatch], workers: int
) -> Iterator[pa.RecordBatch]:
    """``fn`` over ``batches`` in ``workers`` processes, a few batches in flight, results in the
    order of the input. Where the processes cannot start (a script that runs the pipeline
    without an ``if __name__ == "__main__":`` guard, which every started process runs again),
    the batches go through ``fn`` here instead, with a warning."""
    ctx = mp.get_context("spawn")
    start = (pickle.dumps(fn),)
    held: deque[pa.RecordBatch] = deque()  # the batches in flight, until their result is read
    try:
        with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_start, initargs=start
        ) as pool:
            pending: deque[Future[list[bytes]]] = deque()
            for batch in batches:
                held.append(batch)
                pending.append(pool.submit(_work, _serial(batch)))
                if len(pending) >= 2 * workers:
                    parts = pending.popleft().result()
                    held.popleft()
                    yield from _read(parts)
            while pending:
                parts = pending.popleft().result()
                held.popleft()
                yield from _read(parts)
    except BrokenProcessPool:
        warnings.warn(
            "worker processes could not start; running the batches in this process",
            RuntimeWarning,
            stacklevel=2,
        )
        yield from fn(itertools.chain(held, batches))


def _read(parts: list[bytes]) -> Iterator[pa.RecordBatch]:
    for data in parts:
        yield pa.ipc.open_stream(data).read_next_batch()
