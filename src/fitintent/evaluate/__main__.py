"""``python -m fitintent.evaluate``: the acceptance backtest on demo worlds."""

from __future__ import annotations

import argparse
import sys

from fitintent.evaluate._acceptance import acceptance


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fitintent.evaluate")
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--seeds", default="7,8,9")
    parser.add_argument("--out", default="work/acceptance")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    table = acceptance(
        args.out, seeds=seeds, accounts=args.accounts, progress=lambda m: print(m, flush=True)
    )
    print(table.to_string(index=False))
    met = table[["lift_met", "auc_met", "oracle_met"]].all(axis=None)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
