"""Benchmark of column-generation pricing (model/pricing.py, model/dated_pricing.py) on a dataset.

    python tests/benchmarks/pricing.py                      # embedded dataset, zero duals
    python tests/benchmarks/pricing.py --run runs/base      # also with that run's crossing duals
    python tests/benchmarks/pricing.py --dated-days 45      # also 45 dispatch days, zero duals

Prints one JSON object per measurement: ``bench`` (``pricing``), ``approach``
(``static-zero-duals``, ``static-run-duals``, ``dated-zero-duals``), ``seconds`` (median of
``--repeat`` passes over every origin and product, and dispatch day), and the pass's counts
(pairs, screened by the Dijkstra screen, searched by labels, labels, columns). The inputs are
read by the independent arc LP's table reader (tests/independent/arc_lp.py), so only the
pricing itself is timed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from borderflow.model.dated_pricing import DatedDuals, price_dated
from borderflow.model.pricing import StaticDuals, price_static
from pricing_cases import pricing_inputs


def _median(call, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = call()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> None:
    """Time full pricing passes and print them as JSON lines."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=None, help="dataset folder (default: embedded)")
    ap.add_argument("--run", type=Path, default=None,
                    help="a static run folder whose crossings.csv duals to price with")
    ap.add_argument("--dated-days", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args(argv)
    graph, products, sigma, closed = pricing_inputs(args.data)
    cases = [("static-zero-duals", StaticDuals(closed=closed, empty_return_share=sigma))]
    if args.run is not None:
        cr = pd.read_csv(args.run / "crossings.csv")
        mu = dict(zip(zip(cr["crossing_id"], cr["direction"]), cr["dual_usd_per_truck"]))
        cases.append(("static-run-duals", StaticDuals(capacity_usd_per_truck=mu, closed=closed,
                                                      empty_return_share=sigma)))
    for name, duals in cases:
        seconds, res = _median(lambda d=duals: price_static(graph, products, d), args.repeat)
        print(json.dumps({"bench": "pricing", "approach": name, "seconds": seconds,
                          **res.stats}))
    if args.dated_days:
        duals = DatedDuals.zeros(graph, args.dated_days + 21, empty_return_share=sigma,
                                 empty_return_days=2, waiting_cost_usd_per_truck_day=40.0,
                                 max_wait_days=14)
        seconds, res = _median(lambda: price_dated(graph, products, duals,
                                                   list(range(args.dated_days))), 1)
        print(json.dumps({"bench": "pricing", "approach": "dated-zero-duals",
                          "days": args.dated_days, "seconds": seconds, **res.stats}))


if __name__ == "__main__":
    main()
