"""Benchmark (not a test): what a realistic run's plans cost, and alternatives to plan 0's solve.

Runs a scenario's realistic pipeline (``run_scenario`` with ``dispatch="realistic"``) with two
hooks: the pipeline's ``realistic_solve`` (its ``solve_first``, plan 0) and
:func:`borderflow.solvers.informed._solve_plan` (each later plan). For plan 0 it writes the
LP (``plan0.mps``, the calendar known on day 0, the unwarned transit at 0; HiGHS's
``writeModel``) and times, each from nothing (``clearSolver``) in the run's own HiGHS
instance (its options: 1 thread, the run's presolve setting), in the order asked:

- ``a``: as the pipeline solves it now (``solve_first``: exact windows from 30 days on, then
  the whole LP from their stitched point), no cap;
- ``b``: IPX with crossover from nothing, presolve on;
- ``c``: the dual simplex from nothing, presolve on.

``b`` and ``c`` stop at ``--cpu-cap`` CPU seconds (HiGHS's simplex and IPM interrupt
callbacks compare this process's ``resource.getrusage`` user + system time; crossover has no
callback) and ``c`` also at ``--dual-iterations`` iterations; HiGHS's own wall-clock
``time_limit`` is 7,200 s. A method stopped by its CPU cap says ``capped: true`` (HiGHS's
status then reads ``error``, its objective is not an optimum's). After each method the basis
it ended at is written (``plan0-<m>.bas``). The last method run leaves plan 0 solved for the
rest of the run. ``--plans 0`` (the default) stops the run after plan 0; ``--plans all``
lets it go on and, before each later plan, writes its LP and warm starting basis
(``plan<j>.mps``/``.bas``) and times it as the run solves it (warm dual simplex up to
``WARM_ITERATION_LIMIT``, then IPX).

Every method's line has ``cpu_s`` (user + system of this process over that solve), the load
average beside it, HiGHS's status, objective (USD) and iterations, and ``equal``: its objective
within 1e-9 relative of the first optimal method's. Prints one JSON line per event and keeps
them all in ``OUTDIR/log.json``.

Usage (at nice 19 on a shared machine; a winter run peaks at ~3.8 GB, check ``free -g``)::

    nice -n 19 python tests/benchmarks/realistic_plans.py data/scenarios/boten-2021.yaml \\
        /tmp/boten0 --methods a,c --cpu-cap 200 --dual-iterations 300000 --no-write
    nice -n 19 python tests/benchmarks/realistic_plans.py \\
        data/scenarios/vn-cn-winter-2021.yaml /tmp/winter0 --methods a,b,c --cpu-cap 700

(session 26's runs; docs/notes/performance-log.md, "The realistic dispatch's first plan"). Put ``a``
first: winter's ``a`` run after capped ``b`` and ``c`` ended 'Interrupted by user' (not
understood).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from dataclasses import replace
from pathlib import Path

import borderflow as bf
import borderflow.pipeline as pipeline
import borderflow.solvers.informed as informed
from borderflow.solvers.highs import run_highs, status_of


class _Stop(Exception):
    """Raised after plan 0 when only plan 0 is asked for."""


def cpu_s() -> float:
    """User + system CPU seconds of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load() -> list:
    """The 1, 5 and 15 minute load averages."""
    return Path("/proc/loadavg").read_text().split()[:3]


class Log:
    """JSON lines on stdout, all of them kept in ``out/log.json``."""

    def __init__(self, out: Path):
        self.out, self.lines, self.t0 = out, [], cpu_s()

    def __call__(self, **fields) -> dict:
        fields.update(cpu_total_s=round(cpu_s() - self.t0, 1), load=load())
        self.lines.append(fields)
        print(json.dumps(fields), flush=True)
        (self.out / "log.json").write_text(json.dumps(self.lines, indent=1))
        return fields


def _cold(h, method: str, cap_s: float, dual_iterations: int, log_flag: bool) -> bool:
    """Solve the LP ``h`` holds from nothing by ``method`` (``b`` IPX + crossover, ``c`` dual
    simplex), interrupted at ``cap_s`` CPU seconds; HiGHS's options restored after. Returns
    whether the cap stopped it."""
    names = ("solver", "run_crossover", "presolve", "simplex_strategy", "simplex_iteration_limit",
             "time_limit")
    before = {n: h.getOptionValue(n)[1] for n in names}
    h.clearSolver()
    h.setOptionValue("presolve", "on")
    h.setOptionValue("time_limit", 7200.0 + h.getRunTime())
    if method == "b":
        h.setOptionValue("solver", "ipm")
        h.setOptionValue("run_crossover", "on")
    else:
        h.setOptionValue("solver", "simplex")
        h.setOptionValue("simplex_strategy", 1)  # dual
        h.setOptionValue("simplex_iteration_limit", int(dual_iterations))
    end = cpu_s() + cap_s
    capped, live = [], [True]

    def stop(event) -> None:  # inert once this solve is over, whatever HiGHS keeps
        if live and cpu_s() > end:
            capped.append(True)
            event.interrupt()

    events = (h.cbSimplexInterrupt, h.cbIpmInterrupt)
    for e in events:
        e.subscribe(stop)
    try:
        run_highs(h, log_flag)
    finally:
        live.clear()
        for e in events:
            e.unsubscribe(stop)
        for n, v in before.items():
            h.setOptionValue(n, v)
    return bool(capped)


