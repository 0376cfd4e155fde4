"""``python -m fitintent.demo OUT [--accounts N] [--seed S] [--stream --signals M]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from fitintent.demo._world import generate_world, stream_world


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m fitintent.demo", description="Write a demo world of SMB accounts."
    )
    parser.add_argument("out", type=Path, help="folder to write the world into")
    parser.add_argument("--accounts", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--period", default="2026-10")
    parser.add_argument("--months", type=int, default=28)
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument(
        "--stream", action="store_true", help="benchmark scale: Parquet parts, exact signal count"
    )
    parser.add_argument("--signals", type=int, default=100_000_000)
    args = parser.parse_args(argv)
    if args.stream:
        info = stream_world(
            args.out,
            accounts=args.accounts or 1_000_000,
            signals=args.signals,
            seed=args.seed,
            period=args.period,
            months=args.months,
        )
    else:
        info = generate_world(
            args.out,
            accounts=args.accounts or 20_000,
            seed=args.seed,
            period=args.period,
            months=args.months,
            fmt=args.format,
        )
    for source, rows in info.counts.items():
        print(f"{source:>14} {rows:>12,}")
    print(f"wrote {info.root} in {info.seconds:.1f} s (config {info.config.name})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
