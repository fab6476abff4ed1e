"""Warm dated sweeps: a 10-day closure of each gate in a 60-day horizon.

    python tests/benchmarks/dated_sweep.py --sweep [--gates 0] [--cold 5] [--workers 2]
    python tests/benchmarks/dated_sweep.py --days 60 --gates 6 [--variant agg-window]

``--sweep`` measures issue 20's target 3 through ``borderflow.sweeps`` (:func:`sweep_measure`,
also ``run.py --only dated_sweep``), as docs/sweeps.md "Speed" defines it:

- *per scenario, warm*: the CPU seconds of the worker process for one scenario alone (bound
  changes, warm re-solve, pricing, its own routes, result tables; its folder's writing
  reported apart), the per-worker one-off setup (dataset, build, the reference's exact solve,
  column generation and kept pricing pass) excluded and reported as ``fixed_cpu_s``;
- *per scenario, cold*: the same for a sweep with ``warm=False``: a model built and solved
  for the scenario alone, with the same default options, as ``borderflow solve`` does (without
  its baseline, verification and folder);
- the ratio of the two over the same scenarios (``speedup_cpu_per_scenario``), and beside it
  the whole sweep's (wall / scenarios against the cold per-scenario CPU,
  ``speedup_whole_sweep``): the fixed costs, Dask's start-up and the tables are in it.

Without ``--sweep``, the direct LP (no pipeline):

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

#: the target-3 horizon and closure window
SWEEP_START, SWEEP_SHUT = dt.date(2023, 9, 15), (dt.date(2023, 10, 10), dt.date(2023, 10, 19))


def sweep_plan(days: int = 60, scenarios: int | None = None, gates: list | None = None):
    """The target-3 plan: the baseline and each open crossing closed 10-19 Oct (the first
    ``scenarios``, or the crossings ``gates``)."""
    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import CloseEvent, Horizon, Scenario, Window
    from borderflow.data.scenario_checks import Catalog
    from borderflow.sweeps import plan_scenarios

    tables = load_dataset(check_borders=False)
    horizon = Horizon(start=SWEEP_START, days=days)  # >= 35
    shut = Window(**{"from": SWEEP_SHUT[0], "to": SWEEP_SHUT[1]})
    if gates is None:
        gates = Catalog.of(tables).open_crossings()[:scenarios or None]
    return plan_scenarios([Scenario(name="baseline", horizon=horizon)]
                          + [Scenario(name=f"close-{g}", horizon=horizon,
                                      events=(CloseEvent(crossing=g, close=shut),))
                             for g in gates], tables=tables)


def _stats(values: list) -> dict:
    v = np.asarray(values, dtype=float)
    if not len(v):
        return {"mean": None, "median": None, "min": None, "max": None}
    return {"mean": float(v.mean()), "median": float(np.median(v)), "min": float(v.min()),
            "max": float(v.max())}


def sweep_measure(spec: dict) -> dict:
    """One sweep of the target-3 plan (``spec``: ``approach`` warm|cold, ``workers``,
    ``days``, ``scenarios`` or ``gates``), timed as the module docstring says.

    Returns
    -------
    dict
        ``total_s`` (wall of ``run_sweep``), ``per_scenario_s`` (wall / optimal scenarios),
        ``per_scenario_cpu_s`` (mean CPU s of a closure alone) with ``cpu_s`` per scenario,
        ``fixed_cpu_s`` (per worker that built a model), ``write_cpu_s`` (mean CPU s of
        writing a scenario's folder), ``objectives`` and ``routing``.
    """
    import tempfile

    from borderflow.sweeps import run_sweep

    plan = sweep_plan(spec.get("days", 60), spec.get("scenarios"), spec.get("gates"))
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = run_sweep(plan, out, workers=spec["workers"], warm=spec["approach"] == "warm")
        wall = time.perf_counter() - t0
    comp = res["comparison"].sort_values("scenario")
    comp = comp[comp["status"] == "optimal"]
    timing = res.timings
    closures = [n for n in comp["scenario"] if n != "baseline"]
    cpu = {n: timing[n]["cpu_s"] for n in closures if n in timing}
    return {"scenarios": len(comp), "failed": res.failed, "total_s": wall,
            "per_scenario_s": wall / max(1, len(comp)),
            "per_scenario_cpu_s": _stats(list(cpu.values()))["mean"],
            "per_scenario_cpu": _stats(list(cpu.values())),
            "cpu_s": cpu,
            "fixed_cpu_s": [t["setup_cpu_s"] for t in timing.values() if t["setup_cpu_s"]],
            "write_cpu_s": _stats([t["write_cpu_s"] for t in timing.values()])["mean"],
            "objectives": dict(zip(comp["scenario"], comp["objective_usd"])),
            "routing": dict(zip(comp["scenario"], comp["routing"]))}


def in_process_measure(gates: list, cold: list, days: int = 60) -> dict:
    """The per-scenario measure without Dask: one :class:`~borderflow.sweeps.worker.
    ModelCache` in this process solves the baseline (its setup timed apart) and each closure
    of ``gates`` warm, then each of ``cold`` cold (as a ``--cold`` sweep's worker does): the
    same per-scenario CPU seconds a sweep's worker reports, on a machine too loaded for the
    whole sweep."""
    from borderflow.sweeps.worker import Job, ModelCache, solve_job
    from derive import each_scenario_ratios

    plan = sweep_plan(days, gates=gates)
    cache = ModelCache(freeze=True)  # as on a Dask worker
    cache.setup()
    rows = {}
    for e in plan.entries:
        o = solve_job(Job(e.scenario, plan.structures[e.structure], True), cache)
        s = o.results.summary if o.results is not None else {}
        rows[o.name] = {"status": o.status, "cpu_s": o.cpu_seconds,
                        "setup_cpu_s": o.setup_cpu_seconds, "objective_usd":
                        o.solve.get("objective_usd"), "routing": s.get("routing"),
                        "routes_generated": (s.get("pricing") or {}).get("routes_generated")}
        print(json.dumps({"what": "warm", "name": o.name, **rows[o.name]}), flush=True)
    cold_rows = {}
    for g in cold:
        e = plan.entry(f"close-{g}")
        o = solve_job(Job(e.scenario, plan.structures[e.structure], False), ModelCache())
        cold_rows[o.name] = {"status": o.status, "cpu_s": o.cpu_seconds,
                             "objective_usd": o.solve.get("objective_usd")}
        print(json.dumps({"what": "cold", "name": o.name, **cold_rows[o.name]}), flush=True)
    closures = [n for n in rows if n != "baseline"]
    warm_cpu = [rows[n]["cpu_s"] for n in closures]
    same = list(cold_rows)
    started = started_setup(cache, plan.structures[plan.entries[0].structure])
    w = float(np.mean([rows[n]["cpu_s"] for n in same])) if same else None
    c = float(np.mean([cold_rows[n]["cpu_s"] for n in same])) if same else None
    return {"what": "in-process", "closures": len(closures),
            "fixed_cpu_s": rows["baseline"]["setup_cpu_s"], **started,
            "warm_cpu_per_scenario": _stats(warm_cpu),
            "rebuilt": [n for n in closures if rows[n]["routes_generated"]],
            "warm_cpu_no_route": _stats([rows[n]["cpu_s"] for n in closures
                                         if not rows[n]["routes_generated"]]),
            "warm_cpu_with_routes": _stats([rows[n]["cpu_s"] for n in closures
                                            if rows[n]["routes_generated"]]),
            "cold_sample": same, "warm_cpu_per_scenario_same_s": w,
            "cold_cpu_per_scenario_s": c, "speedup_cpu_per_scenario": c / w if same else None,
            "speedup_cpu_per_scenario_all": c / float(np.mean(warm_cpu)) if same else None,
            "per_scenario_speedups": {n: cold_rows[n]["cpu_s"] / rows[n]["cpu_s"]
                                      for n in same},
            **{k: v for k, v in each_scenario_ratios(
                {"cpu_s": {n: cold_rows[n]["cpu_s"] for n in same}},
                {"cpu_s": {n: rows[n]["cpu_s"] for n in same}}).items()
               if k != "speedup_each_scenario"},
            "max_rel_objective_diff": max((abs(rows[n]["objective_usd"]
                                               - cold_rows[n]["objective_usd"])
                                           / max(1.0, abs(cold_rows[n]["objective_usd"]))
                                           for n in same), default=None),
            "all_certified": all(r["routing"] == "certified" for r in rows.values())}


def started_setup(cache, structure) -> dict:
    """What a second worker pays to start from the first's
    :class:`~borderflow.sweeps.warm_start.WarmStart` (as a Dask sweep's other workers do):
    ``start_mb`` (pickled, as sent), ``start_make_cpu_s`` (making it on the first worker),
    ``started_setup_cpu_s`` (reading it back, assembling the model, the reference's pricing
    pass)."""
    import pickle

    from borderflow.sweeps.warm_start import from_kept
    from borderflow.sweeps.worker import ModelCache

    kept, _ = cache.model(structure)
    c0 = time.process_time()
    blob = pickle.dumps(from_kept(structure.key, kept), protocol=pickle.HIGHEST_PROTOCOL)
    made = time.process_time() - c0
    other = ModelCache()
    other.setup()
    c0 = time.process_time()
    other.model(structure, pickle.loads(blob))
    return {"start_mb": len(blob) / 1e6, "start_make_cpu_s": made,
            "started_setup_cpu_s": time.process_time() - c0}


def sweep_main(args) -> None:
    """``--sweep``: the warm sweep of ``--gates`` closures (0: all), then ``--cold`` of them
    cold (spread over the list), the ratios and the optima compared; one JSON line each."""
    import os

    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario_checks import Catalog

    from derive import each_scenario_ratios

    gates = Catalog.of(load_dataset(None, check_borders=False)).open_crossings()
    gates = gates if args.gates == 0 else gates[:args.gates]
    if args.gate_list:  # these closures only, in this order
        gates = [g for g in args.gate_list.split(",") if g]
    load = os.getloadavg()
    if args.in_process:
        cold = [g for g in args.cold_gates.split(",") if g] if args.cold_gates else \
            gates[::max(1, len(gates) // max(1, args.cold))][:args.cold]
        out = in_process_measure(gates, cold, args.days)
        print(json.dumps({**out, "loadavg_start": load, "loadavg_end": os.getloadavg()}),
              flush=True)
        return
    warm = sweep_measure({"approach": "warm", "workers": args.workers, "days": args.days,
                          "gates": gates})
    print(json.dumps({"what": "warm", "loadavg": load, **warm}), flush=True)
    sample = gates[::max(1, len(gates) // args.cold)][:args.cold] if args.cold else []
    if not sample:
        return
    load = os.getloadavg()
    cold = sweep_measure({"approach": "cold", "workers": args.workers, "days": args.days,
                          "gates": sample})
    print(json.dumps({"what": "cold", "loadavg": load, **cold}), flush=True)
    same = [n for n in cold["cpu_s"] if n in warm["cpu_s"]]
    diff = max(abs(warm["objectives"][n] - cold["objectives"][n])
               / max(1.0, abs(cold["objectives"][n])) for n in [*same, "baseline"])
    w = float(np.mean([warm["cpu_s"][n] for n in same]))
    c = float(np.mean([cold["cpu_s"][n] for n in same]))
    print(json.dumps({
        "what": "ratios", "scenarios": warm["scenarios"], "cold_sample": same,
        "warm_cpu_per_scenario_same_s": w, "warm_cpu_per_scenario_all_s":
        warm["per_scenario_cpu_s"], "cold_cpu_per_scenario_s": c,
        "speedup_cpu_per_scenario": c / w,
        "speedup_cpu_per_scenario_all": c / warm["per_scenario_cpu_s"],
        "per_scenario_speedups": {n: cold["cpu_s"][n] / warm["cpu_s"][n] for n in same},
        **{k: v for k, v in each_scenario_ratios(cold, warm).items()
           if k != "speedup_each_scenario"},
        "speedup_whole_sweep_target": cold["per_scenario_s"] / warm["per_scenario_s"],
        "fixed_cpu_s": warm["fixed_cpu_s"], "whole_sweep_wall_per_scenario_s":
        warm["per_scenario_s"], "speedup_whole_sweep": c / warm["per_scenario_s"],
        "max_rel_objective_diff": diff}), flush=True)


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
    ap.add_argument("--sweep", action="store_true",
                    help="through borderflow.sweeps: per-scenario and whole-sweep measure")
    ap.add_argument("--cold", type=int, default=5, help="--sweep: closures solved cold")
    ap.add_argument("--workers", type=int, default=2, help="--sweep: Dask workers")
    ap.add_argument("--in-process", action="store_true",
                    help="--sweep: one worker's cache in this process (no Dask)")
    ap.add_argument("--cold-gates", default="", help="--sweep: these closures cold")
    ap.add_argument("--gate-list", default="",
                    help="--sweep: these closures warm (comma-separated; instead of --gates)")
    args = ap.parse_args()
    if args.sweep:
        sys.path.insert(0, str(HERE.parent.parent))
        return sweep_main(args)
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
