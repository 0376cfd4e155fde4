"""Source readers: a user's file -> staged Parquet with its lineage (``_file``, ``_row``).

Rows are numbered as a spreadsheet shows them: in CSV, TSV and JSONL the header (or first line of
JSONL) is row 1 and data starts at row 2 for CSV/TSV; JSONL lines are rows 1, 2, ...; in Parquet
the first row is row 1. Text values stay text here, trimmed of surrounding spaces with a blank
value as null; typing is the contract's job, so a bad value is quarantined with its reason
instead of failing the whole file.

A reader raises :class:`InputError` only when the *file* is unusable: it cannot be read, it is not
UTF-8, a required column is missing or a column name repeats.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fitintent.contracts import Contract
from fitintent.errors import InputError
from fitintent.ingest._native import (
    as_text,
    dictionary_columns,
    kept,
    native_columns,
    to_native,
)
from fitintent.ingest._text import clean_text, is_text

FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".parquet": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
REJECT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("_file", pa.string()),
        ("_row", pa.int64()),
        ("reasons", pa.string()),
        ("record", pa.string()),
    ]
)
_BATCH_ROWS = 100_000
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())


@dataclass
class Staged:
    """What one source's files became: a Parquet folder of rows and one of rejected rows."""

    rows_dir: Path
    rejects_dir: Path
    files: list[str] = field(default_factory=list)
    rows_in: int = 0
    rejected: int = 0
    native: dict[str, pa.DataType] = field(default_factory=dict)  # columns staged typed
    ignored_columns: list[str] = field(default_factory=list)


def find_files(source: str, folder: Path, explicit: str | None) -> list[Path]:
    """The files of a source: an explicit path or glob, else ``<source>.<ext>`` or
    ``<source>/*.<ext>`` in the sources folder."""
    if explicit:
        p = Path(explicit)
        base = p if p.is_absolute() else folder / p
        matches = (
            sorted(base.parent.glob(base.name)) if any(ch in base.name for ch in "*?[") else [base]
        )
        if not matches or not all(m.exists() for m in matches):
            raise InputError(str(base), "no such file (set in [sources.files])")
        return matches
    found = [folder / f"{source}{ext}" for ext in FORMATS if (folder / f"{source}{ext}").is_file()]
    sub = folder / source
    if sub.is_dir():
        found += sorted(f for f in sub.iterdir() if f.suffix.lower() in FORMATS and f.is_file())
    return found


def stage(contract: Contract, files: list[Path], out: Path) -> Staged:
    """Read every file of a source into ``out/rows`` and ``out/rejects`` (Parquet)."""
    staged = Staged(out / "rows", out / "rejects")
    staged.rows_dir.mkdir(parents=True, exist_ok=True)
    staged.rejects_dir.mkdir(parents=True, exist_ok=True)
    staged.native = native_columns(contract, files)
    schema = _staged_schema(contract, staged.native, dictionary_columns(contract, files))
    rejects: list[dict[str, object]] = []
    # the staged rows are read back by the engine at once: light compression is enough (the
    # dictionaries and statistics stay: the engine's passes over the rows are faster with them)
    with pq.ParquetWriter(
        staged.rows_dir / "part-00000.parquet", schema, compression="lz4"
    ) as writer:
        for batch in _batches(contract, files, schema, staged, rejects):
            staged.rows_in += batch.num_rows
            writer.write_batch(batch)
    staged.rejected = len(rejects)
    staged.rows_in += len(rejects)
    pq.write_table(
        pa.Table.from_pylist(rejects, schema=REJECT_SCHEMA),
        staged.rejects_dir / "part-00000.parquet",
    )
    return staged


def _batches(
    contract: Contract,
    files: list[Path],
    schema: pa.Schema,
    staged: Staged,
    rejects: list[dict[str, object]],
) -> Iterator[pa.RecordBatch]:
    for f in files:
        fmt = FORMATS.get(f.suffix.lower())
        if fmt is None:
            raise InputError(
                str(f),
                f"unsupported file type '{f.suffix}' (use one of {', '.join(sorted(FORMATS))})",
            )
        staged.files.append(str(f))
        reader = {"csv": _csv, "tsv": _csv, "parquet": _parquet, "jsonl": _jsonl}[fmt]
        yield from reader(f, contract, schema, staged, rejects, fmt)