def main(argv=None) -> int:
    """Run the benchmark (module docstring); 0 on success."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("scenario")
    p.add_argument("out")
    p.add_argument("--methods", default="b,c,a", help="order of a, b, c (comma-separated)")
    p.add_argument("--cpu-cap", type=float, default=900.0, help="CPU s cap of b and c")
    p.add_argument("--dual-iterations", type=int, default=1_000_000, help="iteration cap of c")
    p.add_argument("--plans", choices=("0", "all"), default="0")
    p.add_argument("--no-write", action="store_true", help="do not write LPs and bases")
    args = p.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods or any(m not in "abc" for m in methods):
        print("--methods: a comma-separated list of a, b, c", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    note = Log(out)
    state = {"j": 0}
    original = pipeline.realistic_solve

    def realistic_solve(session, built, net, foresight, solve_first, *a, **k):
        h = session.highs
        note(stage="plan 0 ready (bound solved, models built)", cols=h.getNumCol(),
             rows=h.getNumRow(), nonzeros=h.getNumNz(),
             foresight_objective_usd=foresight.summary.objective_usd,
             foresight_lp=foresight.lp)

        def first():
            if not args.no_write:
                c0 = cpu_s()
                h.writeModel(str(out / "plan0.mps"))
                note(stage="plan 0 LP written", cpu_s=round(cpu_s() - c0, 1))
            reference = None
            for m in methods:
                c0 = cpu_s()
                if m == "a":
                    s = solve_first()
                    row = dict(status=s.status, objective_usd=s.objective_usd,
                               iterations=s.iterations, windows=s.windows)
                else:
                    capped = _cold(h, m, args.cpu_cap, args.dual_iterations,
                                   session.options.log)
                    info = h.getInfo()
                    row = dict(status=status_of(h)[0], capped=capped,
                               objective_usd=float(info.objective_function_value),
                               simplex_iterations=int(info.simplex_iteration_count),
                               ipm_iterations=int(info.ipm_iteration_count),
                               crossover_iterations=int(info.crossover_iteration_count))
                spent = round(cpu_s() - c0, 1)
                if row["status"] == "optimal" and reference is None:
                    reference = row["objective_usd"]
                equal = (row["status"] == "optimal" and abs(row["objective_usd"] - reference)
                         <= 1e-9 * max(1.0, abs(reference)))
                note(stage=f"plan 0 ({m})", cpu_s=spent, equal=equal, **row)
                if not args.no_write:
                    h.writeBasis(str(out / f"plan0-{m}.bas"))
            if status_of(h)[0] != "optimal":
                raise _Stop("plan 0's last method did not end optimal")
            if args.plans == "0":
                raise _Stop("plan 0 done")
            return None

        return original(session, built, net, foresight, first, *a, **k)

    solve_plan = informed._solve_plan

    def later(h, log_flag, limit):
        state["j"] += 1
        j = state["j"]
        if not args.no_write:
            h.writeModel(str(out / f"plan{j}.mps"))
            h.writeBasis(str(out / f"plan{j}.bas"))
        c0 = cpu_s()
        result = solve_plan(h, log_flag, limit)
        note(stage=f"plan {j} (as the run solves it)", cpu_s=round(cpu_s() - c0, 1),
             iterations=result[0], ipx=result[1], warm_iterations=result[2],
             status=status_of(h)[0], objective_usd=float(h.getInfo().objective_function_value))
        return result

    pipeline.realistic_solve = realistic_solve
    informed._solve_plan = later
    try:
        ds = bf.load_dataset()
        scenario = bf.Scenario.from_yaml(args.scenario, ds)
        options = replace(bf.RunOptions.of(time_limit_s=7200.0), dispatch="realistic")
        run = pipeline.run_scenario(ds, scenario, options)
        s = run.results.summary
        note(stage="done", objective_usd=s["objective_usd"],
             foresight_objective_usd=s.get("foresight_objective_usd"))
    except _Stop as stopped:
        note(stage=f"stopped: {stopped}")
    finally:
        pipeline.realistic_solve = original
        informed._solve_plan = solve_plan
    return 0


if __name__ == "__main__":
    sys.exit(main())
