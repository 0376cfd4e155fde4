"""Sources that grow by delivery (signals): each file is held to its contract once, then carried.

A file of such a source that an earlier run loaded, and that has not changed since (same size and
modification time), is not staged or validated again: its loaded rows and its quarantine stay in
``<warehouse>/_carried/<source>/<entry>/`` and every later run reads them as they are. Only new
files go through the contract, together (one *entry* per run), their keys checked against the
rows already carried: a key already loaded stays, the later delivery's row is quarantined
("duplicate key ...: already loaded from row N of <file>"). Carried rows are held again to this
run's references, so an account dropped since quarantines its signals as a fresh ingest would.
If any carried file changed or disappeared, the source is ingested afresh.

An entry is written under a temporary name and renamed; the index, written last, is replaced
atomically: a run killed at any point leaves the carried rows as the last complete run left them.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fitintent.contracts import Contract
from fitintent.engine import DataFrame, Engine, F
from fitintent.ingest._read import stage
from fitintent.ingest._validate import (
    QUARANTINE_COLUMNS,
    missing_reference,
    reference_keys,
    reference_matches,
    rows_written,
    typed_record,
    validate,
)

_INDEX = "index.json"


@dataclass
class Entry:
    """The files one run loaded, and what became of their rows."""

    id: str
    files: list[dict[str, Any]]  # path, size, mtime_ns
    rows_in: int
    loaded: int
    quarantined: int
    ignored_columns: list[str] = field(default_factory=list)


@dataclass
class Carried:
    """A grown source as this run sees it: its table, every file, and the counts (rows in =
    loaded + quarantined, over every file, carried or new)."""

    table: DataFrame
    files: list[str]
    rows_in: int
    loaded: int
    quarantined: int
    carried_rows: int  # rows in of the files carried from earlier runs
    ignored_columns: list[str]


def file_stat(f: Path) -> dict[str, Any]:
    """What tells a changed file from the one seen before: path, size and modification time."""
    st = f.stat()
    return {"path": str(f), "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _index(folder: Path) -> dict[str, Any]:
    """The folder's index: its entries and the key its references were last checked against."""
    index = folder / _INDEX
    return json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}


def _entries(folder: Path, index: dict[str, Any], files: list[Path]) -> list[Entry]:
    """The carried entries, if every file they hold is still there unchanged; else none: the
    source is then ingested afresh. Entries the index no longer lists (a run killed before its
    index was written, or an earlier generation) are removed here, a run after they went out of
    use, so that the tables a previous ingest handed out stay readable until then."""
    entries = [Entry(**e) for e in index.get("entries", [])]
    now = {str(f): file_stat(f) for f in files}
    if not all(now.get(f["path"]) == f for e in entries for f in e.files):
        return []  # the index is rewritten with the fresh entry; the old ones go next run
    listed = {e.id for e in entries}
    for stray in folder.iterdir():
        if stray.is_dir() and stray.name not in listed:
            shutil.rmtree(stray)
    return entries


def _write_index(folder: Path, entries: list[Entry], checked: str) -> None:
    tmp = folder / f".{_INDEX}.{uuid.uuid4().hex[:8]}"
    body = {"references_checked": checked, "entries": [e.__dict__ for e in entries]}
    tmp.write_text(json.dumps(body, indent=1), encoding="utf-8")
    os.replace(tmp, folder / _INDEX)


def carry(
    eng: Engine,
    contract: Contract,
    files: list[Path],
    parents: dict[str, DataFrame],
    root: Path,
    out: Path,
    inputs: str = "",
) -> Carried:
    """Load ``contract``'s ``files``, validating only those no earlier run carried; the run's
    quarantine of the source (carried and new) is written to ``out/_quarantine/<source>``.
    ``inputs`` keys what the referenced tables were loaded from (their files and the rules):
    carried rows are held again to the references only when it changed since they last were."""
    folder = root / contract.name
    folder.mkdir(parents=True, exist_ok=True)
    index = _index(folder)
    recheck = not inputs or str(index.get("references_checked", "")) != inputs
    entries = _entries(folder, index, files)
    known = {f["path"] for e in entries for f in e.files}
    new = [f for f in files if str(f) not in known]
    carried_rows = sum(e.rows_in for e in entries)
    earlier = [e.id for e in entries]
    added = bool(new or not entries)
    if added:  # no file at all makes an empty entry: the table still exists
        entries.append(_load_new(eng, contract, new, parents, folder, entries, out))
    quarantines = [eng.read_table(folder / e.id / "quarantine") for e in entries]
    loaded = [folder / e.id / "loaded" for e in entries]
    orphans = None
    if recheck:
        orphans = _orphans(eng, contract, [folder / i / "loaded" for i in earlier], parents, out)
    if recheck or added:
        # orphans are quarantined by every run, so they are only skipped when there were none
        _write_index(folder, entries, inputs if orphans is None else "")
    rows = _union([eng.read_table(p) for p in loaded])
    if orphans is not None:
        held = eng.read_table(orphans).select(
            F.col("_file").alias("_o_file"), F.col("_row").alias("_o_row")
        )
        on = (F.col("_file") == F.col("_o_file")) & (F.col("_row") == F.col("_o_row"))
        rows = rows.join(held, on=on, how="left_anti")
        quarantines.append(eng.read_table(orphans))
    bad = out / "_quarantine" / contract.name
    eng.write_table(_union([q.select(*QUARANTINE_COLUMNS) for q in quarantines]), bad)
    n_orphans = rows_written(orphans) if orphans is not None else 0
    return Carried(
        table=rows.select(*contract.column_names),
        files=[str(f) for f in files],
        rows_in=sum(e.rows_in for e in entries),
        loaded=sum(e.loaded for e in entries) - n_orphans,
        quarantined=sum(e.quarantined for e in entries) + n_orphans,
        carried_rows=carried_rows,
        ignored_columns=sorted({c for e in entries for c in e.ignored_columns}),
    )