def _staged_schema(
    contract: Contract, native: dict[str, pa.DataType], dictionary: set[str]
) -> pa.Schema:
    text = {c: _DICTIONARY for c in dictionary}
    cols = [(c, native.get(c, text.get(c, pa.string()))) for c in contract.column_names]
    return pa.schema([*cols, ("_file", pa.string()), ("_row", pa.int64())])


def _match_header(
    names: list[str], contract: Contract, file: Path, staged: Staged
) -> dict[str, str]:
    """Map the file's column names onto the contract's (case and surrounding blanks ignored)."""
    clean = [n.strip().lstrip("\ufeff").strip().lower() for n in names]
    seen: set[str] = set()
    for n in clean:
        if n in seen:
            raise InputError(str(file), "column name appears twice", column=n)
        seen.add(n)
    for col in contract.required_columns:
        if col not in seen:
            raise InputError(
                str(file), f"required column is missing (found: {', '.join(clean)})", column=col
            )
    known = set(contract.column_names)
    staged.ignored_columns += [
        n for n in clean if n not in known and n not in staged.ignored_columns
    ]
    return dict(zip(names, clean, strict=True))


def _to_batch(
    columns: dict[str, pa.Array], contract: Contract, schema: pa.Schema, file: Path, rows: pa.Array
) -> pa.RecordBatch:
    n = len(rows)
    # text is trimmed and a blank is null once here, rather than in every pass of the engine
    arrays = [
        clean_text(columns[c], schema.field(c).type)
        if c in columns and is_text(schema.field(c).type)
        else columns.get(c, pa.nulls(n, schema.field(c).type))
        for c in contract.column_names
    ]
    arrays += [pa.repeat(pa.scalar(str(file)), n), rows]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _csv(
    file: Path,
    contract: Contract,
    schema: pa.Schema,
    staged: Staged,
    rejects: list[dict[str, object]],
    fmt: str,
) -> Iterator[pa.RecordBatch]:
    delimiter = "\t" if fmt == "tsv" else ","
    header = _read_header(file, delimiter)
    mapping = _match_header(header, contract, file, staged)
    bad_rows: set[int] = set()

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad_rows.add(row.number)
        rejects.append(
            {
                "source": contract.name,
                "_file": str(file),
                "_row": row.number,
                "record": row.text[:2000],
                "reasons": f"row has {row.actual_columns} fields, the header has "
                f"{row.expected_columns}",
            }
        )
        return "skip"

    try:
        reader = pacsv.open_csv(
            file,
            read_options=pacsv.ReadOptions(
                column_names=header, skip_rows=1, use_threads=False, block_size=16 << 20
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                invalid_row_handler=on_invalid,
                ignore_empty_lines=False,
                newlines_in_values=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=True,
                null_values=[""],
                quoted_strings_can_be_null=True,
            ),
        )
        next_row = 2
        for batch in reader:
            rows, next_row = _row_numbers(batch.num_rows, next_row, bad_rows)
            cols = {mapping[n]: batch.column(i) for i, n in enumerate(header)}
            yield _to_batch(cols, contract, schema, file, rows)
    except pa.ArrowInvalid as e:
        raise _arrow_error(file, header, e) from None


def _row_numbers(n: int, start: int, skipped: set[int]) -> tuple[pa.Array, int]:
    """Spreadsheet row numbers of the next ``n`` good rows, stepping over rejected ones."""
    ahead = sorted(r for r in skipped if r >= start)
    numbers = np.arange(start, start + n + len(ahead), dtype=np.int64)
    if ahead:
        numbers = numbers[~np.isin(numbers, ahead)]
    numbers = numbers[:n]
    return pa.array(numbers), int(numbers[-1]) + 1 if n else start


