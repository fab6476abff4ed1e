"""Scale past the region (issue 20, target 4): build and solve synthetic regions N x the
embedded dataset from a seed start of the routes, static and dated.

    python tests/benchmarks/region_scale.py OUT --scales 2 5 10 [--cases static dated]
        [--days 30] [--rounds 60] [--time-limit 600] [--closures 3]

``OUT/region-N`` holds the region's CSV tables (:func:`synthetic.write_region`: 56 N
crossings, about 250 N places, 15 N products). Each case runs in a fresh subprocess (its own
CPU seconds and peak memory, ``ru_maxrss``) and prints one JSON line:

- ``static``: the seed start (:mod:`borderflow.model.seed_routes`), the model built and solved,
  column generation up to ``--rounds`` rounds (``label``: ``certified``, or ``restricted``
  with its gap bound); then, on the kept model, ``--closures`` crossings closed one at a time
  (the busiest first), each re-solved warm from the kept basis and priced with its own duals
  as a sweep worker does (:func:`borderflow.sweeps.worker.solve_job`): seconds per closure
  (``cpu_s``, ``peak_mb``: up to the certified model; ``with_closures_*``: after them);
- ``dated``: a ``--days`` horizon from the seed start, solved as ``borderflow solve --routes
  seed`` solves it (``--method`` ``auto``: rolling windows, then the whole LP exact), with
  ``--time-limit``; an error (a time limit, a pricing label limit) is reported as it
  happened, with the seconds it took;
- ``windows``: the same horizon by rolling windows alone over the seed routes, not priced —
  an approximation, labelled ``approximation (windows over the seed routes, gap unknown)``:
  what a planner gets when the exact LP does not fit the time.

Times: ``*_s`` are wall seconds of a stage, ``cpu_s`` the subprocess's user + system seconds,
``peak_mb`` its maximum resident set. The machine is shared: run with ``nice -n 19`` and quote
``uptime`` beside the numbers.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _usage() -> dict:
    """CPU seconds (user + system) and peak resident memory (MB) of this process."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": round(ru.ru_utime + ru.ru_stime, 2), "peak_mb": round(ru.ru_maxrss / 1024)}


def _options(rounds: int, time_limit: float):
    from borderflow.model.column_generation import Pricing
    from borderflow.model.routes import RouteOptions
    from borderflow.options import RunOptions
    from borderflow.solvers.highs import SolverOptions

    return RunOptions(routes=RouteOptions(start="seed"),
                      pricing=Pricing(enabled=rounds > 0, max_rounds=rounds),
                      solver=SolverOptions(time_limit_s=time_limit))


def _label(routing) -> str:
    if routing.status == "certified":
        return "certified"
    return f"restricted ({routing.reason}; gap bound {routing.gap_bound_usd:,.2f} USD)"


def static_case(folder: Path, rounds: int, time_limit: float, closures: int) -> dict:
    """Seed, build, solve and price the static model; then warm closures on the kept one."""
    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Scenario
    from borderflow.model.formulation import bound_updates
    from borderflow.model.network import with_scenario
    from borderflow.pipeline import generate_columns, prepare, solve_session

    out: dict = {}
    t0 = time.perf_counter()
    tables = load_dataset(folder, check_borders=False)
    options = _options(rounds, time_limit)
    routes, solver = options.effective(False)
    t1 = time.perf_counter()
    model = prepare(tables, None, routes, solver, options.max_model_gb)
    t2 = time.perf_counter()
    summary = solve_session(model.session, model.built, model.net)
    t3 = time.perf_counter()
    model, summary, routing = generate_columns(model, summary, options, keep_input=False)
    t4 = time.perf_counter()
    out.update(load_s=round(t1 - t0, 2), seed_and_build_s=round(t2 - t1, 2),
               first_solve_s=round(t3 - t2, 2), pricing_loop_s=round(t4 - t3, 2),
               total_s=round(t4 - t0, 2), rounds=routing.rounds,
               seed_routes=model.routes.stats.get("seed_routes"),
               routes=len(model.routes.routes), route_products=len(model.routes.eligible),
               variables=summary.variables, constraints=summary.constraints,
               objective_usd_per_day=summary.objective_usd, label=_label(routing),
               gap_bound_usd=routing.gap_bound_usd, **_usage())
    # warm closures on the kept model: bounds, the kept basis, dual simplex, pricing
    basis = model.session.basis()
    crossings = (model.built.index.capacity_rows.assign(
        use=[v for v in _capacity_use(model)]).groupby("crossing_id")["use"].sum()
        .sort_values(ascending=False).index[:closures])
    warm = []
    for cid in crossings:
        w0, c0 = time.perf_counter(), time.process_time()
        net = with_scenario(model.net, Scenario.closing([cid]))
        model.session.apply(bound_updates(model.built, net))
        model.session.restart_from(basis)
        s = solve_session(model.session, model.built, net)
        _, s2, r = generate_columns(replace(model, net=net), s, options)
        warm.append({"crossing": cid, "seconds": round(time.perf_counter() - w0, 2),
                     "cpu_s": round(time.process_time() - c0, 2),
                     "objective_usd_per_day": s2.objective_usd, "label": _label(r),
                     "rounds": r.rounds})
    model.session.apply(bound_updates(model.built, model.net))
    out["warm_closures"] = warm
    out.update({f"with_closures_{k}": v for k, v in _usage().items()})
    return out


