"""Where a priced dated run of a synthetic region spends its time, stage by stage (issue 20,
target 4).

    python tests/benchmarks/region_profile.py REGION_FOLDER --days 30 [--method auto]
        [--window-pricing] [--routes seed|enumerate] [--cap N] [--highs '{"presolve": "off"}']
        [--rounds 60] [--pricing-labels N] [--label-bound] [--dominance] [--hour-bounds]
        [--aggregate-streams]
        [--time-limit 600] [--max-mb 4000] [--stop-after S]
    python tests/benchmarks/region_profile.py embedded --days 14 --routes enumerate [--dominance]
    python tests/benchmarks/region_profile.py embedded --scenario data/scenarios/boten-2021.yaml \
        --routes enumerate [--dominance]

Environment ``REGION_DUMP_PRICING=FILE``: pickle the first dated pricing pass's inputs
(``price_dated``'s arguments) to FILE and stop, for ``dominance_probe.py``.

``embedded``: the embedded dataset (borders checked); ``--scenario``: the first scenario of a
YAML file instead of the ``--days`` horizon; ``--dominance``: ``Pricing(dominance=True)``
(model/dated_dominance.py); ``--hour-bounds``: ``Pricing(hour_bounds=True)``
(model/dated_hour_bounds.py); ``--aggregate-streams``: ``RunOptions.aggregate_streams``.

Runs :func:`borderflow.pipeline.run_scenario` once, in this process, exactly as
``region_scale.py``'s ``dated`` case does (a ``--days`` horizon from 1 October 2024, the seed
start, column generation with dated pricing), with timers wrapped around its stages (the
functions the pipeline calls; nothing in the product changes):

- ``network``, ``seed`` (or ``enumerate``), ``build_model``, ``translate`` (``HighsSession``:
  the LP handed to HiGHS; the event records columns, rows and non-zeros);
- ``windows`` (the exact path's rolling windows, IPX per window), ``crossover`` and
  ``primal`` (the whole LP from the windows' point: ``HighsSession.solve_from_point``),
  ``warm`` (a re-solve after a rebuild: the primal simplex from the carried basis), ``solve``
  (any other first solve, e.g. one interior-point LP), each with its HiGHS iterations;
- ``pricing`` (one pass; the event records the (route, product) columns it found),
  ``keyed_basis`` and ``apply_basis`` (the basis carried by key to the rebuilt model),
  ``results``.

Every event has the process's CPU seconds (``cpu``; HiGHS runs one thread), wall seconds and
resident memory after it (``rss_mb``). The script prints one JSON line: the run's outcome
(objective, label, rounds, iterations, CPU s, peak MB), the events in order and per stage the
count and CPU seconds. A thread stops the run (exit 3, the line says where) if resident memory
passes ``--max-mb``. ``--highs`` sets HiGHS options on every HiGHS instance the run makes
(windows included); ``--cap N`` keeps at most N routes per (origin, product) in the first
route set (with ``--routes enumerate``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import threading
import time
from pathlib import Path

EVENTS: list[dict] = []
STAGE = ["load"]
#: the run's outcome once known (a watchdog stop in the verifier still reports it)
OUTCOME: dict = {}
#: ``--progress``: each event also written to stderr as it happens (a long run can be watched)
PROGRESS = [False]


def _record(event: dict) -> None:
    """Append ``event`` to :data:`EVENTS` (and to stderr with ``--progress``)."""
    EVENTS.append(event)
    if PROGRESS[0]:
        import sys

        print(json.dumps({"cpu_total": round(_cpu(), 2), **event}), file=sys.stderr,
              flush=True)


def _rss_mb() -> int:
    """Resident memory of this process now, MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 2**20


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def timed(owner, name: str, stage: str, info=None):
    """Wrap ``owner.name`` so each call appends an event of ``stage`` (``info(result, args)``
    adds fields)."""
    inner = getattr(owner, name)

    def wrapper(*args, **kwargs):
        STAGE[0] = stage
        c0, w0 = _cpu(), time.perf_counter()
        try:
            result = inner(*args, **kwargs)
        except Exception as err:
            _record({"stage": stage, "cpu": round(_cpu() - c0, 2),
                     "wall": round(time.perf_counter() - w0, 2), "rss_mb": _rss_mb(),
                     "raised": type(err).__name__})
            raise
        event = {"stage": stage, "cpu": round(_cpu() - c0, 2),
                 "wall": round(time.perf_counter() - w0, 2), "rss_mb": _rss_mb()}
        if info is not None:
            event.update(info(result, args))
        _record(event)
        return result

    setattr(owner, name, wrapper)


