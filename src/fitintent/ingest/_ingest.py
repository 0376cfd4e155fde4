"""Ingest: every source file staged, held to its contract, loaded or quarantined; counts reconcile.

Sources load in contract order so that references (an account's partner, a transaction's
account) are checked against rows that were actually loaded.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyarrow as pa

from fitintent.config import Config
from fitintent.contracts import Contract, contracts
from fitintent.engine import DataFrame, Engine
from fitintent.errors import InputError
from fitintent.ingest._carry import carry, file_stat
from fitintent.ingest._read import Staged, find_files, stage
from fitintent.ingest._validate import QUARANTINE_COLUMNS, rows_written, validate

REQUIRED_SOURCES = ("partners", "locations", "accounts")


@dataclass
class Reconciliation:
    """Rows in = rows loaded + rows quarantined, per source."""

    source: str
    files: list[str] = field(default_factory=list)
    rows_in: int = 0
    loaded: int = 0
    quarantined: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    carried: int = 0  # rows in of files checked by an earlier run and carried over

    @property
    def balanced(self) -> bool:
        return self.rows_in == self.loaded + self.quarantined


@dataclass
class Ingested:
    tables: dict[str, DataFrame]
    quarantine: DataFrame
    counts: list[Reconciliation]

    def reconciliation_table(self) -> pa.Table:
        # ``carried`` says how a run went, not what it holds: the manifest has it, the table not
        rows = [
            {
                **{k: v for k, v in asdict(c).items() if k != "carried"},
                "balanced": c.balanced,
                "files": "; ".join(c.files),
                "ignored_columns": ", ".join(c.ignored_columns),
            }
            for c in self.counts
        ]
        return pa.Table.from_pylist(
            rows,
            schema=pa.schema(
                [
                    ("source", pa.string()),
                    ("files", pa.string()),
                    ("rows_in", pa.int64()),
                    ("loaded", pa.int64()),
                    ("quarantined", pa.int64()),
                    ("ignored_columns", pa.string()),
                    ("balanced", pa.bool_()),
                ]
            ),
        )


def ingest(
    cfg: Config, eng: Engine, out: Path, on_source: Callable[[str], None] | None = None
) -> Ingested:
    """Load every source of ``cfg`` into ``out/<source>`` (Parquet); raise :class:`InputError`
    when a file is unusable, before anything is published."""
    folder = cfg.paths.source_dir
    if not folder.is_dir():
        raise InputError(str(folder), "the sources folder does not exist")
    order = contracts(cfg)
    # a thread reads and stages the files ahead of the checks: the reading is Python and Arrow
    # on one core, the checks the engine's on every core; errors still surface in source order
    with ThreadPoolExecutor(1, thread_name_prefix="stage") as ahead:
        staging = {
            c.name: ahead.submit(_stage, c, folder, cfg, out) for c in order if not c.by_file
        }
        try:
            return _load(cfg, eng, out, order, staging, on_source)
        finally:
            for job in staging.values():
                job.cancel()


def _files(contract: Contract, folder: Path, cfg: Config) -> list[Path]:
    return find_files(contract.name, folder, cfg.sources.files.get(contract.name))


def _stage(contract: Contract, folder: Path, cfg: Config, out: Path) -> tuple[list[Path], Staged]:
    files = _files(contract, folder, cfg)
    return files, stage(contract, files, out / "_staged" / contract.name)


def _load(
    cfg: Config,
    eng: Engine,
    out: Path,
    order: list[Contract],
    staging: dict[str, Future[tuple[list[Path], Staged]]],
    on_source: Callable[[str], None] | None,
) -> Ingested:
    folder = cfg.paths.source_dir
    loaded: dict[str, DataFrame] = {}
    counts: list[Reconciliation] = []
    seen: list[object] = []  # the files read so far: what the references check against
    for contract in order:
        if on_source:
            on_source(contract.name)
        if contract.by_file:
            files = _files(contract, folder, cfg)
        else:
            files, staged = staging[contract.name].result()
        own = [file_stat(f) for f in files]
        if not files and contract.name in REQUIRED_SOURCES:
            raise InputError(
                str(folder / f"{contract.name}.csv"),
                f"no file for the required source '{contract.name}' "
                "(.csv, .tsv, .parquet or .jsonl)",
            )
        if contract.by_file:
            inputs = _key([*seen, cfg.digest()])
            seen += own
            grown = carry(eng, contract, files, loaded, _carried_root(out, folder), out, inputs)
            loaded[contract.name] = grown.table
            counts.append(
                Reconciliation(
                    contract.name,
                    grown.files,
                    grown.rows_in,
                    grown.loaded,
                    grown.quarantined,
                    grown.ignored_columns,
                    grown.carried_rows,
                )
            )
            continue
        bad = out / "_quarantine" / contract.name
        validate(
            eng,
            contract,
            eng.read_table(staged.rows_dir),
            loaded,
            out / contract.name,
            bad,
            out / "_staged" / contract.name,
            frozenset(staged.native),
        )
        table = eng.read_table(out / contract.name)
        # rows the reader could not split into fields join the quarantine as they are
        shutil.copy(staged.rejects_dir / "part-00000.parquet", bad / "part-rejects.parquet")
        count = Reconciliation(
            contract.name,
            staged.files,
            staged.rows_in,
            rows_written(out / contract.name),
            rows_written(out / "_quarantine" / contract.name),
            staged.ignored_columns,
        )
        if not count.balanced:  # a defect of ours, never of the input: stop loudly
            raise RuntimeError(
                f"{contract.name}: {count.rows_in} rows in, {count.loaded} loaded, "
                f"{count.quarantined} quarantined"
            )
        loaded[contract.name] = table
        counts.append(count)
        seen += own
    quarantine = eng.read_table(out / "_quarantine" / "*")
    return Ingested(loaded, quarantine.select(*QUARANTINE_COLUMNS), counts)


def _carried_root(out: Path, sources: Path) -> Path:
    """Where the carried files of one sources folder live, beside the runs' warehouses (two
    sources folders never share or clear each other's)."""
    key = hashlib.blake2b(str(sources.resolve()).encode(), digest_size=6).hexdigest()
    return out.parent / "_carried" / key


def _key(parts: list[object]) -> str:
    return hashlib.blake2b(json.dumps(parts).encode(), digest_size=12).hexdigest()