def _read_header(file: Path, delimiter: str) -> list[str]:
    try:
        with file.open("rb") as fh:
            first = fh.readline(1 << 20)
    except OSError as e:
        raise InputError(str(file), f"cannot be read: {e.strerror}") from None
    try:
        line = first.decode("utf-8").lstrip("\ufeff").rstrip("\r\n")
    except UnicodeDecodeError:
        raise InputError(
            str(file), "the header is not UTF-8 text (save the file as UTF-8)", row=1
        ) from None
    if not line.strip():
        raise InputError(str(file), "the file is empty or has no header row", row=1)
    return [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]


def _arrow_error(file: Path, header: list[str], e: Exception) -> InputError:
    text = str(e)
    m = re.search(r"CSV column #(\d+)", text)
    column = header[int(m.group(1))] if m and int(m.group(1)) < len(header) else None
    if "UTF8" in text or "UTF-8" in text:
        return InputError(str(file), "is not UTF-8 text (save the file as UTF-8)", column=column)
    return InputError(str(file), f"cannot be parsed: {text.splitlines()[0]}", column=column)


def _parquet(
    file: Path,
    contract: Contract,
    schema: pa.Schema,
    staged: Staged,
    rejects: list[dict[str, object]],
    fmt: str,
) -> Iterator[pa.RecordBatch]:
    try:
        pf = pq.ParquetFile(file)
    except (OSError, pa.ArrowInvalid) as e:
        raise InputError(str(file), f"is not a readable Parquet file: {e}") from None
    header = pf.schema_arrow.names
    mapping = _match_header(header, contract, file, staged)
    row = 1
    for batch in pf.iter_batches(batch_size=_BATCH_ROWS):
        cols = {
            mapping[n]: to_native(batch.column(i), staged.native[mapping[n]])
            if mapping[n] in staged.native
            else batch.column(i)
            if kept(mapping[n], schema)
            else as_text(batch.column(i))
            for i, n in enumerate(header)
        }
        rows = pa.array(np.arange(row, row + batch.num_rows, dtype=np.int64))
        row += batch.num_rows
        yield _to_batch(cols, contract, schema, file, rows)


def _jsonl(
    file: Path,
    contract: Contract,
    schema: pa.Schema,
    staged: Staged,
    rejects: list[dict[str, object]],
    fmt: str,
) -> Iterator[pa.RecordBatch]:
    mapping: dict[str, str] | None = None
    buffer: list[tuple[int, dict[str, object]]] = []
    try:
        with file.open("r", encoding="utf-8", newline="") as fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                reason = "line is not a JSON object"
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    obj, reason = None, f"not valid JSON: {e.msg}"
                if not isinstance(obj, dict):
                    rejects.append(
                        {
                            "source": contract.name,
                            "_file": str(file),
                            "_row": number,
                            "reasons": reason,
                            "record": line.strip()[:2000],
                        }
                    )
                    continue
                if mapping is None:
                    mapping = _match_header(list(obj), contract, file, staged)
                buffer.append((number, obj))
                if len(buffer) >= _BATCH_ROWS:
                    yield _json_batch(buffer, contract, schema, file)
                    buffer = []
    except UnicodeDecodeError:
        raise InputError(str(file), "is not UTF-8 text (save the file as UTF-8)") from None
    except OSError as e:
        raise InputError(str(file), f"cannot be read: {e.strerror}") from None
    if mapping is None and not rejects:
        raise InputError(str(file), "the file is empty")
    if buffer:
        yield _json_batch(buffer, contract, schema, file)


def _json_batch(
    buffer: list[tuple[int, dict[str, object]]], contract: Contract, schema: pa.Schema, file: Path
) -> pa.RecordBatch:
    keys: dict[str, None] = {}
    for _, obj in buffer:
        keys.update(dict.fromkeys(k.strip().lower() for k in obj))
    records = [{k.strip().lower(): _json_text(v) for k, v in obj.items()} for _, obj in buffer]
    cols = {k: pa.array([r.get(k) for r in records], pa.string()) for k in keys}
    rows = pa.array([n for n, _ in buffer], pa.int64())
    return _to_batch(cols, contract, schema, file, rows)


def _json_text(v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return v
    if isinstance(v, int | float):
        return repr(v) if isinstance(v, float) else str(v)
    return json.dumps(v, sort_keys=True)
