"""Time an N-1 sweep on the embedded dataset (static, annual average): warm re-solves on one
model per worker vs a cold build and solve per scenario, on 1 and 2 workers.

    python tools/bench_sweep.py [--workers 1 2] [--modes warm cold] [--out runs/bench-sweep]

Prints one line per run (wall seconds for the whole sweep, Dask start-up included; mean
seconds per scenario on a worker) and checks that every run gives the same comparison table
(all columns but the wall-clock ``solve_seconds``).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from borderflow.sweep import partition, plan_n_minus_1, run_sweep


def main() -> None:
    """Run the sweeps asked for and print their timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--modes", nargs="+", default=["warm", "cold"], choices=["warm", "cold"])
    ap.add_argument("--out", type=Path, default=Path("runs/bench-sweep"))
    args = ap.parse_args()
    plan = plan_n_minus_1()
    print(f"N-1: {len(plan.entries)} scenarios (baseline + {len(plan.entries) - 1} closures)")
    tables = {}
    for mode in args.modes:
        for workers in args.workers:
            out = args.out / f"{mode}-{workers}w"
            t0 = time.perf_counter()
            res = run_sweep(plan, out, workers=workers, warm=mode == "warm", progress=False)
            wall = time.perf_counter() - t0
            per = [json.loads((partition(out, n) / "summary.json").read_text())["wall_seconds"]
                   for n in plan.names()]
            print(f"{mode:4s} {workers} worker(s): {wall:7.1f} s in all, "
                  f"{sum(per) / len(per):5.2f} s per scenario on a worker, "
                  f"{res.models_built} model(s) built, {res.failed} failed", flush=True)
            tables[(mode, workers)] = res["comparison"].drop(columns="solve_seconds")
    first, *rest = tables.values()
    for key, df in zip(list(tables)[1:], rest):
        same = df.drop(columns=["iterations", "warm_start"]).round(6).equals(
            first.drop(columns=["iterations", "warm_start"]).round(6))
        print(f"comparison of {key} equals the first run's (to 1e-6): {same}")


if __name__ == "__main__":
    main()
