"""Row-wise Python work over Arrow record batches, on either engine.

One signature for every batch function (model scoring, explanations, HTML extraction)::

    def add_one(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for b in batches:
            yield b.append_column("y", pc.add(b.column("x"), 1))

    out = map_batches(df, add_one, schema)

On Spark it runs through ``mapInArrow``; on DuckDB the batches stream out of the query, through the
function and into Parquet, which becomes the result DataFrame. Memory stays at one batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pyarrow as pa
import pyarrow.parquet as pq

from fitintent.engine._session import DataFrame, active

BatchFn = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]


def map_batches(
    df: DataFrame, fn: BatchFn, schema: pa.Schema, batch_rows: int = 65_536
) -> DataFrame:
    eng = active()
    if eng.kind == "spark":
        from pyspark.sql.pandas.types import from_arrow_schema

        return df.mapInArrow(fn, from_arrow_schema(schema))
    out = eng.scratch / f"batches-{uuid.uuid4().hex[:8]}"
    out.mkdir(parents=True)
    reader = eng.session._conn.sql(
        df.sql(dialect="duckdb", pretty=False, optimize=False)
    ).to_arrow_reader(batch_rows)
    with pq.ParquetWriter(out / "part-00000.parquet", schema, compression="zstd") as writer:
        for batch in fn(iter(reader)):
            writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
    return eng.read_table(out)
