"""Benchmark (not a test): a realistic run with its plans on the aggregated-streams LP
(``--plans aggregated``, the default of the pipeline since session 32) or per pair
(``--plans per-pair``, ``--per-pair-streams``: the foresight bound on the aggregated LP, the
plans per pair), CPU seconds per stage and per plan; issue 18, session 27
(docs/notes/performance-log.md, "The realistic dispatch's plans on the aggregated-streams LP").

``--plans aggregated`` runs the library's ``--dispatch realistic --aggregate-streams`` (the
bound and every plan on the aggregated model, the stitched policy replayed first in, first out
and split per pair; per-pair plans only where the foresight run would fall back); until the
option existed this script held a stand-in of that path (session 27, before 331149d).

Either way ``bf.solve(..., compare=False)`` verifies it and this script writes the run folder to
``OUTDIR/run``. A progress callback logs this process's CPU seconds (user + system,
``resource``) and the load average at every progress message, a hook on
:func:`borderflow.solvers.informed._solve_plan` each later plan's CPU seconds, iterations and
whether IPX solved it, and one on :func:`borderflow.solvers.informed.solve_informed` each
plan's own objective (plan 0's is the LP optimum on the calendar known on day 0). At the end
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

import borderflow as bf
import borderflow.dispatch as dispatch
import borderflow.solvers.informed as informed
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


def main(argv=None) -> int:
    """Run the benchmark (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario")
    ap.add_argument("out")
    ap.add_argument("--plans", choices=("aggregated", "per-pair"), default="aggregated")
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
    options = replace(bf.RunOptions.of(time_limit_s=args.time_limit), dispatch="realistic",
                      aggregate_streams=args.plans == "aggregated")
    log(event="start", scenario=args.scenario, plans=args.plans)

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
