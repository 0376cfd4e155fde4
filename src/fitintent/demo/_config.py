"""The ``fitintent.toml`` written next to a demo world, so the pipeline runs on it as it is."""

from __future__ import annotations

import json
from pathlib import Path

from fitintent.config import Config, ExtraColumn

EXTRA_FIRMOGRAPHICS: tuple[ExtraColumn, ...] = (
    ExtraColumn(name="revenue", type="double", min=0, description="Annual revenue (USD)"),
    ExtraColumn(name="it_budget", type="double", min=0, description="Annual IT budget (USD)"),
    ExtraColumn(
        name="founded_year",
        type="long",
        min=1800,
        max=2026,
        description="Year the company was founded",
    ),
    ExtraColumn(
        name="growth",
        type="double",
        min=-1,
        max=10,
        description="Head-count growth over the last year (0.1 = 10%)",
    ),
)


def _value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list):
        return json.dumps([str(x) for x in v])
    return json.dumps(str(v))  # a JSON string is a valid TOML basic string


def config_text(files: dict[str, str], *, title: str) -> str:
    """TOML text: paths relative to the file's folder, the default catalog, the demo's extra
    firmographic columns and where each source lives."""
    defaults = Config()
    lines = [
        f"# {title}",
        "",
        "[paths]",
        'workdir = "."',
        'sources = "sources"',
        "",
        "[fiscal]",
        f"start_month = {defaults.fiscal.start_month}",
        "",
    ]
    for p in defaults.products:
        lines += ["[[products]]"] + [f"{k} = {_value(v)}" for k, v in p.model_dump().items()]
        lines.append("")
    for c in EXTRA_FIRMOGRAPHICS:
        fields = c.model_dump(exclude_none=True)
        lines += ["[[extra_firmographics]]"] + [f"{k} = {_value(v)}" for k, v in fields.items()]
        lines.append("")
    lines += [
        "[sources]",
        "license_programs = " + json.dumps(defaults.sources.license_programs),
        "open_programs = " + json.dumps(defaults.sources.open_programs),
        "",
        "[sources.files]",
    ]
    lines += [f"{name} = {_value(path)}" for name, path in files.items()]
    return "\n".join(lines) + "\n"


def write_config(path: Path, files: dict[str, str], *, title: str) -> Path:
    path.write_text(config_text(files, title=title), encoding="utf-8")
    return path
