"""Where one warm dated closure's CPU goes: ``cProfile`` (process-time clock) of each named
closure of the target-3 sweep, solved warm on one worker's cache in this process, by step.

    python tests/benchmarks/sweep_profile.py --gates boten-mohan,huu-nghi-youyiguan,\
tan-thanh-puzhai,dakta-ok-nam-giang [--dump DIR] [--write DIR]

Prints one JSON line per closure: its CPU s without the profiler (a first, unprofiled solve
of the same scenario is not made: the profiled run is the only one, so each step's share is
what the profile shows), the steps' cumulative CPU s under the profiler, and the load.
``--write DIR``: each closure's run folder is also written there, as a sweep's worker writes
it (``borderflow.sweeps.partitions.write_partition``), timed and profiled apart
(``folder_cpu_s``, ``folder_cpu_s_profiled``: not in ``cpu_s``, as a sweep's outcome does not
count it either).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: the steps of a warm closure: (label, file suffix, function name)
STEPS = (
    ("network", "model/network.py", "with_scenario"),
    ("bounds", "model/formulation.py", "bound_updates"),
    ("re-solve", "borderflow/pipeline.py", "solve_session"),
    ("pricing", "borderflow/pricing_scope.py", "price_once"),
    ("rebuild", "borderflow/pipeline.py", "assemble"),
    ("in-place columns", "model/dated_scenario_columns.py", "generate_dated_in_place"),
    ("tables", "model/results.py", "extract_results"),
)


def step_seconds(stats: pstats.Stats) -> dict:
    """Cumulative seconds of each of :data:`STEPS` (summed over its calls)."""
    out = {label: 0.0 for label, _, _ in STEPS}
    calls = {label: 0 for label, _, _ in STEPS}
    for (path, _, func), (_, ncalls, _, cum, _) in stats.stats.items():
        for label, suffix, name in STEPS:
            if func == name and path.endswith(suffix):
                out[label] += cum
                calls[label] += ncalls
    return {k: round(v, 3) for k, v in out.items()} | {"calls": calls}


def _count_searches() -> list:
    """Record each dated pricing pass's searches run and reused (a list the caller reads and
    clears): ``pricing_scope.price_dated_model`` wrapped, nothing else changed."""
    import borderflow.pricing_scope as scope

    passes, price = [], scope.price_dated_model

    def counted(*args, **kwargs):
        found = price(*args, **kwargs)
        stats = found.result.stats
        passes.append({"searched": stats.get("searched"), "reused": stats.get("reused", 0),
                       "skipped": stats.get("skipped", 0)})
        return found

    scope.price_dated_model = counted
    return passes


def _write_profiled(out: str, plan, entry, outcome) -> tuple[dict, cProfile.Profile]:
    """Write ``outcome``'s run folder under ``out`` as a sweep's worker does: its CPU s
    unprofiled, then again under the profiler (the folder is replaced)."""
    from borderflow.sweeps.partitions import write_partition

    c0 = time.process_time()
    write_partition(out, plan, entry, outcome)
    cpu = time.process_time() - c0
    prof = cProfile.Profile(time.process_time)
    prof.enable()
    write_partition(out, plan, entry, outcome)
    prof.disable()
    total = pstats.Stats(prof).total_tt
    return {"folder_cpu_s": round(cpu, 3), "folder_cpu_s_profiled": round(total, 3)}, prof


def main() -> None:
    """Build the cache's model once (unprofiled), then profile each closure warm."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent.parent))
    from dated_sweep import sweep_plan

    from borderflow.sweeps.worker import Job, ModelCache, solve_job

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gates", required=True, help="comma-separated crossing ids")
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--dump", default="", help="write each closure's .prof here")
    ap.add_argument("--repeat", type=int, default=1, help="solve each closure N times")
    ap.add_argument("--write", default="", help="write each closure's run folder here too")
    args = ap.parse_args()
    gates = [g for g in args.gates.split(",") if g]
    passes = _count_searches()
    plan = sweep_plan(args.days, gates=gates)
    cache = ModelCache(freeze=True)
    cache.setup()
    load0 = os.getloadavg()
    for e in plan.entries:
        job = Job(e.scenario, plan.structures[e.structure], True)
        for _ in range(args.repeat if e.scenario.name != "baseline" else 1):
            prof = cProfile.Profile(time.process_time)
            prof.enable()
            o = solve_job(job, cache)
            prof.disable()
            s = o.results.summary if o.results is not None else {}
            row = {"name": o.name, "status": o.status, "cpu_s": round(o.cpu_seconds, 3),
                   "setup_cpu_s": round(o.setup_cpu_seconds, 3),
                   "objective_usd": o.solve.get("objective_usd"),
                   "iterations": o.solve.get("iterations"), "routing": s.get("routing"),
                   "routes_generated": (s.get("pricing") or {}).get("routes_generated"),
                   "loadavg": os.getloadavg()}
            row["passes"] = passes[:]  # searches run and reused, per pricing pass
            passes.clear()
            if e.scenario.name != "baseline":
                stats = pstats.Stats(prof)
                row["steps_cpu_s_profiled"] = step_seconds(stats)
                if args.dump:
                    Path(args.dump).mkdir(parents=True, exist_ok=True)
                    stats.dump_stats(str(Path(args.dump) / f"{o.name}.prof"))
            if args.write and e.scenario.name != "baseline":
                folder, fprof = _write_profiled(args.write, plan, e, o)
                row |= folder
                if args.dump:
                    fprof.dump_stats(str(Path(args.dump) / f"{o.name}.folder.prof"))
            print(json.dumps(row), flush=True)
    print(json.dumps({"loadavg_start": load0, "loadavg_end": os.getloadavg()}), flush=True)


if __name__ == "__main__":
    main()
