"""Benchmarks of the borderflow pipeline: build and solve times, peak memory, sweep speed-ups.

    python tests/benchmarks/run.py            # full (about 21 min on 2 cores)
    python tests/benchmarks/run.py --quick    # a 1e5-variable instance and small sweeps (< 2 min)
    python tests/benchmarks/run.py --only sweep dask   # some benchmarks of the full mode
    python tests/benchmarks/run.py --spec '{"bench": "dated", "days": 45, "solver": "simplex"}'

Every measurement runs in a fresh Python subprocess, so its peak resident memory
(``peak_rss_mb``, from ``os.wait4``'s ``ru_maxrss``) is its own. Each prints one JSON object per
line (and appends it to ``tests/benchmarks/out/<mode>-<UTC time>.jsonl``) with at least:
``bench, approach, variables, build_s, solve_s, total_s, peak_rss_mb, ratio_total_vs_direct,
ratio_rss_vs_direct, sweep_speedup_vs_rebuild`` (``null`` where not applicable).

What each ``bench`` measures:

``static``
    Synthetic instance (:mod:`synthetic`), one representative day. ``pyomo``: Pyomo model
    (``build_model``) + translation to HiGHS (``HighsSession``) = ``build_s``, HiGHS =
    ``solve_s``. ``direct``: the same LP as numpy/scipy arrays passed to highspy (:mod:`direct`).
    Both read the same network and route set first (``prep_s``, not in ``total_s``; their
    memory ``prep_rss_mb`` is in ``peak_rss_mb``, ``model_rss_mb`` is the rest), use the
    pipeline's HiGHS settings (1 thread, seed 0, presolve on, solver "choose"), and their
    optima are asserted equal to 1e-6 (relative). Ratios are pyomo / direct of the same run.
``dated``
    Embedded dataset, a horizon of N days from 2023-01-01 (plus the 21-day run-out tail),
    through ``borderflow.pipeline.run_scenario`` (interior point, routes capped).
    ``total_s`` = the whole call (network, routes, model, translation, solve, result tables),
    ``solve_s`` = HiGHS, ``build_s`` = the rest, ``cpu_s`` = CPU seconds of the whole call.
    ``pyomo``: the whole horizon as one LP (interior point); ``exact-windows``: the
    pipeline's exact path for long horizons (windows of 14 days + 4 days of look-ahead, then
    the whole LP by crossover and the primal simplex; its optimum is asserted equal to the
    one-LP row's to 1e-6 when that one ended optimal); ``aggregated``: the same exact path
    over stream queues (``--aggregate-streams``, ``borderflow.model.streams``; asserted equal
    likewise; ``stream_aggregation`` is the run's split report; ``"aggregate_streams": true``
    in a spec adds it to any approach, e.g. with ``"window_pricing": true``); ``rolling``:
    the windows alone, an
    approximation (``borderflow.solvers.rolling``; at 365 days also with the default
    look-ahead, 14 days), with ``speedup_vs_exact`` and ``objective_gap_vs_exact`` (relative)
    against the one-LP row. The full mode also runs 730 days by ``exact-windows`` alone (one
    LP: about 1,000 s, over HiGHS's time limit), for the 7 -> 730-day curve. With
    ``"dispatch": "realistic"`` (e.g. ``--spec '{"bench": "dated", "scenario":
    "data/scenarios/boten-2021.yaml", "dispatch": "realistic"}'``): the realistic dispatch
    (foresight solve, then one plan per news day), ``status`` ``simulated``, with
    ``foresight_objective_usd`` beside ``objective_usd``.
``sweep``
    N-1 on the embedded dataset (static): ``warm`` builds the model once and re-solves each
    scenario from the baseline's basis after changing bounds (``bound_updates`` +
    ``HighsSession.apply``); ``rebuild`` builds network, routes, Pyomo model and HiGHS model per
    scenario. Per-scenario means (``network_s``: the scenario's network, needed by both;
    ``bounds_or_model_s``: bound changes, or routes + model + translation; ``solve_s``);
    optima asserted equal; results are not extracted in either. ``sweep_speedup_vs_rebuild`` is
    rebuild / warm ``total_s``; ``speedup_bounds_and_solve`` and ``speedup_solve_only`` leave
    the warm side's network (and bound changes) out.
``dated_sweep``
    Target 3 of issue 20 through ``borderflow.sweeps.run_sweep`` on 2 workers: a 60-day
    horizon with each open crossing closed 10-19 Oct 2023 (51 scenarios with the baseline)
    solved warm, and the baseline plus 4 closures cold; ``speedup_vs_cold_per_scenario`` =
    cold / warm wall seconds per scenario (Dask start-up and result tables included), optima
    asserted equal on the cold subset.
``dask``
    ``borderflow.sweeps.run_sweep`` (warm) of the same N-1 on 1 and 2 Dask workers: wall time
    of the whole sweep, Dask start-up and result tables included; in the full mode also the
    N-1 of every month (``--seasons``: 12 baselines + 612 closures, one model structure).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MARK = "@@result "
RATIO_KEYS = ("ratio_total_vs_direct", "ratio_rss_vs_direct", "sweep_speedup_vs_rebuild")
REL_TOL = 1e-6

#: what each mode measures
MODES = {
    "quick": {"static_variables": [100_000], "days": [7], "sweep_scenarios": 4,
              "dask_scenarios": 6},
    "full": {"static_variables": [100_000, 300_000, 1_000_000], "days": [7, 14, 30, 60, 90, 365],
             "exact_only_days": [730], "sweep_scenarios": None, "dask_scenarios": None},
}


# ---- children: one measurement in a fresh process --------------------------------------------
def _instance(variables: int, seed: int = 0) -> Path:
    """The synthetic instance of about ``variables`` static variables (cached under out/),
    written by a subprocess: Linux keeps a process's peak resident memory across ``exec``, so
    a parent that wrote the 1e6 instance itself (~940 MB) would pass that peak on to every
    measurement it starts (``peak_rss_mb`` would never read below it)."""
    folder = OUT / "instances" / f"v{variables}-s{seed}"
    if not (folder / "parameters.csv").exists():
        subprocess.run([sys.executable, str(HERE / "synthetic.py"), str(folder), "--variables",
                        str(variables), "--seed", str(seed)], check=True,
                       stdout=subprocess.DEVNULL)
    return folder


def _static(spec: dict) -> dict:
    """Static model of a synthetic instance, through Pyomo or written directly."""
    from borderflow.model.network import build_network
    from borderflow.model.routes import enumerate_routes
    from borderflow.data.dataset import load_dataset

    t0 = time.perf_counter()
    net = build_network(load_dataset(spec["data"], check_borders=False))
    routes = enumerate_routes(net)
    t1 = time.perf_counter()
    prep_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # inputs held
    if spec["approach"] == "direct":
        import direct

        lp, size = direct.static_lp(net, routes)
        h = direct.load(lp)
        t2 = time.perf_counter()
        objective = direct.solve(h)
    else:
        from borderflow.model.formulation import build_model
        from borderflow.solvers.highs import HighsSession

        session = HighsSession(build_model(net, routes).model)
        t2 = time.perf_counter()
        summary = session.solve(load=False)
        objective = summary.objective_usd
        size = {k: getattr(summary, k) for k in ("variables", "constraints", "nonzeros")}
    t3 = time.perf_counter()
    return {**size, "prep_s": t1 - t0, "prep_rss_mb": prep_rss_mb, "build_s": t2 - t1,
            "solve_s": t3 - t2, "total_s": t3 - t1, "objective_usd": objective}


def _dated(spec: dict) -> dict:
    """A dated run through the pipeline (the embedded dataset, or ``data``: a folder)."""
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_files import load_scenarios
    from borderflow.data.dataset import load_dataset
    from borderflow.model.column_generation import Pricing
    from borderflow.options import RunOptions
    from borderflow.pipeline import run_scenario
    from borderflow.solvers.highs import SolverError, SolverOptions

    tables = load_dataset(spec.get("data"), check_borders=False)
    if "scenario" in spec:  # a scenario file, e.g. data/scenarios/boten-2021.yaml
        scenario = load_scenarios(spec["scenario"])[0]
    else:
        scenario = Scenario(name=f"days-{spec['days']}",
                            horizon=Horizon(start=dt.date(2023, 1, 1), days=spec["days"]))
    from borderflow.solvers.rolling import RollingHorizon

    solver = spec.get("solver", "choose")  # "choose": the pipeline's pick (ipm when dated)
    exact = RollingHorizon(*spec.get("window", (14, 4)), exact=True)
    rolling = {"rolling": RollingHorizon(*spec.get("window", (14, 4))),
               "exact-windows": exact, "aggregated": exact}.get(spec.get("approach"))
    # the aggregated arm: exact windows over stream queues (--aggregate-streams)
    aggregate = spec.get("approach") == "aggregated" or bool(spec.get("aggregate_streams"))
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        run = run_scenario(tables, scenario, RunOptions(
            solver=SolverOptions(solver=solver), rolling=rolling, exact_windows_from_days=None,
            dispatch=spec.get("dispatch", "foresight"),
            pricing=Pricing(window_start=bool(spec.get("window_pricing", False))),
            aggregate_streams=aggregate))
        s, status, solver = run.solve, run.solve.status, run.session.options.solver
        routing = run.routing
        streams = run.results.summary.get("stream_aggregation")
    except SolverError as err:  # e.g. HiGHS's time limit (600 s by default): recorded
        s, status, routing, streams = err.summary, err.summary.status, None, None
        solver = "ipm" if solver == "choose" else solver  # run_scenario's pick when dated
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"days": scenario.horizon.days, "variables": s.variables, "cpu_s": cpu,
            "method": s.method, "exact": s.exact,
            "constraints": s.constraints, "nonzeros": s.nonzeros,
            "build_s": total - s.solve_seconds, "translate_s": s.translate_seconds,
            "solve_s": s.solve_seconds, "total_s": total, "objective_usd": s.objective_usd,
            "status": status, "solver": solver, "iterations": s.iterations,
            "windows": s.windows, "dispatch": s.dispatch,
            **({} if routing is None else {"routing": routing.status, "rounds": routing.rounds,
                                           "routes_generated": routing.routes_generated}),
            **({"window_pricing": True} if spec.get("window_pricing") else {}),
            **({"aggregate_streams": True, "stream_aggregation": streams} if aggregate else {}),
            "foresight_objective_usd": s.foresight_objective_usd}


def _n_minus_1(tables, limit: int | None):
    from borderflow.data.scenario_checks import Catalog
    from borderflow.sweeps import n_minus_1_scenarios

    scenarios = n_minus_1_scenarios(Catalog.of(tables), [None])
    return scenarios[:limit] if limit else scenarios


def _sweep(spec: dict) -> dict:
    """N-1 solved by warm re-solves of one model, or by a model rebuilt per scenario."""
    from borderflow.model.formulation import bound_updates, build_model
    from borderflow.model.network import build_network, with_scenario
    from borderflow.model.routes import enumerate_routes
    from borderflow.data.dataset import load_dataset
    from borderflow.solvers.highs import HighsSession

    tables = load_dataset(check_borders=False)
    scenarios = _n_minus_1(tables, spec["scenarios"])
    t0 = time.perf_counter()
    if spec["approach"] == "warm":
        reference = net = build_network(tables, scenarios[0])
        routes = enumerate_routes(net)
        built = build_model(net, routes)
        session = HighsSession(built.model)
        session.solve(load=False)
        basis = session.basis()
    prep = time.perf_counter() - t0
    objectives, seconds = [], {"network_s": 0.0, "bounds_or_model_s": 0.0, "solve_s": 0.0}
    for scenario in scenarios:
        t1 = time.perf_counter()
        # warm: the scenario's calendars on the kept network (as borderflow.sweeps does);
        # rebuild: everything from the tables
        net = with_scenario(reference, scenario) if spec["approach"] == "warm" else \
            build_network(tables, scenario)
        t2 = time.perf_counter()
        if spec["approach"] == "warm":
            session.apply(bound_updates(built, net))
            session.restart_from(basis)
        else:
            session = HighsSession(build_model(net, enumerate_routes(net)).model)
        t3 = time.perf_counter()
        summary = session.solve(load=False)
        for key, t in zip(seconds, (t2 - t1, t3 - t2, time.perf_counter() - t3)):
            seconds[key] += t
        objectives.append(summary.objective_usd)
    n = len(scenarios)
    mean = {k: v / n for k, v in seconds.items()}
    return {"variables": summary.variables, "constraints": summary.constraints,
            "scenarios": n, "prep_s": prep, **mean,
            "build_s": mean["network_s"] + mean["bounds_or_model_s"],
            "total_s": sum(mean.values()), "objectives": objectives}


def _dask(spec: dict) -> dict:
    """The N-1 sweep (warm) on Dask with ``workers`` workers."""
    import tempfile

    from borderflow.data.dataset import load_dataset
    from borderflow.sweeps import plan_n_minus_1, run_sweep

    plan = plan_n_minus_1(tables=load_dataset(check_borders=False),
                          seasons=bool(spec.get("seasons")))
    only = plan.names()[1:spec["scenarios"]] if spec["scenarios"] else None
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        res = run_sweep(plan, out, workers=spec["workers"], warm=True, only=only)
        wall = time.perf_counter() - t0
    comp = res["comparison"]
    comp = comp[comp["status"] == "optimal"].sort_values("scenario")  # the ones solved
    return {"scenarios": len(comp), "failed": res.failed, "total_s": wall,
            "scenarios_per_s": len(comp) / wall, "objectives": comp["objective_usd"].tolist()}


def _direct_dated(spec: dict) -> dict:
    """A dated LP written directly (:mod:`direct_dated`), HiGHS timed by phase
    (:mod:`dated_profile`)."""
    import dated_profile

    return dated_profile.child(spec)


def _dated_strategy(spec: dict) -> dict:
    """A solver strategy on the direct dated LP (:mod:`dated_strategies`)."""
    import dated_strategies

    return dated_strategies.child(spec)


def _dated_sweep(spec: dict) -> dict:
    """Issue 20's target 3 through ``borderflow.sweeps``: a 60-day horizon from 15 Sep 2023
    (the October fruit peak inside) with each open crossing closed 10-19 Oct, on ``workers``
    Dask workers; ``warm`` (one model per worker, solved once by the dated method in effect,
    each scenario re-solved from its basis) or ``cold`` (a model per scenario: what
    ``borderflow solve`` of that scenario does with the same default options, without its
    baseline and verification); ``scenarios`` limits the closures (the baseline is always
    solved). The measure (docs/sweeps.md "Speed") is in :mod:`dated_sweep`'s
    :func:`~dated_sweep.sweep_measure`: per scenario, CPU s of its worker for it alone
    (``per_scenario_cpu_s``, the closures' mean; the per-worker one-off setup apart as
    ``fixed_cpu_s``), and the whole sweep (``per_scenario_s``: wall / scenarios)."""
    import dated_sweep

    return dated_sweep.sweep_measure(spec)


CHILDREN = {"static": _static, "dated": _dated, "sweep": _sweep, "dask": _dask,
            "dated_sweep": _dated_sweep,
            "direct_dated": _direct_dated, "dated_strategy": _dated_strategy}


def child(spec: dict) -> None:
    """Run one measurement in this process and print its result after :data:`MARK`."""
    sys.path.insert(0, str(HERE))
    result = CHILDREN[spec["bench"]](spec)
    print(MARK + json.dumps(result), flush=True)


def measure(spec: dict) -> dict:
    """Run ``spec`` in a fresh subprocess; its result plus ``peak_rss_mb`` (its own peak
    resident memory and that of the processes it waited for, e.g. Dask workers) and the
    machine's 1-minute load average when it started (other jobs share the cores)."""
    load = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, __file__, "--child", json.dumps(spec)],
                            stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise RuntimeError(f"{spec} failed with exit code {proc.returncode}")
    line = next(x for x in out.splitlines()[::-1] if x.startswith(MARK))
    row = {**spec, **json.loads(line[len(MARK):]), "peak_rss_mb": usage.ru_maxrss / 1024,
           "loadavg_1min": load}
    if "prep_rss_mb" in row:  # memory of the model and solver, beyond the shared inputs
        row["model_rss_mb"] = row["peak_rss_mb"] - row["prep_rss_mb"]
    return row


