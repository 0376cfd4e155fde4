"""The user's reference for bringing their own data, rendered from the contracts themselves."""

from __future__ import annotations

import csv
import io

from fitintent.config import Config
from fitintent.contracts._schema import Contract
from fitintent.contracts._sources import contracts

_INTRO = """\
# Bringing your own data: the sources

This page is generated from the source contracts (`make docs`); a test fails when it is stale.

Put one file per source in the sources folder (`[paths] sources` in the configuration), named
after the source: `accounts.csv`, `accounts.tsv`, `accounts.parquet` or `accounts.jsonl`, or a
folder `accounts/` of such files (monthly drops, parts). Another name or place can be set per
source in `[sources.files]`. Files are UTF-8; CSV and TSV have a header row; column names are
matched ignoring case and surrounding blanks. Columns not listed here are ignored and reported,
except the extra firmographic columns you declare under `[[extra_firmographics]]`, which are
checked like the others and used by the models.

Every row is either **loaded** or **quarantined** with all the reasons that apply, and each run
reports, per source, rows in = rows loaded + rows quarantined. Rows are numbered as a spreadsheet
shows them (in CSV/TSV the header is row 1; in JSONL and Parquet the first record is row 1).
A file that cannot be used at all (unreadable, not UTF-8, a required column missing, a column
name twice) stops the run with an error naming the file and column, and nothing is published.

Common rules:
- blank values and values of only spaces are empty; surrounding spaces are trimmed;
- whole numbers and numbers are plain (`1200`, `1200.50`, `-3e2`), no thousands separators;
- dates are `YYYY-MM-DD`; timestamps `YYYY-MM-DD HH:MM:SS` (a `T` and a trailing `Z` are accepted),
  in UTC;
- booleans are `true`/`false` (also `yes`/`no`, `y`/`n`, `t`/`f`, `1`/`0`, any case);
- a key may appear once per source: a later row with a loaded key is quarantined;
- references point at rows that were *loaded*, so a row whose account was quarantined is
  quarantined too, with the reason.

Sources load in this order: {order}.
"""


def render(cfg: Config | None = None) -> str:
    cfg = cfg or Config()
    cs = contracts(cfg)
    parts = [_INTRO.format(order=" -> ".join(c.name for c in cs))]
    parts += [_section(c) for c in cs]
    return "\n".join(parts).rstrip() + "\n"


def _section(c: Contract) -> str:
    lines = [
        f"## {c.name}",
        "",
        c.doc,
        "",
        f"Grain: {c.grain}. Cadence: {c.cadence}. Key: {', '.join(c.key)}."
        + (
            " Each file is a delivery: a file loaded by an earlier run and unchanged since is "
            "carried over, not checked again; a key already loaded from an earlier file stays "
            "and a later row repeating it is quarantined."
            if c.by_file
            else ""
        ),
        "",
    ]
    lines += ["| column | type | required | rules | meaning |", "|---|---|---|---|---|"]
    for col in c.columns:
        rules = [r for r in col.rules() if r != "required" and not r.startswith("type ")]
        lines.append(
            f"| `{col.name}` | {col.type} | {'yes' if col.required else ''} | "
            f"{_cell('; '.join(rules))} | {_cell(col.doc)} |"
        )
    rules = [f"- {r.describe()}" for r in c.references]
    rules += [f"- {chk.message} -> quarantined (`{chk.bad_when}`)" for chk in c.checks]
    if rules:
        lines += ["", "Row rules:", *rules]
    lines += ["", "Example:", "", "```csv", _example(c).rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _example(c: Contract) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(c.column_names)
    w.writerow([col.example for col in c.columns])
    return buf.getvalue()