def _iterations(summary, _args) -> dict:
    return {"iterations": summary.iterations, "status": summary.status,
            "objective_usd": summary.objective_usd}


def _size(_result, args) -> dict:
    h = args[0].highs
    return {"cols": int(h.getNumCol()), "rows": int(h.getNumRow()), "nnz": int(h.getNumNz())}


def install(extra_highs: dict, from_point: dict | None = None) -> None:
    """Put the timers on the pipeline's stages (module docstring). ``from_point``: HiGHS
    options that replace the primal simplex the whole LP runs after the windows' crossover
    (``--from-point``, e.g. ``{"simplex_strategy": 1}`` for the dual simplex)."""
    import borderflow.pipeline as pipeline
    import borderflow.window_pricing as window_pricing
    import borderflow.model.column_generation as cg
    import borderflow.model.dated_columns as dated_columns
    import borderflow.solvers.highs as highs
    import borderflow.solvers.rolling as rolling

    timed(pipeline, "build_network", "network")
    timed(pipeline, "seed_routes", "seed", lambda r, a: {"routes": len(r.routes),
                                                        "pairs": len(r.eligible)})
    timed(pipeline, "enumerate_routes", "enumerate", lambda r, a: {"routes": len(r.routes),
                                                                  "pairs": len(r.eligible)})
    timed(pipeline, "build_model", "build_model", lambda r, a: {"pairs": len(a[1].eligible)})
    timed(highs.HighsSession, "__init__", "translate", _size)
    timed(rolling, "_solve_windows", "windows",
          lambda r, a: {"iterations": r[4], "windows": len(a[2]),
                        "failed": None if r[5] is None else str(r[5])})
    timed(highs.HighsSession, "solve", "warm_or_solve", _iterations)
    timed(highs.HighsSession, "solve_from_point", "whole_lp", _iterations)
    timed(pipeline, "price_once", "pricing", lambda r, a: {"columns": len(r[0]),
                                                          "least": r[1], "gap": r[2]})
    timed(dated_columns, "price_dated", "searches", lambda r, a: dict(r.stats))
    if os.environ.get("REGION_DUMP_PRICING"):  # the first dated pass's inputs, then stop
        inner = dated_columns.price_dated

        def dump(*args, **kwargs):
            import pickle

            with open(os.environ["REGION_DUMP_PRICING"], "wb") as f:
                pickle.dump((args, {k: v for k, v in kwargs.items()
                                    if k not in ("reuse", "record")}), f)
            print(json.dumps({"dumped": os.environ["REGION_DUMP_PRICING"],
                              "cpu_s": round(_cpu(), 2)}), flush=True)
            os._exit(0)
            return inner(*args, **kwargs)

        dated_columns.price_dated = dump
    timed(window_pricing, "price_dated_model", "window_pricing",
          lambda r, a: {"columns": len(r.columns)})
    timed(pipeline, "keyed_basis", "keyed_basis")
    timed(cg.KeyedBasis, "apply", "apply_basis")
    timed(pipeline, "extract_results", "results")
    # crossover apart from the primal simplex, and any extra HiGHS options
    configure = highs.configure

    def configure_more(h, options):
        configure(h, options)
        for key, value in extra_highs.items():
            h.setOptionValue(key, value)
        inner = h.crossover

        def crossover(*args):
            c0, w0 = _cpu(), time.perf_counter()
            out = inner(*args)
            _record({"stage": "crossover", "cpu": round(_cpu() - c0, 2),
                     "wall": round(time.perf_counter() - w0, 2), "rss_mb": _rss_mb()})
            return out

        h.crossover = crossover
        if from_point:
            h.setOptionValue = _from_point_options(h.setOptionValue, from_point)

    highs.configure = configure_more
    rolling.configure = configure_more


