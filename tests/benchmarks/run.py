"""Benchmarks of the borderflow pipeline: build and solve times, peak memory, sweep speed-ups.

    python tests/benchmarks/run.py            # full: measures, then writes BENCHMARKS.md (~30 min)
    python tests/benchmarks/run.py --quick    # small instances of every bench (~5 min quiet)
    python tests/benchmarks/run.py --only sweep dask   # some benchmarks of the full mode
    python tests/benchmarks/run.py --spec '{"bench": "dated", "days": 45, "solver": "simplex"}'
    python tests/benchmarks/run.py --from-jsonl docs/benchmark-runs/full-<time>.jsonl

Every measurement runs in a fresh Python subprocess, so its peak resident memory
(``peak_rss_mb``, from ``os.wait4``'s ``ru_maxrss``) and CPU seconds (``child_cpu_s``) are its
own. Each prints one JSON object per line and appends it to
``tests/benchmarks/out/<mode>-<UTC time>.jsonl``: first a ``machine`` line (commit, dirty
flag, CPU, cores, memory, versions, start time, load), then the measurements, then a ``done``
line (end time, wall and CPU seconds, load after and during). What each mode measures is
:mod:`plan`; ratios and optimum checks within a group are :mod:`derive`; the report
(targets computed from the rows, then the tables) is :mod:`report`, the plots :mod:`plots`.
The full mode copies its run file to ``docs/benchmark-runs/`` and renders BENCHMARKS.md and
the plots from it (``--write PATH`` elsewhere, ``--no-write`` not at all); ``--from-jsonl``
renders them from an existing run file without measuring.

What each ``bench`` measures:

``static``
    Synthetic instance (:mod:`synthetic`), one representative day. ``pyomo``: Pyomo model +
    translation to HiGHS = ``build_s``, HiGHS = ``solve_s``; ``direct``: the same LP as
    numpy/scipy arrays passed to highspy (:mod:`direct`). Both read the same network and
    routes first (``prep_s``, not in ``total_s``; ``model_rss_mb`` is the memory beyond it).
``dated``
    Embedded dataset, N days from 2023-01-01 (+ the 21-day run-out tail) through
    ``run_scenario``: ``total_s`` the whole call, ``solve_s`` HiGHS, ``build_s`` the rest,
    ``cpu_s`` its CPU seconds. Arms (:mod:`plan`): ``default`` (``RunOptions()``), ``per-pair``,
    ``aggregated`` (streams + window-priced start), ``one-lp``; ``rolling`` by ``--spec``.
    Spec keys ``aggregate_streams``, ``window_pricing``, ``solver``, ``dispatch``,
    ``scenario`` (a scenario file), ``data`` (a folder) override the defaults.
``dated_build``
    Target 2: the 365-day dated LP built and translated by Pyomo or a direct highspy builder
    (:mod:`dated_build`, when present; else the rows say "not measured").
``sweep``
    Static N-1: ``warm`` (one model, bound changes, restart from the baseline's basis) against
    ``rebuild`` (network, routes, model per scenario; the first ``scenarios`` only); means per
    scenario; ``sweep_speedup_vs_rebuild`` = rebuild / warm.
``dask``
    ``run_sweep`` (warm) of the N-1 on 1 and 2 Dask workers (full mode: also the N-1 of every
    month, 624 scenarios); wall time of the whole sweep.
``dated_sweep``
    Target 3: ``run_sweep`` of each open crossing closed 10-19 Oct 2023 in a 60-day horizon
    (51 scenarios) warm on 2 workers, and a few cold; ``speedup_vs_cold_per_scenario``.
``uncertainty``
    Target (e): warm samples against certified rebuilds (:mod:`uncertainty`), and 1,000
    samples end to end on 2 workers.
``region``
    Target 4: a synthetic region N times the embedded one (:mod:`region_scale`), static and a
    30-day dated run stage by stage with a CPU budget (``budget_cpu_s``, 900 in the full
    mode: :func:`region_profile.child` reports what it reached, the restricted LP objective
    with its gap bound, never "optimal"). Opt-in, in no mode: ``--only region-dated-10x``
    (also ``-1x``, ``-2x``; :data:`plan.OPT_IN`) runs the 30-day dated run stage by stage
    (:func:`region_profile.child`: hour bounds, stream queues, build, each pricing pass and
    LP re-solve in CPU s, peak MB, the verifier, ``certified`` or ``restricted`` with its
    gap bound) and writes its row to ``out/full-<time>.jsonl``; hours at 10x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import plan
from harness import MARK, OUT, ROOT

HERE = Path(__file__).resolve().parent


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


def _dated_options(spec: dict):
    """The :class:`RunOptions` of a dated spec: ``RunOptions()`` as a user gets it, then the
    approach's path (``default``: untouched; ``one-lp`` or ``pyomo``: one LP; ``rolling``: the
    windows alone; any other: exact windows) and the options the spec states
    (``aggregate_streams``, ``window_pricing``, ``solver``, ``dispatch``)."""
    from dataclasses import replace

    from borderflow.options import RunOptions
    from borderflow.solvers.highs import SolverOptions
    from borderflow.solvers.rolling import RollingHorizon

    options = RunOptions()
    approach = spec.get("approach", "default")
    window = spec.get("window", (14, 4))
    if approach in ("one-lp", "pyomo"):
        options = replace(options, rolling=None, exact_windows_from_days=None)
    elif approach == "rolling":
        options = replace(options, rolling=RollingHorizon(*window))
    elif approach != "default":  # per-pair, aggregated, exact-windows
        options = replace(options, rolling=RollingHorizon(*window, exact=True))
    if "aggregate_streams" in spec or approach == "aggregated":
        options = replace(options, aggregate_streams=bool(spec.get("aggregate_streams", True)))
    if "window_pricing" in spec:
        options = replace(options, pricing=replace(options.pricing,
                                                   window_start=bool(spec["window_pricing"])))
    if "solver" in spec:
        options = replace(options, solver=SolverOptions(solver=spec["solver"]))
    if "dispatch" in spec:
        options = replace(options, dispatch=spec["dispatch"])
    return options


def _dated(spec: dict) -> dict:
    """A dated run through the pipeline (the embedded dataset, or ``data``: a folder)."""
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.data.scenario_files import load_scenarios
    from borderflow.data.dataset import load_dataset
    from borderflow.pipeline import run_scenario
    from borderflow.solvers.highs import SolverError

    tables = load_dataset(spec.get("data"), check_borders=False)
    if "scenario" in spec:  # a scenario file, e.g. data/scenarios/boten-2021.yaml
        scenario = load_scenarios(spec["scenario"])[0]
    else:
        scenario = Scenario(name=f"days-{spec['days']}",
                            horizon=Horizon(start=dt.date(2023, 1, 1), days=spec["days"]))
    options = _dated_options(spec)
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        run = run_scenario(tables, scenario, options)
        s, status, solver = run.solve, run.solve.status, run.session.options.solver
        routing, options = run.routing, run.options  # the options in effect
        streams = run.results.summary.get("stream_aggregation")
        paths = run.paths or {}
        window_start = paths.get("window_pricing", {}).get("on")
        aggregated = paths.get("aggregate_streams", {}).get("on")
    except SolverError as err:  # e.g. HiGHS's time limit (600 s by default): recorded
        s, status, routing, streams = err.summary, err.summary.status, None, None
        window_start = aggregated = None
        solver = options.dated_solver if options.solver.solver == "choose" \
            else options.solver.solver
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
            # the options in effect, whatever the spec stated (the default arm's resolved)
            # stream queues as run (run.paths: False after a per-pair fallback), else as
            # the summary says, else as asked for
            "aggregate_streams": bool(aggregated) if aggregated is not None else
            bool(options.aggregate_streams) if routing is None else
            bool(streams) and "fallback" not in streams,
            # the window-priced start as run (run.paths), else as asked for (None: default)
            "window_pricing": bool(options.pricing.window_start) if window_start is None
            else bool(window_start),
            **({"stream_aggregation": streams} if streams else {}),
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


def _dated_build(spec: dict) -> dict:
    """Issue 20's target 2: the 365-day dated LP built and translated to HiGHS by Pyomo or
    written directly (:mod:`dated_build`, an optional module: see :func:`harness.available`)."""
    import dated_build

    return dated_build.child(spec)


def _uncertainty(spec: dict) -> dict:
    """Target (e): warm samples against certified rebuilds (:mod:`uncertainty`)."""
    import uncertainty

    return uncertainty.child(spec)


def _region(spec: dict) -> dict:
    """Target 4: a synthetic region ``scale`` times the embedded one (:mod:`region_scale`)."""
    if spec.get("approach") == "dated-profile":  # opt-in (plan.OPT_IN): stage by stage
        import region_profile

        return region_profile.child(spec)
    import region_scale

    return region_scale.child(spec)


CHILDREN = {"static": _static, "dated": _dated, "sweep": _sweep, "dask": _dask,
            "dated_sweep": _dated_sweep, "dated_build": _dated_build,
            "uncertainty": _uncertainty, "region": _region,
            "direct_dated": _direct_dated, "dated_strategy": _dated_strategy}
def child(spec: dict) -> None:
    """Run one measurement in this process and print its result after :data:`MARK`."""
    sys.path.insert(0, str(HERE))
    result = CHILDREN[spec["bench"]](spec)
    print(MARK + json.dumps(result), flush=True)


def main() -> None:
    """Run the benchmarks of the mode asked for; the full mode writes BENCHMARKS.md."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="small instances of every bench (about 5 min quiet)")
    ap.add_argument("--days", type=int, nargs="*", help="override the dated horizons")
    ap.add_argument("--spec", help="measure one spec (JSON), e.g. "
                    "'{\"bench\": \"dated\", \"days\": 45, \"solver\": \"simplex\"}'")
    ap.add_argument("--only", nargs="+", choices=sorted(CHILDREN) + sorted(plan.OPT_IN),
                    help="run only these benchmarks of the mode (e.g. --only sweep dask), "
                         "or an opt-in measurement never in a mode (plan.OPT_IN: "
                         "region-dated-10x, ~4 CPU h)")
    ap.add_argument("--from-jsonl", type=Path, metavar="JSONL",
                    help="render BENCHMARKS.md (and redraw the plots of docs/) from a run "
                         "file, without measuring")
    out = ap.add_mutually_exclusive_group()
    out.add_argument("--write", type=Path, metavar="PATH",
                     help="write the report here (default: BENCHMARKS.md in the full mode "
                          "and with --from-jsonl)")
    out.add_argument("--no-write", action="store_true",
                     help="write no report (with --from-jsonl: print it)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    import harness

    if args.from_jsonl:
        target = None if args.no_write else args.write or ROOT / "BENCHMARKS.md"
        # the plots belong to BENCHMARKS.md: redrawn only when it is the file written
        harness.write_outputs(args.from_jsonl, target,
                              plots_too=harness.is_report(target))
        return
    name = "spec" if args.spec else "quick" if args.quick else "full"
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}.jsonl"
    opt_in_only = bool(args.only) and all(n in plan.OPT_IN for n in args.only)
    groups = [("spec", [json.loads(args.spec)])] if args.spec else [] if opt_in_only else \
        plan.plan(plan.MODES[name], _instance, args.days)  # (plan writes the instances)
    if args.only:
        groups = [g for g in groups if g[0] in args.only] + \
            [plan.OPT_IN[n] for n in args.only if n in plan.OPT_IN]
    problems = harness.run(groups, path, name)
    whole = name == "full" and not args.only and args.days is None
    target = None if args.no_write else args.write or (ROOT / "BENCHMARKS.md" if whole else None)
    if target is not None:
        if whole:  # the run's rows beside the report they make, in git
            kept = ROOT / "docs" / "benchmark-runs" / path.name
            kept.parent.mkdir(exist_ok=True)
            shutil.copy(path, kept)
            path = kept
        harness.write_outputs(path, target, plots_too=harness.is_report(target))
    if problems:  # after the report: it shows them too
        sys.exit("; ".join(problems))


if __name__ == "__main__":
    main()