def _capacity_use(model) -> list[float]:
    """Row activity of each capacity row (trucks/day), in index order."""
    import numpy as np

    rows = model.session.rows_of(model.built.model.crossing_capacity)
    value = np.asarray(model.session.highs.getSolution().row_value, dtype=float)
    return np.where(rows >= 0, value[np.maximum(rows, 0)], 0.0).tolist()


def dated_case(folder: Path, days: int, rounds: int, time_limit: float,
               windows_only: bool) -> dict:
    """A dated horizon from the seed start: exact (the CLI's path) or rolling windows alone."""
    import datetime as dt

    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.pipeline import prepare, run_scenario, solve_session
    from borderflow.solvers.rolling import RollingHorizon

    t0 = time.perf_counter()
    tables = load_dataset(folder, check_borders=False)
    scenario = Scenario(name=f"{days}-days", horizon=Horizon(start=dt.date(2024, 10, 1),
                                                             days=days))
    options = _options(rounds, time_limit)
    out: dict = {"days": days}
    if windows_only:
        routes, solver = options.effective(True)
        model = prepare(tables, scenario, routes, solver, options.max_model_gb)
        t1 = time.perf_counter()
        summary = solve_session(model.session, model.built, model.net,
                                RollingHorizon(14, None))
        out.update(seed_and_build_s=round(t1 - t0, 2),
                   solve_s=round(time.perf_counter() - t1, 2),
                   variables=summary.variables, constraints=summary.constraints,
                   objective_usd=summary.objective_usd,
                   label="approximation (windows over the seed routes, gap unknown)",
                   **_usage())
        return out
    run = run_scenario(tables, scenario, options)
    out.update(total_s=round(time.perf_counter() - t0, 2), rounds=run.routing.rounds,
               route_products=len(run.routes.eligible), variables=run.solve.variables,
               constraints=run.solve.constraints, objective_usd=run.solve.objective_usd,
               solve_s=round(run.solve.solve_seconds, 2), label=_label(run.routing),
               **_usage())
    return out


def run_case(folder: Path, case: str, days: int = 30, rounds: int = 60,
             time_limit: float = 600.0, closures: int = 3) -> dict:
    """One case (``static``, ``dated`` or ``windows``) of the region in ``folder``, in this
    process; an error is reported as it happened, with the seconds it took."""
    t0 = time.perf_counter()
    row: dict = {"case": case}
    try:
        if case == "static":
            row.update(static_case(folder, rounds, time_limit, closures))
        else:
            row.update(dated_case(folder, days, rounds, time_limit, case == "windows"))
    except Exception as err:  # noqa: BLE001 - reported as it happened, with its cost
        row.update(error=f"{type(err).__name__}: {err}"[:400],
                   where=traceback.format_exc().splitlines()[-3:-1],
                   seconds=round(time.perf_counter() - t0, 2), **_usage())
    return row


def child(spec: dict) -> dict:
    """``run.py``'s ``region`` measurement: the region ``scale`` times the embedded one
    (written under ``spec["folder"]`` by the parent), case ``approach``."""
    return run_case(Path(spec["folder"]), spec["approach"], spec.get("days", 30),
                    spec.get("rounds", 60), spec.get("time_limit", 600.0),
                    spec.get("closures", 3))


def _one(args) -> None:
    """Run one case in this process and print its JSON line."""
    row = {"scale": args.scale, **run_case(args.out / f"region-{args.scale}", args.one,
                                           args.days, args.rounds, args.time_limit,
                                           args.closures)}
    print(json.dumps(row), flush=True)


def main() -> None:
    """Write the regions, then run each case of each scale in a fresh subprocess."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 5, 10])
    ap.add_argument("--cases", nargs="+", default=["static", "dated"],
                    choices=["static", "dated", "windows"])
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--closures", type=int, default=3)
    ap.add_argument("--one", choices=["static", "dated", "windows"], help=argparse.SUPPRESS)
    ap.add_argument("--scale", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        _one(args)
        return
    from synthetic import write_region

    for scale in args.scales:
        if not (args.out / f"region-{scale}" / "nodes.csv").exists():
            write_region(args.out / f"region-{scale}", scale)
        for case in args.cases:
            subprocess.run([sys.executable, __file__, str(args.out), "--one", case,
                            "--scale", str(scale), "--days", str(args.days),
                            "--rounds", str(args.rounds), "--time-limit", str(args.time_limit),
                            "--closures", str(args.closures)], check=False)


if __name__ == "__main__":
    main()