def _from_point_options(inner, from_point: dict):
    """``setOptionValue`` that swaps the whole LP's primal simplex after the windows'
    crossover (``simplex_strategy`` 4, set by ``HighsSession.solve_from_point``) for the
    options of ``from_point`` (``--from-point``)."""

    def set_option(key, value):
        if key == "simplex_strategy" and value == 4:
            for k, v in from_point.items():
                inner(k, v)
            return None
        return inner(key, value)

    return set_option


def watchdog(limit_mb: int, stop_after_s: float | None = None, on_stop=None,
             stop_cpu_s: float | None = None) -> None:
    """Stop the process (exit 3) once resident memory passes ``limit_mb``, with
    ``stop_after_s`` once that many wall seconds have passed, or with ``stop_cpu_s`` once the
    process has used that many CPU seconds (a budget: the row then says ``stopped at the
    budget``); the line says in which stage (``on_stop(row)`` prints it instead, e.g. in the
    benchmark's format)."""
    start = time.perf_counter()

    def watch():
        peak = 0
        while True:
            rss = _rss_mb()
            peak = max(peak, rss)
            late = stop_after_s is not None and time.perf_counter() - start > stop_after_s
            spent = stop_cpu_s is not None and _cpu() > stop_cpu_s
            if rss > limit_mb or late or spent:
                why = f"stopped at the budget of {stop_cpu_s:.0f} CPU s" if spent else \
                    f"stopped after {stop_after_s:.0f} s wall" if late else \
                    f"memory {rss} MB over {limit_mb} MB"
                row = {**OUTCOME, "error": why,
                       "stage": STAGE[0], "events": EVENTS, "cpu_s": round(_cpu(), 2),
                       "peak_mb": peak, "stages": summarize(EVENTS)}
                if on_stop is None:
                    print(json.dumps(row), flush=True)
                else:
                    on_stop(row)
                os._exit(3)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()


def options_of(args):
    """The run's options: ``region_scale.py``'s dated case, with the variant asked for."""
    from borderflow.model.routes import RouteOptions
    from borderflow.options import RunOptions
    from borderflow.solvers.highs import SolverOptions

    overlap = getattr(args, "overlap_days", None)  # exact windows with this look-ahead
    base = RunOptions.of(method=args.method if overlap is None else "exact-windows",
                         overlap_days=overlap, routes=args.routes,
                         aggregate_streams=args.aggregate_streams,
                         window_pricing=args.window_pricing, pricing_rounds=args.rounds,
                         time_limit_s=args.time_limit,
                         **({} if args.pricing_labels is None
                            else {"pricing_labels": args.pricing_labels}))
    from dataclasses import replace

    routes = replace(base.routes, start=args.routes) if args.cap is None else \
        RouteOptions(start=args.routes, max_routes_per_product=args.cap)
    return replace(base, routes=routes,
                   pricing=replace(base.pricing, max_rounds=args.rounds,
                                   label_bound=args.label_bound, dominance=args.dominance,
                                   hour_bounds=args.hour_bounds),
                   solver=SolverOptions(time_limit_s=args.time_limit,
                                        presolve=args.presolve),
                   dispatch="foresight")  # the optimum is profiled, surprises or not


def summarize(events: list[dict]) -> dict:
    """Count and CPU seconds per stage (a ``warm_or_solve`` after a rebuild is ``warm``)."""
    out: dict = {}
    for e in events:
        s = out.setdefault(e["stage"], {"n": 0, "cpu": 0.0})
        s["n"] += 1
        s["cpu"] = round(s["cpu"] + e["cpu"], 2)
    return out


