"""``python -m fitintent.contracts [FILE]`` writes the sources reference (docs/sources.md)."""

import sys
from pathlib import Path

from fitintent.contracts._docs import render

target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/sources.md")
target.parent.mkdir(parents=True, exist_ok=True)
target.write_text(render(), encoding="utf-8")
print(f"wrote {target}")
