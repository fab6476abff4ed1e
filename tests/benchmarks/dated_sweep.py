"""Warm dated sweeps on the direct LP: a 10-day closure of each gate in a 60-day horizon.

    python tests/benchmarks/dated_sweep.py --days 60 --gates 6 [--variant agg-window]

The base LP (the horizon from ``--start``; routes capped as a dated run caps them and, with
``--keep-all-gates``, each open crossing's best route per origin and product kept as a sweep
naming every gate keeps them: 15,796 pairs instead of 358 on the embedded dataset) is built and
solved once (interior point + crossover: a basis), every scenario has the same structure.
Each scenario then closes one gate, both directions, from ``--closed`` for ``--closed-days``:

- ``warm``: the capacity rows of those gate-days get upper bound 0 and every column counted in
  them as a loaded truck upper bound 0 (as ``bound_updates`` does), the base basis is set and
  the dual simplex re-solves; then the bounds are put back;
- ``cold``: the scenario's network is built with the closure, the LP written afresh and
  solved as the pipeline solves a dated run (interior point + crossover).

Both optima are compared (``rel_diff``, must be below 1e-6); ``speedup`` is cold (build +
solve) over warm (bounds + solve). Times are wall seconds and CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def closure_bounds(d, gate: str, first_day: int, last_day: int):
    """Capacity rows of ``gate`` on days ``first_day .. last_day`` and the columns they count
    as loaded trucks (HiGHS indices)."""
    keys = d.cap_keys
    sel = np.flatnonzero((keys["crossing_id"] == gate).to_numpy()
                         & (keys["period"] >= first_day).to_numpy()
                         & (keys["period"] <= last_day).to_numpy())
    rows = d.rows["capacity"][0] + sel
    cols = np.unique(d.loaded["col"].to_numpy()[np.isin(d.loaded["cap_row"].to_numpy(), sel)])
    return rows.astype(np.int32), cols.astype(np.int32)


def main() -> None:
    """Solve the base once, then each closure warm and cold; print one JSON line each."""
    sys.path.insert(0, str(HERE))
    import dated_profile as prof
    import direct_dated as dd
    from borderflow.data.scenario import CloseEvent, Window
    from borderflow.data.scenario_checks import Catalog

    from borderflow.data.dataset import load_dataset

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2023, 9, 15))
    ap.add_argument("--closed", type=dt.date.fromisoformat, default=dt.date(2023, 10, 10))
    ap.add_argument("--closed-days", type=int, default=10)
    ap.add_argument("--gates", type=int, default=6, help="how many gates (0: all open ones)")
    ap.add_argument("--variant", default="agg-window", choices=sorted(prof.VARIANTS))
    ap.add_argument("--no-cold", action="store_true", help="warm re-solves only")
    ap.add_argument("--keep-all-gates", action="store_true",
                    help="keep every open crossing's best routes (as a dated sweep plan does)")
    ap.add_argument("--base", default="ipm", choices=["ipm", "roll-crossover"],
                    help="how the base LP is solved")
    args = ap.parse_args()
    variant = dd.Variant(**prof.VARIANTS[args.variant])
    gates = sorted(Catalog.of(load_dataset(None, check_borders=False)).open_crossings())
    chosen = gates if args.gates == 0 else gates[::max(1, len(gates) // args.gates)][:args.gates]
    first = (args.closed - args.start).days
    last = first + args.closed_days - 1
    if first < 0 or last >= args.days:
        ap.error(f"--closed {args.closed} + {args.closed_days} days is not inside the horizon "
                 f"of {args.days} days from {args.start}")
    window = Window(**{"from": args.closed,
                       "to": args.closed + dt.timedelta(days=args.closed_days - 1)})

    t0, c0 = time.perf_counter(), time.process_time()
    kept = tuple(gates) if args.keep_all_gates else ()
    net, routes = dd.inputs(args.days, start=args.start, keep_gates=kept)
    d = dd.build(net, routes, variant)
    base_build = (time.perf_counter() - t0, time.process_time() - c0)
    if args.base == "ipm":
        h = dd.load(d.lp)
        base = prof.run_with_phases(h)
    else:
        import dated_strategies as ds

        c1 = time.process_time()
        roll = ds.rolling(d.lp, ds.column_days(d), 14, 4)
        h, base = ds.exact_from_rolling(d.lp, roll, "crossover", handle=True)
        base["solve_cpu_s"] = time.process_time() - c1
    basis = h.getBasis()
    print(json.dumps({"what": "base", "days": args.days, "variant": args.variant,
                      "pairs": len(d.pairs), "open_crossings": len(gates), **d.size,
                      "build_s": base_build[0], "build_cpu_s": base_build[1], **base}),
          flush=True)
    h.setOptionValue("solver", "simplex")
    col_up = np.asarray(d.lp.col_upper_)
    row_up = np.asarray(d.lp.row_upper_)
    for gate in chosen:
        t1, c1 = time.perf_counter(), time.process_time()
        rows, cols = closure_bounds(d, gate, first, last)
        h.clearSolver()
        h.setBasis(basis)
        h.changeRowsBounds(len(rows), rows, np.full(len(rows), -np.inf), np.zeros(len(rows)))
        h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
        bounds = (time.perf_counter() - t1, time.process_time() - c1)
        warm = prof.run_with_phases(h)
        h.changeRowsBounds(len(rows), rows, np.full(len(rows), -np.inf), row_up[rows])
        h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), col_up[cols])
        row = {"what": "closure", "gate": gate, "rows": len(rows), "cols": len(cols),
               "warm_bounds_s": bounds[0], "warm_solve_s": warm["solve_s"],
               "warm_cpu_s": bounds[1] + warm["solve_cpu_s"],
               "warm_iterations": warm["simplex_iterations"],
               "warm_objective_usd": warm["objective_usd"]}
        if not args.no_cold:
            t2, c2 = time.perf_counter(), time.process_time()
            net_c, routes_c = dd.inputs(args.days, start=args.start, keep_gates=kept,
                                        events=(CloseEvent(crossing=gate, close=window),))
            hc = dd.load(dd.build(net_c, routes_c, variant).lp)
            build = (time.perf_counter() - t2, time.process_time() - c2)
            cold = prof.run_with_phases(hc)
            row.update(cold_build_s=build[0], cold_solve_s=cold["solve_s"],
                       cold_cpu_s=build[1] + cold["solve_cpu_s"],
                       cold_objective_usd=cold["objective_usd"],
                       rel_diff=(warm["objective_usd"] - cold["objective_usd"])
                       / abs(cold["objective_usd"]),
                       speedup=(build[0] + cold["solve_s"]) / (bounds[0] + warm["solve_s"]),
                       speedup_cpu=row["warm_cpu_s"] and (build[1] + cold["solve_cpu_s"])
                       / row["warm_cpu_s"])
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