def parser() -> argparse.ArgumentParser:
    """The command line (module docstring); :func:`child` takes the same names as spec keys."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--method", default="auto")
    ap.add_argument("--window-pricing", action="store_true")
    ap.add_argument("--overlap-days", type=int, default=None,
                    help="exact windows (--method exact-windows) looking this many days "
                         "ahead instead of the default 4")
    ap.add_argument("--routes", default="seed", choices=["seed", "enumerate"])
    ap.add_argument("--cap", type=int, default=None)
    ap.add_argument("--presolve", default="on")
    ap.add_argument("--highs", default="{}")
    ap.add_argument("--from-point", default="{}",
                    help="HiGHS options for the whole LP after the windows' crossover instead "
                         "of the primal simplex, e.g. '{\"simplex_strategy\": 1}'")
    ap.add_argument("--first-solve-only", action="store_true",
                    help="stop where the first pricing pass would start (the first solve's "
                         "stages timed, no pricing)")
    ap.add_argument("--rounds", type=int, default=60)
    ap.add_argument("--pricing-labels", type=int, default=None)
    ap.add_argument("--label-bound", action="store_true",
                    help="Pricing(label_bound=True): a search at the label limit gives a bound")
    ap.add_argument("--dominance", action="store_true",
                    help="Pricing(dominance=True): dated labels dominated by the exact rule")
    ap.add_argument("--hour-bounds", action="store_true",
                    help="Pricing(hour_bounds=True): A* keys bounded per node and hour slot")
    ap.add_argument("--aggregate-streams", action="store_true")
    ap.add_argument("--scenario", type=Path, default=None,
                    help="the first scenario of this YAML file instead of --days")
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--max-mb", type=int, default=4000)
    ap.add_argument("--stop-after", type=float, default=None,
                    help="wall seconds after which the run is stopped (the line says where)")
    ap.add_argument("--verify", action="store_true",
                    help="run the verifier on the result (borderflow.verify.verify_results)")
    ap.add_argument("--verify-plain", action="store_true",
                    help="after --verify, the verifier again with the dated certificate's "
                         "least-dual bounds only (as before session 13)")
    ap.add_argument("--progress", action="store_true",
                    help="write each event to stderr as it happens")
    return ap


def profile(args) -> dict:
    """Run the case of ``args`` (:func:`parser`'s names) with the timers already installed;
    the row: options, outcome, CPU s, peak MB, stages and events."""
    from borderflow.data.dataset import load_dataset
    from borderflow.data.scenario import Horizon, Scenario
    from borderflow.pipeline import run_scenario

    row = {"folder": str(args.folder), "days": args.days, "method": args.method,
           "window_pricing": args.window_pricing, "routes": args.routes, "cap": args.cap,
           "presolve": args.presolve, "highs": json.loads(args.highs),
           "from_point": json.loads(getattr(args, "from_point", "{}")),
           "pricing_labels": args.pricing_labels, "label_bound": args.label_bound,
           "dominance": args.dominance, "hour_bounds": args.hour_bounds,
           "aggregate_streams": args.aggregate_streams,
           "scenario": None if args.scenario is None else str(args.scenario),
           "load_before": os.getloadavg()[0]}
    c0 = _cpu()
    if getattr(args, "first_solve_only", False):
        import borderflow.pipeline as pipeline

        def stop(*_args, **_kwargs):
            raise _FirstSolveDone("stopped after the first solve (--first-solve-only)")

        pipeline.price_once = stop
    try:
        embedded = str(args.folder) == "embedded"
        tables = load_dataset(None if embedded else args.folder, check_borders=embedded)
        if args.scenario is not None:
            from borderflow.data.scenario_files import load_scenarios

            scenario = load_scenarios(args.scenario)[0]
        else:
            scenario = Scenario(name=f"{args.days}-days",
                                horizon=Horizon(start=dt.date(2024, 10, 1), days=args.days))
        run = run_scenario(tables, scenario, options_of(args))
        r = run.routing
        row.update(objective_usd=run.solve.objective_usd, status=r.status, reason=r.reason,
                   gap_bound_usd=r.gap_bound_usd, rounds=r.rounds,
                   routes_generated=r.routes_generated, route_products=len(run.routes.eligible),
                   variables=run.solve.variables, constraints=run.solve.constraints,
                   nonzeros=run.solve.nonzeros, iterations=run.solve.iterations,
                   method_text=run.solve.method, label=outcome_label(r))
        OUTCOME.update(row)
        if args.verify:
            row.update(verify(run))
        if getattr(args, "verify_plain", False):  # the verifier as before, for comparison
            print(json.dumps({**row, "cpu_s": round(_cpu() - c0, 2), "events": EVENTS}),
                  flush=True)
            row.update({f"{k}_plain": v for k, v in verify(run, slot_bounds=False).items()})
    except Exception as err:  # noqa: BLE001 - reported with where it stopped
        row.update(error=f"{type(err).__name__}: {err}"[:300], stage=STAGE[0])
    ru = resource.getrusage(resource.RUSAGE_SELF)
    row.update(cpu_s=round(_cpu() - c0, 2), peak_mb=round(ru.ru_maxrss / 1024),
               load_after=os.getloadavg()[0], stages=summarize(EVENTS), events=EVENTS)
    return row


class _FirstSolveDone(Exception):
    """``--first-solve-only``: the run stops where its first pricing pass would start."""


def outcome_label(routing) -> str:
    """``certified``, or ``restricted (why; gap bound X USD)``: never "optimal" for a
    restricted optimum."""
    if routing.status == "certified":
        return "certified"
    bound = "unknown" if routing.gap_bound_usd is None else f"{routing.gap_bound_usd:,.2f} USD"
    return f"restricted ({routing.reason}; gap bound {bound})"


def verify(run, slot_bounds: bool = True) -> dict:
    """The verifier's checks of ``run``'s result tables against its inputs: how many, how
    many failed (and the first few failed ones), CPU s. ``slot_bounds`` False: the dated
    certificate with its least-dual bounds only (``--verify-plain``, the verifier before
    session 13), for the comparison."""
    import functools

    import borderflow.verify.optimality as optimality
    from borderflow.verify import verify_results

    c0 = _cpu()
    STAGE[0] = "verify" if slot_bounds else "verify_plain"
    inner = optimality.check_dated_certificate
    if not slot_bounds:
        optimality.check_dated_certificate = functools.partial(inner, slot_bounds=False)
    try:
        report = verify_results(run.results, run.tables, run.net.scenario, net=run.net)
    finally:
        optimality.check_dated_certificate = inner
    failed = report[~report["ok"].astype(bool)]
    routes = report[report["check"] == "route_dual"]
    out = {"verify_checks": len(report), "verify_failed": len(failed),
           "verify_failed_first": failed.head(5)[["check", "entity"]].astype(str)
           .values.tolist(), "verify_cpu_s": round(_cpu() - c0, 2),
           "verify_route_amount_sum": float(routes["amount"].sum()) if len(routes) else 0.0}
    _record({"stage": STAGE[0], "cpu": out["verify_cpu_s"], "wall": None,
             "rss_mb": _rss_mb(), "failed": len(failed),
             "route_amount_sum": out["verify_route_amount_sum"]})
    return out


def last_known(events: list[dict]) -> dict:
    """What a stopped run had reached: the last LP objective and the last pricing pass's gap
    bound (the bound of the LP solved before that pass: the restricted LP's optimum is then
    within it of the optimum over every route), and the passes done."""
    lps = [e for e in events if e["stage"] in ("warm_or_solve", "whole_lp")
           and e.get("objective_usd") is not None]
    passes = [e for e in events if e["stage"] == "pricing" and "gap" in e]
    return {"passes_done": len(passes),
            "last_lp_objective_usd": lps[-1]["objective_usd"] if lps else None,
            "last_gap_bound_usd": passes[-1]["gap"] if passes else None}


def child(spec: dict) -> dict:
    """``run.py``'s ``region`` bench, approach ``dated-profile``: this profile of the region
    in ``spec["folder"]`` (spec keys: :func:`parser`'s option names with ``_``, e.g.
    ``days``, ``hour_bounds``, ``aggregate_streams``, ``rounds``, ``time_limit``,
    ``max_mb``; ``stop_s``: wall seconds after which the child reports where it stopped
    itself, before the harness's ``cap_s`` would kill it silently; ``budget_cpu_s``: CPU
    seconds after which it reports what it reached, a measurement: ``budget_stop`` says
    where, ``objective_usd`` is the last restricted LP's and ``label`` states its gap bound,
    never "optimal"). The verifier runs on a finished result. The row keeps the per-stage
    CPU seconds and the events; ``progress`` true: each event also on stderr as it happens
    (the harness's stderr file, readable at ``/proc/<child pid>/fd/2`` while it runs)."""
    args = parser().parse_args([spec["folder"], "--verify"])
    PROGRESS[0] = bool(spec.get("progress"))
    for key, value in spec.items():
        if hasattr(args, key) and key != "folder":
            setattr(args, key, value)
    install(json.loads(args.highs) if isinstance(args.highs, str) else args.highs)
    args.highs = json.dumps(args.highs) if not isinstance(args.highs, str) else args.highs
    from harness import MARK

    def stopped(row: dict) -> None:  # the watchdog's line, in the benchmark's format
        print(MARK + json.dumps(_bench_row({**row, **last_known(row["events"])})), flush=True)

    watchdog(args.max_mb, spec.get("stop_s"), on_stop=stopped,
             stop_cpu_s=spec.get("budget_cpu_s"))
    return _bench_row(profile(args))


def _bench_row(row: dict) -> dict:
    """A profile row in the benchmark's terms (``total_s`` none: wall is not quoted under
    load; ``label`` the outcome, ``error`` where it stopped)."""
    out = {k: v for k, v in row.items() if k not in ("folder", "events")}
    out["stages"] = row.get("stages") or summarize(row.get("events", []))
    out["events"] = [{k: v for k, v in e.items() if k != "wall"} for e in row.get("events", [])]
    if row.get("error") and row.get("label"):  # stopped in the verifier: the result stands
        out["error"] = f"{row['error']} in {row.get('stage')} (the result: {row['label']})"
    elif str(row.get("error")).startswith("stopped at the budget") and \
            row.get("passes_done") is not None:  # what the run reached in its budget
        out.pop("error")
        lp, gap = row.get("last_lp_objective_usd"), row.get("last_gap_bound_usd")
        out["budget_stop"] = (f"{row['error']} in {row.get('stage')}, after "
                              f"{row['passes_done']} pricing pass(es)")
        out["objective_usd"] = lp
        out["gap_bound_usd"] = gap if lp is not None else None
        out["label"] = ("no LP optimum within the budget" if lp is None else
                        "restricted (stopped at the budget; gap bound "
                        + ("unknown: no pricing pass finished" if gap is None
                           else f"{gap:,.2f} USD") + ")")
    elif row.get("error") and row.get("passes_done") is not None:  # stopped by the watchdog
        gap = row.get("last_gap_bound_usd")
        out["error"] = (f"{row['error']} in {row.get('stage')}, after {row['passes_done']} "
                        "pricing pass(es); last gap bound "
                        + ("unknown" if gap is None else f"{gap:,.0f} USD") + "; no result")
    return out


def main() -> None:
    """Run the case with the timers on and print its JSON line."""
    args = parser().parse_args()
    PROGRESS[0] = args.progress
    install(json.loads(args.highs), json.loads(args.from_point))
    watchdog(args.max_mb, args.stop_after)
    print(json.dumps(profile(args)), flush=True)


if __name__ == "__main__":
    main()