# ---- the parent: plan, ratios, output ---------------------------------------------------------
def _same(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def _check_same(label: str, a: list, b: list) -> None:
    if len(a) != len(b) or not all(_same(x, y) for x, y in zip(a, b)):
        raise AssertionError(f"{label}: optima differ")


def pair(reference: dict, row: dict, *, sweep: bool = False) -> None:
    """Put ``row``'s ratios against ``reference`` (measured side by side) into ``row``:
    pyomo / direct time and memory, or (``sweep``) rebuild time / warm time."""
    if sweep:
        row["sweep_speedup_vs_rebuild"] = reference["total_s"] / row["total_s"]
        # without building the scenario's network: bound changes + HiGHS, and HiGHS alone
        row["speedup_bounds_and_solve"] = reference["total_s"] / (
            row["bounds_or_model_s"] + row["solve_s"])
        row["speedup_solve_only"] = reference["total_s"] / row["solve_s"]
    else:
        row["ratio_total_vs_direct"] = row["total_s"] / reference["total_s"]
        row["ratio_rss_vs_direct"] = row["peak_rss_mb"] / reference["peak_rss_mb"]


def plan(mode: dict) -> list[tuple]:
    """The measurements of a mode, as groups of specs measured side by side."""
    groups = []
    for n in mode["static_variables"]:
        data = str(_instance(n))
        groups.append(("static", [{"bench": "static", "approach": a, "instance": f"synthetic-{n}",
                                   "data": data} for a in ("direct", "pyomo")]))
    for days in mode["days"]:
        specs = [{"bench": "dated", "approach": a, "days": days, "instance": "embedded"}
                 for a in ("pyomo", "exact-windows", "aggregated", "rolling")]
        if days >= 365:  # and with the default look-ahead (the longest queue wait, 14 days)
            specs.append({"bench": "dated", "approach": "rolling", "days": days,
                          "instance": "embedded, look-ahead 14", "window": [14, None]})
        groups.append(("dated", specs))
    for days in mode.get("exact_only_days", ()):
        groups.append(("dated", [{"bench": "dated", "approach": "exact-windows", "days": days,
                                  "instance": "embedded"}]))
    groups.append(("sweep", [{"bench": "sweep", "approach": a, "instance": "embedded-n-1",
                              "scenarios": mode["sweep_scenarios"]} for a in ("rebuild", "warm")]))
    groups.append(("dask", [{"bench": "dask", "approach": f"dask-{w}w", "workers": w,
                             "instance": "embedded-n-1", "scenarios": mode["dask_scenarios"]}
                            for w in (1, 2)]))
    if mode["dask_scenarios"] is None:  # target 3: 51 dated closures warm; 4 cold for the ratio
        groups.append(("dated_sweep", [
            {"bench": "dated_sweep", "approach": "cold", "workers": 2, "scenarios": 4,
             "instance": "60 days, 10-day closures"},
            {"bench": "dated_sweep", "approach": "warm", "workers": 2, "scenarios": None,
             "instance": "60 days, 10-day closures"}]))
    if mode["dask_scenarios"] is None:  # hundreds of scenarios: N-1 in each month (624)
        groups.append(("dask", [{"bench": "dask", "approach": f"dask-{w}w", "workers": w,
                                 "instance": "embedded-n-1-seasons", "seasons": True,
                                 "scenarios": None} for w in (1, 2)]))
    return groups


def emit(row: dict, path: Path) -> None:
    """Print ``row`` as one JSON line and append it to ``path``."""
    row = {k: v for k, v in row.items() if k not in ("objectives", "data")}
    for key in ("variables", "build_s", "solve_s", "total_s", "peak_rss_mb", *RATIO_KEYS):
        row.setdefault(key, None)
    line = json.dumps(row)
    print(line, flush=True)
    with path.open("a") as f:
        f.write(line + "\n")


def machine() -> dict:
    """Commit, cores, memory and library versions (the first line of a run)."""
    from borderflow.pipeline import library_versions

    mem_kb = next(int(x.split()[1]) for x in Path("/proc/meminfo").read_text().splitlines()
                  if x.startswith("MemTotal"))
    git = ["git", "-C", str(HERE)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=False).stdout.strip()
    dirty = bool(subprocess.run([*git, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, check=False).stdout.strip())
    return {"bench": "machine", "git_head": head, "git_dirty": dirty, "nproc": os.cpu_count(),
            "ram_gib": round(mem_kb / 2**20, 1),
            "cpu": platform.processor() or platform.machine(),
            "loadavg_1min": os.getloadavg()[0], **library_versions()}


def main() -> None:
    """Run the benchmarks of the mode asked for."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small instances (< 2 min)")
    ap.add_argument("--days", type=int, nargs="*", help="override the dated horizons")
    ap.add_argument("--spec", help="measure one spec (JSON), e.g. "
                    "'{\"bench\": \"dated\", \"days\": 45, \"solver\": \"simplex\"}'")
    ap.add_argument("--only", nargs="+", choices=sorted(CHILDREN),
                    help="run only these benchmarks of the mode (e.g. --only sweep dask)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    sys.path.insert(0, str(HERE))
    name = "spec" if args.spec else "quick" if args.quick else "full"
    mode = dict(MODES.get(name, {}), **({"days": args.days} if args.days is not None else {}))
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    t0 = time.perf_counter()
    emit(machine(), path)
    groups = [("spec", [json.loads(args.spec)])] if args.spec else plan(mode)
    if args.only:
        groups = [g for g in groups if g[0] in args.only]
    for bench, specs in groups:
        rows = [measure(s) for s in specs]
        if bench == "static":
            _check_same(rows[1]["instance"], [rows[0]["objective_usd"]],
                        [rows[1]["objective_usd"]])
            pair(*rows)
        elif bench == "dated" and len(rows) >= 2:
            exact = rows[0]
            for row in rows[1:]:
                if row["approach"] in ("exact-windows", "aggregated") and \
                        exact["status"] == "optimal":
                    _check_same(f"{row['days']} days, {row['approach']}",
                                [exact["objective_usd"]], [row["objective_usd"]])
            for windowed in rows[1:]:
                windowed["speedup_vs_exact"] = exact["total_s"] / windowed["total_s"]
                if exact["objective_usd"] is not None and windowed["objective_usd"] is not None:
                    windowed["objective_gap_vs_exact"] = (
                        (windowed["objective_usd"] - exact["objective_usd"])
                        / abs(exact["objective_usd"]))
        elif bench == "dated_sweep":  # the cold subset's optima equal the warm ones
            cold, warm = rows
            _check_same(bench, list(cold["objectives"].values()),
                        [warm["objectives"].get(k, float("nan")) for k in cold["objectives"]])
            warm["speedup_vs_cold_per_scenario"] = cold["per_scenario_s"] / warm["per_scenario_s"]
        elif bench in ("sweep", "dask"):
            _check_same(bench, rows[0]["objectives"], rows[1]["objectives"])
            if bench == "sweep":
                pair(*rows, sweep=True)
            else:
                rows[1]["speedup_vs_1_worker"] = rows[1]["scenarios_per_s"] / \
                    rows[0]["scenarios_per_s"]
        for row in rows:
            emit(row, path)
    if name == "full" and not args.only:
        import plots

        plots.main(path)
    print(json.dumps({"bench": "done", "wall_s": time.perf_counter() - t0,
                      "out": str(path.relative_to(HERE.parent.parent))}), flush=True)


if __name__ == "__main__":
    main()
