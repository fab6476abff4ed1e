"""Benchmark (not a test): a realistic run with its plans on the aggregated-streams LP
(``--plans aggregated``) or per pair as the pipeline solves them (``--plans per-pair``, today's
run: the foresight bound on the aggregated LP, the plans per pair), CPU seconds per stage and
per plan; issue 18, session 27 (docs/performance.md, "The realistic dispatch's plans on the
aggregated-streams LP").

``--plans aggregated`` replaces :func:`borderflow.api.run_scenario` (this process only) by
:func:`aggregated_run`: the pipeline's own stages (``prepare(aggregate=True)``, the exact
windows and the whole LP, :func:`borderflow.dispatch.aggregated_bound`,
:func:`borderflow.dispatch.realistic_solve`, :func:`borderflow.pipeline.generate_columns`,
``extract_results``) on the aggregated model, which the per-pair plans' model is not built
after; the stitched policy is then replayed first in, first out and split per pair by
``extract_results`` as a foresight run's optimum is. With ``--fallback`` the run then goes
through :func:`borderflow.pipeline.disaggregated`, which since session 27 solves a realistic run
again per pair only when its split fails (a policy's early write-offs are repaired and reported,
per pair as on streams); without it the aggregated policy is reported whatever the replay found.
The library's own path is ``--dispatch realistic --aggregate-streams`` (docs/dynamics.md).

Either way ``bf.solve(..., compare=False)`` verifies it and this script writes the run folder to
``OUTDIR/run``. A progress callback logs this process's CPU seconds (user + system,
``resource``) and the load average at every progress message, a hook on
:func:`borderflow.solvers.informed._solve_plan` each later plan's CPU seconds, iterations and
whether IPX solved it, and one on :func:`borderflow.solvers.informed.solve_informed` each
plan's own objective (plan 0's is the LP optimum on the calendar known on day 0); the aggregated
policy's streams written off early, with the pairs each stands for. At the end
it logs the objective, the bound, the value of foresight, ``stream_aggregation``,
``fifo_repair``, ``run.json``'s ``effective_options.aggregate_streams``, totals of the result
tables and the verification.

Usage (nice 19 on a shared machine; a winter run peaks at ~3.8 GB per pair, check ``free
-g``; never two winter runs at once)::

    nice -n 19 python tests/benchmarks/realistic_streams.py data/scenarios/boten-2021.yaml \
        /tmp/boten-agg --plans aggregated
    nice -n 19 python tests/benchmarks/realistic_streams.py data/scenarios/boten-2021.yaml \
        /tmp/boten-pair --plans per-pair

Prints one JSON line per event and keeps them all in ``OUTDIR/log.json``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

import borderflow as bf
import borderflow.api as api
import borderflow.dispatch as dispatch
import borderflow.pipeline as pipeline
import borderflow.solvers.informed as informed
from borderflow.dispatch import aggregated_bound, realistic_solve
from borderflow.model.fifo import TOL_T, fifo_writeoffs, stream_arrays
from borderflow.model.results import extract_results
from realistic_plans import cpu_s, load  # the same clock and load as the plan-0 script


class Log:
    """JSON lines on stdout, all of them kept in ``out/log.json``."""

    def __init__(self, out: Path):
        self.out, self.lines, self.t0, self.last = out, [], cpu_s(), cpu_s()

    def __call__(self, **fields) -> None:
        now = cpu_s()
        fields.update(cpu_total_s=round(now - self.t0, 1), cpu_since_last_s=round(
            now - self.last, 1), load=load())
        self.last = now
        self.lines.append(fields)
        print(json.dumps(fields, default=str), flush=True)
        (self.out / "log.json").write_text(json.dumps(self.lines, indent=1, default=str))


def totals(result) -> dict:
    """Sums of the result tables that describe the policy (what another vertex may move)."""
    out = {}
    for name, cols in (("crossings", ("flow_trucks", "flow_t")), ("spoilage", ("spoiled_t",)),
                       ("unserved", ("unserved_t",)), ("queues", ("queue_t",)),
                       ("route_flows", ("flow_t",))):
        table = result.tables.get(name)
        if table is None:
            continue
        for c in cols:
            if c in table.columns:
                out[f"{name}.{c}"] = float(table[c].sum())
        out[f"{name}.rows"] = len(table)
    return out


def early_writeoffs(built) -> list:
    """Per stream of a solved dated model whose LP wrote cargo off before its deadline (the
    replay of :func:`borderflow.model.fifo.repair_fifo`, nothing changed): its label, the
    (route, product) pairs it stands for and the tonnes written off early."""
    inflow, back, dep, lp_exp, _ = stream_arrays(built)
    streams = built.index.streams
    expired, _ = fifo_writeoffs(inflow, back, dep,
                                streams["max_wait_days"].to_numpy(dtype=np.int64))
    early = np.clip(lp_exp - expired, 0.0, None).sum(axis=1)
    bad = np.abs(lp_exp - expired).max(axis=1) > TOL_T
    pairs = streams["pairs"] if "pairs" in streams.columns else np.ones(len(streams))
    return [{"stream": str(streams["route_id"].iloc[i]), "pairs": int(np.asarray(pairs)[i]),
             "early_t": round(float(early[i]), 3)} for i in np.flatnonzero(bad)]


def aggregated_run(log, fallback: bool):
    """A stand-in for :func:`borderflow.pipeline.run_scenario` of a realistic run that solves
    the plans on the aggregated-streams LP (module docstring); ``fallback``: then
    :func:`borderflow.pipeline.disaggregated` as a foresight run (and a bound whose
    aggregated LP falls back: the pipeline's run, per pair), else such a bound stops the
    run."""

    def run(tables, scenario, options, on_progress=None, *, extra_constraints=None):
        progress = on_progress or (lambda *a, **k: None)
        routes, solver = options.effective(True, tuple(sorted(set(scenario.crossings_named()))))
        rolling = options.rolling_for(scenario.horizon.days)
        model = pipeline.prepare(tables, scenario, routes, solver, options.max_model_gb,
                                 progress, aggregate=True)
        rolling, lag, keep = pipeline._checked(model, routes, rolling, options, tables,
                                               scenario)
        summary = pipeline.solve_session(model.session, model.built, model.net, rolling,
                                         progress)
        bound, why = aggregated_bound(model.net, model.built, model.session, summary)
        log(event="bound", objective_usd=summary.objective_usd, fallback=why or None)
        if bound is None:  # as the pipeline: the bound (and the plans) per pair
            if fallback:
                del model
                return pipeline.run_scenario(tables, scenario, options, on_progress)
            raise SystemExit(f"the foresight bound falls back to per pair: {why}")
        summary, kept, transit = realistic_solve(
            model.session, model.built, model.net, bound,
            lambda: pipeline.solve_session(model.session, model.built, model.net, rolling,
                                           progress),
            progress, lag=lag, keep=keep)
        model, summary, routing = pipeline.generate_columns(model, summary, options, progress,
                                                            keep_input=False)
        log(event="early write-offs by stream", streams=early_writeoffs(model.built))
        progress("results", None, None, "extracting the result tables")
        results = extract_results(model.net, model.routes, model.built, {
            **summary.as_dict(), "show_class_fifo": options.clearance_order == "class-fifo"},
            routing=routing)
        if summary.keep_coming_share and (summary.keep_coming_days or any(
                (summary.keep_coming_days_by_gate or {}).values())):
            results.keep_coming = kept
        if transit is not None and len(transit):
            results.unwarned_transit = transit
        s = results.summary
        log(event="aggregated policy", objective_usd=s.get("objective_usd"),
            stream_aggregation=s.get("stream_aggregation"), fifo_repair=s.get("fifo_repair"))
        out = pipeline.Run(tables=tables, net=model.net, routes=model.routes,
                           built=model.built, solve=summary, results=results, options=options,
                           session=model.session, route_options=routes,
                           extension=model.extension, routing=routing, paths={
                               "aggregate_streams": {"on": True, "why": "realistic plans on "
                                                     "the aggregated LP (benchmark)"},
                               "window_pricing": {"on": False, "why": "realistic"}})
        if fallback:
            return pipeline.disaggregated(out, progress) or out
        return out

    return run


def main(argv=None) -> int:
    """Run the benchmark (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("out")
    ap.add_argument("--plans", choices=("aggregated", "per-pair"), default="aggregated")
    ap.add_argument("--fallback", action="store_true",
                    help="aggregated plans: fall back as a foresight run does")
    ap.add_argument("--time-limit", type=float, default=7200.0)
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out)
    plan_solve = informed._solve_plan

    def timed(h, log_on, limit):
        t0 = cpu_s()
        its, again, warm = plan_solve(h, log_on, limit)
        log(event="plan", cpu_s=round(cpu_s() - t0, 1), iterations=its, ipx=again,
            warm_iterations=warm)
        return its, again, warm

    informed._solve_plan = timed
    informed_solve = dispatch.solve_informed

    def plans_solved(*a, **k):  # each plan's own objective (USD, over the days it saw)
        out = informed_solve(*a, **k)
        log(event="plan objectives", objectives_usd=out.plan_objectives)
        return out

    dispatch.solve_informed = plans_solved
    ds = bf.load_dataset()
    sc = bf.Scenario.from_yaml(args.scenario, ds)
    options = replace(bf.RunOptions.of(time_limit_s=args.time_limit), dispatch="realistic")
    if args.plans == "aggregated":
        api.run_scenario = aggregated_run(log, args.fallback)
    log(event="start", scenario=args.scenario, plans=args.plans, fallback=args.fallback)

    def progress(stage, done=None, total=None, message=""):
        log(event="progress", stage=stage, done=done, total=total, message=message)

    result = bf.solve(ds, sc, options, progress, compare=False)
    s = result.summary
    meta = result.metadata
    log(event="end", objective_usd=s.get("objective_usd"),
        foresight_objective_usd=s.get("foresight_objective_usd"),
        value_of_foresight_usd=(s.get("objective_usd") - s.get("foresight_objective_usd"))
        if s.get("foresight_objective_usd") is not None else None,
        stream_aggregation=s.get("stream_aggregation"), fifo_repair=s.get("fifo_repair"),
        plan_iterations=s.get("plan_iterations"), plan_solves=s.get("plan_solves"),
        iterations=s.get("iterations"), variables=s.get("variables"),
        foresight_bound_lp=s.get("foresight_bound_lp"),
        aggregate_streams=(meta.get("effective_options") or {}).get("aggregate_streams"),
        verified=s.get("verified"), checks=s.get("verification_checks"),
        violations=s.get("verification_violations"),
        totals=totals(result), peak_rss_kb=resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss)
    result.write(out / "run")
    log(event="written", folder=str(out / "run"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