def _union(frames: list[DataFrame]) -> DataFrame:
    out = frames[0]
    for f in frames[1:]:
        out = out.unionByName(f)
    return out


def _load_new(
    eng: Engine,
    contract: Contract,
    files: list[Path],
    parents: dict[str, DataFrame],
    folder: Path,
    entries: list[Entry],
    out: Path,
) -> Entry:
    """Stage and validate the new files into a new entry (renamed into place when complete)."""
    entry_id = f"e{len(entries):04d}-{uuid.uuid4().hex[:8]}"
    tmp = folder / f".{entry_id}"
    work = out / "_staged" / contract.name
    staged = stage(contract, files, work)
    prior = None
    if entries:
        prior = _union(
            [
                eng.read_table(folder / e.id / "loaded").select(*contract.key, "_file", "_row")
                for e in entries
            ]
        )
    validate(
        eng,
        contract,
        eng.read_table(staged.rows_dir),
        parents,
        tmp / "loaded",
        tmp / "quarantine",
        work,
        frozenset(staged.native),
        lineage=True,
        prior=prior,
    )
    shutil.copy(staged.rejects_dir / "part-00000.parquet", tmp / "quarantine" / "rejects.parquet")
    entry = Entry(
        entry_id,
        [file_stat(f) for f in files],
        staged.rows_in,
        rows_written(tmp / "loaded"),
        rows_written(tmp / "quarantine"),
        staged.ignored_columns,
    )
    if entry.rows_in != entry.loaded + entry.quarantined:  # a defect of ours: stop loudly
        raise RuntimeError(f"{contract.name}: new files do not reconcile ({entry})")
    os.replace(tmp, folder / entry_id)
    return entry


def _orphans(
    eng: Engine,
    contract: Contract,
    loaded: list[Path],
    parents: dict[str, DataFrame],
    out: Path,
) -> Path | None:
    """Carried rows whose references this run's parents no longer hold, as quarantine rows
    (``out/_orphans/<source>``); None when there are none."""
    refs = [(i, r) for i, r in enumerate(contract.references) if r.source in parents]
    if not loaded or not refs:
        return None
    rows = _union([eng.read_table(p) for p in loaded])
    # the rows that miss a reference are found on their keys alone (the check reads no text);
    # their reasons and records are written only for them, usually none
    linked = {c for _, ref in refs for c in ref.columns}
    narrow = rows.select(*sorted(linked), "_file", "_row")
    for i, ref in refs:
        keys = reference_keys(parents[ref.source], ref, i)
        narrow = narrow.join(keys, on=reference_matches(ref, i), how="left")
    reasons = [missing_reference(ref, i) for i, ref in refs]
    missed = narrow.select(
        F.col("_file").alias("_m_file"),
        F.col("_row").alias("_m_row"),
        F.concat_ws("; ", *reasons).alias("reasons"),
    ).where(F.col("reasons") != F.lit(""))
    found = eng.write_table(missed, out / "_orphans" / f"{contract.name}-keys")
    if not rows_written(found):
        return None
    on = (F.col("_file") == F.col("_m_file")) & (F.col("_row") == F.col("_m_row"))
    bad = rows.join(eng.read_table(found), on=on, how="inner").select(
        F.lit(contract.name).alias("source"),
        "_file",
        "_row",
        "reasons",
        typed_record(contract).alias("record"),
    )
    path = eng.write_table(bad, out / "_orphans" / contract.name)
    return path if rows_written(path) else None
