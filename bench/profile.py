"""Where a profiled task spent its time: ``python -m bench.profile <result.prof> [more.prof]``.

``python -m bench --profile ingest,segment`` leaves ``<scratch>/tasks/<stage>/result.prof``. This
groups the profile's own time (``tottime``) by who spent it: DuckDB executing SQL (native, the
work itself), sqlglot/sqlframe turning DataFrame steps into SQL (planning), pyarrow (staging and
Parquet I/O outside DuckDB), fitintent's own Python, and the rest; then lists the heaviest calls.
"""

from __future__ import annotations

import pstats
import sys
from collections import defaultdict
from pathlib import Path

GROUPS = (
    ("duckdb (native SQL execution)", ("duckdb",)),
    ("sqlglot (SQL building, optimising, rendering)", ("sqlglot",)),
    ("sqlframe (DataFrame API layer)", ("sqlframe",)),
    ("pyarrow (reading, casting, writing)", ("pyarrow", "parquet")),
    ("pydantic/config", ("pydantic",)),
    ("fitintent", ("fitintent",)),
    ("pandas/numpy", ("pandas", "numpy")),
)


def _group(file: str, name: str) -> str:
    where = f"{file} {name}".lower()
    for label, keys in GROUPS:
        if any(k in where for k in keys):
            return label
    return "other Python"


def breakdown(path: Path, top: int = 15) -> str:
    stats = pstats.Stats(str(path))
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values())
    groups: dict[str, float] = defaultdict(float)
    for (file, _, name), (_, _, tottime, _, _) in raw.items():
        groups[_group(file, name)] += tottime
    lines = [f"{path}: {total:.2f} s of profiled time"]
    for label, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        lines.append(f"  {seconds:8.2f} s  {100 * seconds / total:5.1f}%  {label}")
    lines.append("  heaviest calls (own time / cumulative / calls):")
    heavy = sorted(raw.items(), key=lambda kv: -kv[1][2])[:top]
    for (file, line, name), (_, ncalls, tottime, cumtime, _) in heavy:
        where = f"{Path(file).name}:{line}" if file != "~" else "builtin"
        lines.append(f"  {tottime:8.2f} s {cumtime:8.2f} s {ncalls:>9}  {name} ({where})")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    for p in argv:
        print(breakdown(Path(p)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
